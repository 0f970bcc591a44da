"""Builds the demo catalogue: products in Shopwright's import format plus a private profile each.

The profile carries what the rest of the simulation needs but the import format does not hold:
how popular a product is, how good shoppers find it, and whether its sizes run small. Reviews
read those profiles, so a product that runs small gets reviews that say so.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from shopwright.host.demo.catalogue_data import (
    APPAREL_SIZES,
    CARE_BY_MATERIAL,
    CATEGORIES,
    CATEGORY_PITCHES,
    COLLECTIONS,
    DESCRIPTION_OPENERS,
    GENERIC_TAGS,
    SCENTED_OPENERS,
    SHOE_SIZES,
)

IMAGE_BASE = "https://cdn.shopwright.test/demo"
EMPTY_DESCRIPTION_SHARE = 0.2  # left blank on purpose: candidates for AI-written copy
DRAFT_SHARE = 0.06
SALE_SHARE = 0.18
SOLD_OUT_SHARE = 0.09
# Options whose later values are bigger and so cost more (a large planter, a 1 L bottle).
SCALED_OPTIONS = {"Size", "Capacity", "Diameter", "Length"}


@dataclass(slots=True)
class ProductProfile:
    """What the simulation knows about a product beyond its import record."""

    handle: str
    title: str
    category: str
    main: str                      # the defining material or scent, as written in attributes
    feature: str
    fit: str | None                # "small", "large", "true" for things with sizes, else None
    quality: float                 # mean star rating shoppers converge on
    popularity: float              # relative chance of being viewed or bought
    active: bool
    variants: list[tuple[str, str]] = field(default_factory=list)  # (sku, price)


def build_catalogue(rng: random.Random, count: int) -> tuple[list[dict], list[ProductProfile]]:
    """Return ``count`` products spread evenly over every category, with their profiles."""
    products, profiles = [], []
    for index, (category, kind, material, prefix) in enumerate(_product_plan(rng, count), start=1):
        product, profile = _make_product(rng, index, category, kind, material, prefix)
        products.append(product)
        profiles.append(profile)
    return products, profiles


def money(amount: Decimal | float) -> str:
    return str(Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def _product_plan(rng: random.Random, count: int) -> list[tuple[str, dict, tuple[str, str], str]]:
    """Deal (category, kind, material, prefix) picks round-robin so categories stay balanced."""
    queues = {name: _category_combinations(rng, spec) for name, spec in CATEGORIES.items()}
    names = list(CATEGORIES)
    plan = []
    for position in range(count):
        name = names[position % len(names)]
        round_number, slot = divmod(position // len(names), len(queues[name]))
        kind, material = queues[name][slot]
        prefix = COLLECTIONS[(round_number - 1) % len(COLLECTIONS)] if round_number else ""
        plan.append((name, kind, material, prefix))
    return plan


def _category_combinations(rng: random.Random, spec: dict) -> list[tuple[dict, tuple[str, str]]]:
    combos = [(kind, material) for kind in spec["kinds"] for material in kind["materials"]]
    rng.shuffle(combos)
    return combos


def _make_product(rng: random.Random, index: int, category: str, kind: dict,
                  material: tuple[str, str], prefix: str) -> tuple[dict, ProductProfile]:
    spec = CATEGORIES[category]
    title = " ".join(part for part in (prefix, material[0], kind["noun"]) if part)
    handle = slugify(title)
    attributes = _attributes(rng, spec, kind, material[1])
    on_sale = rng.random() < SALE_SHARE
    variants = _variants(rng, f"{spec['code']}-{index:03d}", kind, spec, attributes, on_sale)
    product = {
        "handle": handle, "title": title,
        "description_html": _description(rng, category, title, kind, attributes, material[1]),
        "vendor": rng.choice(spec["vendors"]), "category": category,
        "tags": _tags(rng, category, material[1], on_sale),
        "attributes": attributes,
        "images": [f"{IMAGE_BASE}/{handle}-{n}.jpg" for n in range(1, rng.randint(1, 4) + 1)],
        "status": "draft" if rng.random() < DRAFT_SHARE else "active",
        "variants": variants,
    }
    return product, _profile(rng, product, spec, kind, material[1])


def _profile(rng: random.Random, product: dict, spec: dict, kind: dict, main: str) -> ProductProfile:
    fit = None
    if spec["sizing"]:
        fit = rng.choices(("small", "large", "true"), weights=(25, 12, 63))[0]
    return ProductProfile(
        handle=product["handle"], title=product["title"], category=product["category"], main=main,
        feature=kind["feature"], fit=fit, quality=min(4.8, max(2.3, rng.gauss(4.0, 0.55))),
        popularity=rng.lognormvariate(0.0, 0.9), active=product["status"] == "active",
        variants=[(variant["sku"], variant["price"]) for variant in product["variants"]],
    )


def _attributes(rng: random.Random, spec: dict, kind: dict, main: str) -> dict:
    attributes: dict = {spec["main_key"]: main}
    attributes.update({key: list(value) if isinstance(value, list) else value
                       for key, value in kind.get("attrs", {}).items()})
    attributes["features"] = [kind["feature"]]
    if spec["colours"]:
        # Several colours only where the colour is an option; otherwise the one it comes in.
        sold_in_colours = spec["sizing"] or kind.get("option", ("", []))[1] is None
        colours = rng.sample(spec["colours"], rng.choice((1, 2, 2, 3)) if sold_in_colours else 1)
        attributes["colour"] = colours if len(colours) > 1 else colours[0]
    attributes.setdefault("weight_g", _round_to(sum(kind["grams"]) / 2 * 0.9, 10))
    attributes["care"] = _care(rng, spec, kind, main)
    if spec["warranty"]:
        attributes["warranty_years"] = spec["warranty"]
    certifications = _certifications(rng, spec, main)
    if certifications:
        attributes["certifications"] = certifications
    return attributes


def _care(rng: random.Random, spec: dict, kind: dict, main: str) -> str:
    for keyword, care in CARE_BY_MATERIAL:
        if keyword in main:
            return care
    return kind.get("care") or rng.choice(spec["care"])


def _certifications(rng: random.Random, spec: dict, main: str) -> list[str]:
    """Claim only the certifications whose keywords match the material, and not always."""
    fitting = [name for name, keywords in spec["certifications"]
               if not keywords or any(word in main for word in keywords.split("|"))]
    return [name for name in fitting if rng.random() < 0.45]


def _option_axes(rng: random.Random, spec: dict, kind: dict, attributes: dict) -> list[tuple[str, list[str]]]:
    """The option names and values a product is sold in; empty for single-variant products."""
    colours = attributes.get("colour")
    colour_list = colours if isinstance(colours, list) else []
    if spec["sizing"] == "apparel":
        return _with_colour(("Size", _size_run(rng, APPAREL_SIZES, 4, 6)), colour_list[:2])
    if spec["sizing"] == "shoe":
        return _with_colour(("Size", _size_run(rng, SHOE_SIZES, 6, 8)), colour_list[:2])
    if "option" not in kind:
        return []
    name, values = kind["option"]
    if values is None:  # sold in the product's own colours
        return [(name, colour_list)] if colour_list else []
    return [(name, list(values))]


def _with_colour(sizes: tuple[str, list[str]], colours: list[str]) -> list[tuple[str, list[str]]]:
    return [sizes, ("Colour", colours)] if len(colours) > 1 else [sizes]


def _size_run(rng: random.Random, sizes: list[str], shortest: int, longest: int) -> list[str]:
    length = rng.randint(shortest, longest)
    start = rng.randint(0, len(sizes) - length)
    return sizes[start:start + length]


def _variants(rng: random.Random, sku_stem: str, kind: dict, spec: dict, attributes: dict,
              on_sale: bool) -> list[dict]:
    axes = _option_axes(rng, spec, kind, attributes)
    base_price, base_grams = _shelf_price(rng, *kind["price"]), rng.randint(*kind["grams"])
    return [
        _variant(rng, f"{sku_stem}-{number:02d}", options, _scale_step(axes, options), base_price,
                 base_grams, on_sale)
        for number, options in enumerate(_combinations(axes), start=1)
    ]


def _variant(rng: random.Random, sku: str, options: dict[str, str], step: int, base_price: int,
             base_grams: int, on_sale: bool) -> dict:
    """One variant; each step up a scaled option costs about 18% more and weighs 25% more."""
    price = _round_to(base_price * (1 + 0.18 * step), 1)
    in_stock = rng.random() >= SOLD_OUT_SHARE
    return {
        "sku": sku,
        "title": " / ".join(options.values()) or "Default",
        "options": options,
        "price": money(price),
        "compare_at_price": money(_round_to(price * rng.uniform(1.15, 1.35), 1)) if on_sale else None,
        "inventory_qty": min(250, int(rng.expovariate(1 / 35)) + 1) if in_stock else 0,
        "grams": int(base_grams * (1 + 0.25 * step)),
    }


def _combinations(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    combinations: list[dict[str, str]] = [{}]
    for name, values in axes:
        combinations = [{**options, name: value} for options in combinations for value in values]
    return combinations


def _scale_step(axes: list[tuple[str, list[str]]], options: dict[str, str]) -> int:
    """How many steps up a scaled option (Size, Capacity ...) this variant is; 0 for apparel."""
    for name, values in axes:
        if name in SCALED_OPTIONS and name in options and values[0] not in APPAREL_SIZES + SHOE_SIZES:
            return values.index(options[name])
    return 0


def _shelf_price(rng: random.Random, low: int, high: int) -> int:
    """Prices the way shops set them: 18, 24, 48, 95, 125 rather than 47.31."""
    price = rng.randint(low, high)
    if price < 30:
        return price
    price = 5 * round(price / 5)
    return price - 2 if rng.random() < 0.5 else price


def _round_to(value: float, unit: int) -> int:
    return int(unit * round(value / unit))


def _tags(rng: random.Random, category: str, main: str, on_sale: bool) -> list[str]:
    tags = [category.lower(), main] + rng.sample(GENERIC_TAGS, rng.randint(0, 2))
    if on_sale:
        tags.append("sale")
    return list(dict.fromkeys(tags))


def _description(rng: random.Random, category: str, title: str, kind: dict, attributes: dict,
                 main: str) -> str:
    if rng.random() < EMPTY_DESCRIPTION_SHARE:
        return ""
    openers = SCENTED_OPENERS if "scent" in attributes else DESCRIPTION_OPENERS
    opener = rng.choice(openers).format(title=title, main=main, feature=kind["feature"])
    pitch = rng.choice(CATEGORY_PITCHES[category])
    care = f"Care: {attributes['care']}."
    if "warranty_years" in attributes:
        years = attributes["warranty_years"]
        care += f" Covered by a {years}-year warranty."
    return f"<p>{html.escape(opener)} {html.escape(pitch)}</p><p>{html.escape(care)}</p>"
