"""Reading import files: bytes → text → records, for JSON and CSV (and Shopify's product CSV).

- Text must be UTF-8, with or without a byte-order mark; anything else is refused by name.
- JSON: an array of records, or an object holding the array under the kind's name
  (``{"products": [...]}``; arrays of other kinds in the same object are left for their own
  import). Syntax errors name the line and column. Record numbers count from 1.
- CSV: the first line is the header; CSV row numbers are file line numbers, so the first data
  row is line 2. The columns of each kind are described in `shopwright.host.importers.csvformat`; a
  product file whose header is Shopify's export header is read by `shopwright.host.importers.shopify`.
- A file may hold at most `MAX_ROWS` records (JSON) or data lines (CSV).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePath

from shopwright.host.importers import csvformat, shopify
from shopwright.host.importers.records import KINDS, FileProblem, Record
from shopwright.host.importers.report import RowError

MAX_ROWS = 100_000
OTHER_ENCODINGS = ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"), (b"\x00\x00\xfe\xff", "UTF-32"))


@dataclass
class Parsed:
    records: list[Record]
    errors: list[RowError] = field(default_factory=list)


def parse_file(kind: str, filename: str, data: bytes) -> Parsed:
    text = decode(data)
    if not text.strip():
        raise FileProblem("the file is empty")
    if is_json(filename, text):
        return Parsed(parse_json(kind, text))
    header, rows = read_csv(text)
    if kind == "products" and shopify.is_shopify(header):
        return Parsed(*shopify.to_records(header, rows))
    return Parsed(*csvformat.to_records(kind, header, rows))


def decode(data: bytes) -> str:
    for mark, name in OTHER_ENCODINGS:
        if data.startswith(mark):
            raise FileProblem(f"the file is {name} text; save it as UTF-8 and import it again")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                          "save it as UTF-8 and import it again") from exc


def is_json(filename: str, text: str) -> bool:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    return text.lstrip()[:1] in ("[", "{")  # no telling extension: sniff the first character


# -- JSON ------------------------------------------------------------------------------------
def parse_json(kind: str, text: str) -> list[Record]:
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=keep_duplicates)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:
        raise FileProblem(f"invalid JSON: {exc}") from exc
    items = records_of_kind(kind, value)
    if not items:
        raise FileProblem(f"the file holds no {kind}")
    return as_records(items)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


class Duplicated(dict):
    """A JSON object that named some keys more than once (the last value kept, as json does).

    JSON parsers disagree on which value wins, so such a record is refused, by row and key, when
    it is validated (`shopwright.host.importers.validate`) rather than imported with one value silently lost.
    """

    def __init__(self, pairs: list[tuple[str, object]], duplicates: list[str]):
        super().__init__(pairs)
        self.duplicates = duplicates


def keep_duplicates(pairs: list[tuple[str, object]]) -> dict:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    names = [name for name, _ in pairs]
    return Duplicated(pairs, sorted({name for name in names if names.count(name) > 1}))


def records_of_kind(kind: str, value) -> list:
    if isinstance(value, Duplicated):
        raise FileProblem(f"the top-level object names {', '.join(map(repr, value.duplicates))} more than once")
    if isinstance(value, dict):
        strangers = sorted(set(value) - set(KINDS))
        if strangers:
            raise FileProblem(f"unknown top-level keys {', '.join(strangers)}; expected {', '.join(KINDS)}")
        if kind not in value:
            raise FileProblem(f"the file has no {kind!r} array")
        value = value[kind]
    if not isinstance(value, list):
        raise FileProblem(f"expected an array of {kind} (or an object with a {kind!r} array)")
    return value


def as_records(items: list) -> list[Record]:
    check_row_count(len(items))
    return [Record(row=number, data=item) for number, item in enumerate(items, 1)]


def check_row_count(count: int) -> None:
    if count > MAX_ROWS:
        raise FileProblem(f"the file has more than {MAX_ROWS:,} rows; split it into smaller files")


# -- CSV -------------------------------------------------------------------------------------
def read_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The stripped header and each non-blank data row with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
        rows, last_line = [], reader.line_num
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
                check_row_count(len(rows))
    except csv.Error as exc:
        raise FileProblem(f"malformed CSV on line {reader.line_num}: {exc}", row=reader.line_num) from exc
    check_header(header)
    if not rows:
        raise FileProblem("the file has a header but no data rows")
    return header, rows


def check_header(header: list[str]) -> None:
    if not any(header):
        raise FileProblem("the first line must be a header naming the columns", row=1)
    seen = {name for name in header if name and header.count(name) > 1}
    if seen:
        raise FileProblem(f"columns appear more than once: {', '.join(sorted(seen))}", row=1)
