"""Shopwright's own CSV layout: the JSON field names as columns, one line per row.

- customers, reviews, events: one line per record; columns are the field names. Event `data`
  is a JSON object in one cell.
- products: one line per variant. Product columns: handle, title, description_html, vendor,
  category, tags, status, images, and ``attr:<name>`` for each attribute. Variant columns: sku,
  variant_title, price, compare_at_price, inventory_qty, grams, and ``option:<name>`` for each
  option. A product's lines follow each other and each repeats the handle; later lines may leave
  the product columns blank (or repeat them exactly). Images on later lines are added.
- orders: one line per order line. Order columns: number, customer_email, placed_at, currency,
  status; line columns: sku, quantity, unit_price. An order's lines follow each other and each
  repeats the number.
- Lists (tags, images) are comma-separated in one cell. Empty cells count as not given, so on
  re-import they leave stored values alone. Columns without a name are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shopwright.host.importers.records import Record
from shopwright.host.importers.report import RowError
from shopwright.host.importers.schemas import SCHEMAS


@dataclass(frozen=True)
class Layout:
    key: str  # the column that groups lines into one record
    record_columns: tuple[str, ...]
    required: tuple[str, ...]
    nested: str = ""  # the record field that holds one item per line ("variants", "lines")
    item_columns: dict[str, str] = field(default_factory=dict)  # column -> item field
    record_prefix: tuple[str, str] = ("", "")  # ("attr:", "attributes")
    item_prefix: tuple[str, str] = ("", "")  # ("option:", "options")

    def columns(self) -> dict[str, str]:
        """Field path -> column, to name columns in errors."""
        named = {f"{self.nested}.{item}": column for column, item in self.item_columns.items()}
        if self.record_prefix[0]:
            named[self.record_prefix[1]] = self.record_prefix[0] + "<name>"
        if self.item_prefix[0]:
            named[f"{self.nested}.{self.item_prefix[1]}"] = self.item_prefix[0] + "<name>"
        return named

    def knows(self, column: str) -> bool:
        prefixes = [p for p in (self.record_prefix[0], self.item_prefix[0]) if p]
        return (not column or column in self.record_columns or column in self.item_columns
                or any(column.startswith(p) and len(column) > len(p) for p in prefixes))


def flat(kind: str, key: str) -> Layout:
    schema = SCHEMAS[kind]()
    required = tuple(name for name, f in schema.fields.items() if f.required)
    return Layout(key=key, record_columns=tuple(schema.fields), required=required)


LAYOUTS = {
    "products": Layout(
        key="handle",
        record_columns=("handle", "title", "description_html", "vendor", "category", "tags", "status", "images"),
        required=("handle", "title", "sku", "price"),
        nested="variants",
        item_columns={"sku": "sku", "variant_title": "title", "price": "price", "compare_at_price": "compare_at_price",
                      "inventory_qty": "inventory_qty", "grams": "grams"},
        record_prefix=("attr:", "attributes"),
        item_prefix=("option:", "options"),
    ),
    "orders": Layout(
        key="number",
        record_columns=("number", "customer_email", "placed_at", "currency", "status"),
        required=("number", "customer_email", "sku", "quantity"),
        nested="lines",
        item_columns={"sku": "sku", "quantity": "quantity", "unit_price": "unit_price"},
    ),
    "customers": flat("customers", "email"),
    "reviews": flat("reviews", "external_id"),
    "events": flat("events", ""),
}
APPENDED = {"images"}  # record columns whose values on later lines are added, not compared


def to_records(kind: str, header: list[str], rows: list[tuple[int, list[str]]]) -> tuple[list[Record], list[RowError]]:
    layout = LAYOUTS[kind]
    problems = header_problems(layout, header)
    if problems:
        return [], problems
    records, errors = [], []
    for line, cells in rows:
        values, extra = cells_by_column(header, cells)
        if extra:
            errors.append(RowError(line, "", f"has {len(cells)} cells but the header names {len(header)} columns"))
        if continues(layout, records, values):
            errors.extend(add_line(layout, records[-1], line, values))
        else:
            records.append(start_record(layout, line, values))
    return records, errors


def continues(layout: Layout, records: list[Record], values: dict[str, str]) -> bool:
    """Whether this line adds to the record before it (same key, in a kind with nested items)."""
    key = values.get(layout.key)
    return bool(layout.nested and records and key and records[-1].data.get(layout.key) == key)


def header_problems(layout: Layout, header: list[str]) -> list[RowError]:
    problems = []
    missing = [column for column in layout.required if column not in header]
    if missing:
        problems.append(RowError(1, ", ".join(missing), f"required columns are missing: {', '.join(missing)}"))
    unknown = [column for column in header if not layout.knows(column)]
    if unknown:
        problems.append(RowError(1, ", ".join(unknown), f"unknown columns: {', '.join(unknown)}"))
    return problems


def cells_by_column(header: list[str], cells: list[str]) -> tuple[dict[str, str], bool]:
    """Non-empty cells by column name, and whether the line has non-empty cells past the header."""
    values = {name: cell for name, cell in zip(header, cells, strict=False) if name and cell.strip()}
    extra = any(cell.strip() for cell in cells[len(header):])
    return values, extra


def start_record(layout: Layout, line: int, values: dict[str, str]) -> Record:
    data = split_record_values(layout, values)
    record = Record(row=line, data=data, columns=layout.columns())
    if layout.nested:
        data[layout.nested] = []
        add_item(layout, record, line, values)
    return record


def add_line(layout: Layout, record: Record, line: int, values: dict[str, str]) -> list[RowError]:
    errors = []
    for column, value in split_record_values(layout, values).items():
        if column in APPENDED:
            known = record.data.setdefault(column, [])
            known.extend(v for v in value if v not in known)
        elif record.data.get(column) != value:
            errors.append(RowError(line, column, f"differs from line {record.row}; repeat the value or leave it blank"))
    add_item(layout, record, line, values)
    return errors


def split_record_values(layout: Layout, values: dict[str, str]) -> dict:
    data: dict = {column: values[column] for column in layout.record_columns if column in values}
    for column in APPENDED & data.keys():
        data[column] = [part.strip() for part in data[column].split(",") if part.strip()]
    prefix, target = layout.record_prefix
    prefixed = {column[len(prefix):]: value for column, value in values.items() if prefix and column.startswith(prefix)}
    if prefixed:
        data[target] = prefixed
    return data


def add_item(layout: Layout, record: Record, line: int, values: dict[str, str]) -> None:
    item = {name: values[column] for column, name in layout.item_columns.items() if column in values}
    prefix, target = layout.item_prefix
    prefixed = {column[len(prefix):]: value for column, value in values.items() if prefix and column.startswith(prefix)}
    if prefixed:
        item[target] = prefixed
    if item:  # a line with only product columns (more images) adds no variant
        record.data[layout.nested].append(item)
        record.item_rows.append(line)
