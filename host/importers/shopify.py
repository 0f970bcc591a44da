"""Shopify's product CSV export, read into Shopwright product records.

Shopify writes one line per variant and per extra image, grouped by Handle: the first line of a
handle carries the product (Title, Body (HTML), Vendor, Type or Product Category, Tags, Status
or Published, OptionN Name); later lines carry more variants (OptionN Value, Variant SKU, Variant
Price, ...) and/or more images (lines with only Handle and Image Src). Metafield columns such as
``Material (product.metafields.custom.material)`` become attributes keyed by the metafield key.
A variant without a SKU gets one derived from the handle and its option values, so importing the
same export again updates the same variants. Image alt texts are not kept. Columns this mapping
does not use (SEO, Google Shopping, tax, ...) are ignored: Shopify's export has dozens of them and
adds more over time.
"""

from __future__ import annotations

import re

from shopwright.host.importers.records import Record
from shopwright.host.importers.report import RowError

METAFIELD = re.compile(r"^.*\(product\.metafields\.[^.()]+\.([^.()]+)\)$")
VARIANT_COLUMNS = {"Variant SKU": "sku", "Variant Price": "price", "Variant Compare At Price": "compare_at_price",
                   "Variant Inventory Qty": "inventory_qty", "Variant Grams": "grams"}
OPTION_SLOTS = (1, 2, 3)
REQUIRED = ("Handle", "Title", "Variant Price")
COLUMNS = {"handle": "Handle", "title": "Title", "description_html": "Body (HTML)", "vendor": "Vendor",
           "category": "Type", "tags": "Tags", "status": "Status", "images": "Image Src",
           "attributes": "(product.metafields...)", **{f"variants.{v}": k for k, v in VARIANT_COLUMNS.items()},
           "variants.options": "Option Value"}


def is_shopify(header: list[str]) -> bool:
    return "Handle" in header and ("Body (HTML)" in header or "Variant Price" in header)


def to_records(header: list[str], rows: list[tuple[int, list[str]]]) -> tuple[list[Record], list[RowError]]:
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return [], [RowError(1, ", ".join(missing), f"required columns are missing: {', '.join(missing)}")]
    records: list[Record] = []
    option_names: list[str] = []  # named on a product's first line, valued on each variant line
    for line, cells in rows:
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name and cell.strip()}
        handle = values.get("Handle", "")
        if not (records and handle and records[-1].data["handle"] == handle):
            records.append(start_product(line, values))
            option_names = [values.get(f"Option{n} Name", "") for n in OPTION_SLOTS]
        add_line(records[-1], option_names, line, values)
    return records, []


def start_product(line: int, values: dict[str, str]) -> Record:
    data = {"handle": values.get("Handle", ""), "variants": [], "images": []}
    for field, column in (("title", "Title"), ("description_html", "Body (HTML)"), ("vendor", "Vendor"),
                          ("tags", "Tags")):
        if column in values:
            data[field] = values[column]
    category = values.get("Type") or values.get("Product Category", "").split(">")[-1].strip()
    if category:
        data["category"] = category
    data["status"] = product_status(values)
    attributes = {m.group(1): value for column, value in values.items() if (m := METAFIELD.match(column))}
    if attributes:
        data["attributes"] = attributes
    return Record(row=line, data=data, columns=COLUMNS)


def product_status(values: dict[str, str]) -> str:
    if "Status" in values:
        return "active" if values["Status"].lower() == "active" else "draft"  # archived: kept off the shop
    return "draft" if values.get("Published", "true").lower() == "false" else "active"


def add_line(record: Record, option_names: list[str], line: int, values: dict[str, str]) -> None:
    image = values.get("Image Src")
    if image and image not in record.data["images"]:
        record.data["images"].append(image)
    variant = {field: values[column] for column, field in VARIANT_COLUMNS.items() if column in values}
    options = variant_options(option_names, values)
    if not (variant or options):
        return  # an image line
    if "grams" in variant:
        variant["grams"] = whole_grams(variant["grams"])
    variant["options"] = options
    variant["title"] = " / ".join(options.values()) or "Default"
    variant.setdefault("sku", derived_sku(record.data["handle"], options))
    record.data["variants"].append(variant)
    record.item_rows.append(line)


def variant_options(names: list[str], values: dict[str, str]) -> dict[str, str]:
    options = {}
    for slot, name in zip(OPTION_SLOTS, names, strict=True):
        value = values.get(f"Option{slot} Value")
        if value and not (name == "Title" and value == "Default Title"):  # Shopify's "no options"
            options[name or f"Option{slot}"] = value
    return options


def whole_grams(text: str) -> str:
    """Shopify writes grams as "200" or "200.0"; keep anything else as is for the schema to judge."""
    try:
        return str(round(float(text)))
    except (ValueError, OverflowError):
        return text


def derived_sku(handle: str, options: dict[str, str]) -> str:
    parts = [handle, *options.values()] if options else [handle, "default"]
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:128]
