"""The importers: every kind from JSON and CSV, Shopify's export, all-or-nothing, upserts,
shop isolation, hostile input, the background job and the hooks fired after commit."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shopwright import PluginMeta, hookimpl
from shopwright.host.app import create_app, state_of
from shopwright.host.importers import ImportReport, KeyTaken, RowError, formats, import_file, import_records, writer
from shopwright.host.importers.jobs import queue_import, shop_uploads
from shopwright.host.models import Customer, Event, Order, OrderLine, Product, Review, Variant
from shopwright.host.shops import create_shop

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


class Probe:
    """A plugin that remembers every import hook call and what the database held at the time."""

    plugin_meta = PluginMeta(name="probe", version="1.0", permissions=("read:catalog", "read:orders", "read:reviews"))

    def __init__(self):
        self.calls: list[tuple[str, object]] = []

    @hookimpl
    def on_products_changed(self, ctx, product_ids, change):
        visible = [product["handle"] for product in ctx.products(ids=product_ids)]
        self.calls.append(("products", (change, sorted(visible))))

    @hookimpl
    def on_order_created(self, ctx, order):
        self.calls.append(("order", order))

    @hookimpl
    def on_review_created(self, ctx, review):
        self.calls.append(("review", review))


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def state(tmp_path, probe):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "JOB_WORKERS": 0, "LOAD_ENTRY_POINTS": False,
                      "EXTRA_PLUGINS": [probe], "BACKGROUND_HOOK_BUDGET_MS": 5000})
    app_state = state_of(app)
    yield app_state
    app_state.close()


def new_shop(state, slug: str) -> int:
    with state.db.session() as session:
        return create_shop(session, slug, slug.title()).id


@pytest.fixture
def shop(state) -> int:
    return new_shop(state, "acme")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(state, shop_id: int, kind: str, name: str) -> ImportReport:
    report = import_file(state, shop_id, kind, name, fixture(name))
    assert report.ok, report.summary()
    return report


def count(state, model, shop_id: int | None = None) -> int:
    query = select(func.count()).select_from(model)
    if shop_id is not None:
        query = query.where(model.shop_id == shop_id)
    with state.db.session() as session:
        return session.scalar(query)


def one(state, model, **where):
    with state.db.session() as session:
        return session.scalars(select(model).filter_by(**where)).one()


def product(state, shop_id: int, handle: str) -> dict:
    from shopwright.host.serialize import product_dict

    with state.db.session() as session:
        return product_dict(session.scalars(select(Product).filter_by(shop_id=shop_id, handle=handle)).one())


def seed(state, shop_id: int) -> None:
    """Catalogue and customers, which orders, reviews and events refer to."""
    load(state, shop_id, "products", "products.json")
    load(state, shop_id, "customers", "customers.json")


def failed(report: ImportReport) -> list[tuple[int, str]]:
    assert not report.ok and report.created == report.updated == 0
    return [(error.row, error.field) for error in report.errors]


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# -- each kind, JSON and CSV -----------------------------------------------------------------
def test_products_from_json(state, shop):
    report = load(state, shop, "products", "products.json")
    assert (report.total, report.created, report.updated) == (2, 2, 0)
    shirt = product(state, shop, "linen-shirt")
    assert shirt["description_source"] == "human" and shirt["description_html"] == "<p>Breathable linen.</p>"
    assert shirt["attributes"] == {"material": "linen", "weight_gsm": 140, "certifications": ["OEKO-TEX"]}
    assert shirt["tags"] == ["summer", "linen"] and shirt["vendor"] == "Northwind"
    assert [(v["sku"], v["price"], v["compare_at_price"]) for v in shirt["variants"]] == [
        ("LIN-S", "49.00", "59.00"), ("LIN-M", "49.00", None)]
    mug = product(state, shop, "camp-mug")
    assert (mug["status"], mug["description_source"], mug["variants"][0]["grams"]) == ("draft", "none", 300)


def test_products_from_csv(state, shop):
    report = load(state, shop, "products", "products.csv")
    assert (report.total, report.created) == (2, 2)
    shirt = product(state, shop, "linen-shirt")
    assert [v["sku"] for v in shirt["variants"]] == ["LIN-S", "LIN-M"]
    assert shirt["variants"][1]["options"] == {"Size": "M"} and shirt["variants"][1]["inventory_qty"] == 0
    assert shirt["images"] == ["https://cdn.example.com/linen-shirt-1.jpg", "https://cdn.example.com/linen-shirt-2.jpg"]
    assert shirt["tags"] == ["summer", "linen"] and shirt["attributes"] == {"material": "linen"}
    assert product(state, shop, "camp-mug")["variants"][0]["price"] == "18.50"


def test_customers_from_json_then_csv_update_the_same_rows(state, shop):
    assert load(state, shop, "customers", "customers.json").created == 2
    ava = one(state, Customer, email="ava.nguyen@example.com")  # emails are matched lower-cased
    assert (ava.country, ava.accepts_marketing, ava.created_at.isoformat()) == ("US", True, "2026-01-05T10:00:00+00:00")
    assert one(state, Customer, email="ben@example.com").phone is None
    report = load(state, shop, "customers", "customers.csv")
    assert (report.created, report.updated) == (0, 2) and count(state, Customer) == 2


def test_orders_from_json_and_csv(state, shop):
    seed(state, shop)
    report = load(state, shop, "orders", "orders.json")
    assert report.created == 2
    first = one(state, Order, number="1001")
    assert first.total == Decimal("108.50")
    assert first.customer_id == one(state, Customer, email="ava.nguyen@example.com").id
    assert one(state, Order, number="1002").total == Decimal("49.00")  # no unit_price: the variant's price
    report = load(state, shop, "orders", "orders.csv")
    assert (report.created, report.updated) == (0, 2)
    assert count(state, Order) == 2 and count(state, OrderLine) == 3


def test_reviews_from_json_and_csv(state, shop):
    seed(state, shop)
    assert load(state, shop, "reviews", "reviews.json").created == 2
    review = one(state, Review, external_id="r-1")
    assert (review.rating, review.verified_purchase, review.customer_id is not None) == (5, True, True)
    report = load(state, shop, "reviews", "reviews.csv")
    assert (report.created, report.updated) == (0, 2) and count(state, Review) == 2
    assert one(state, Review, external_id="r-2").body == "Chips a little, but keeps coffee hot."


def test_events_are_appended_from_json_and_csv(state, shop):
    seed(state, shop)
    assert load(state, shop, "events", "events.json").created == 3
    assert load(state, shop, "events", "events.csv").created == 3
    assert count(state, Event) == 6
    with state.db.session() as session:
        clicks = session.scalars(select(Event).filter_by(type="widget_click")).all()
    assert [(e.widget, e.data) for e in clicks] == [("recommendations.similar", {"position": 2})] * 2


def test_json_object_keyed_by_kind(state, shop):
    data = json.dumps({"customers": [{"email": "c@example.com"}], "orders": []}).encode()
    assert import_file(state, shop, "customers", "all.json", data).created == 1


def test_format_is_sniffed_without_an_extension(state, shop):
    assert import_file(state, shop, "customers", "upload", fixture("customers.json")).ok
    assert import_file(state, shop, "customers", "upload", fixture("customers.csv")).updated == 2


def test_import_records_takes_parsed_json(state, shop):
    report = import_records(state, shop, "customers", json.loads(fixture("customers.json")))
    assert report.ok and report.created == 2
    assert import_records(state, shop, "events", []).ok


# -- Shopify -----------------------------------------------------------------------------
def test_shopify_export_with_variants_images_and_metafields(state, shop):
    report = load(state, shop, "products", "shopify_products.csv")
    assert (report.total, report.created) == (2, 2)
    tee = product(state, shop, "trail-tee")
    assert tee["description_source"] == "human" and "<b>organic</b>" in tee["description_html"]
    assert (tee["category"], tee["tags"], tee["status"]) == ("Tees", ["outdoor", "cotton"], "active")
    assert tee["attributes"] == {"material": "Organic cotton"}
    assert tee["images"] == ["https://cdn.example.com/trail-tee-red.jpg", "https://cdn.example.com/trail-tee-blue.jpg",
                             "https://cdn.example.com/trail-tee-back.jpg"]
    assert [(v["sku"], v["title"], v["options"], v["grams"]) for v in tee["variants"]] == [
        ("TT-RED-S", "Red / S", {"Color": "Red", "Size": "S"}, 200),
        ("TT-RED-M", "Red / M", {"Color": "Red", "Size": "M"}, 210),
        ("trail-tee-blue-s", "Blue / S", {"Color": "Blue", "Size": "S"}, 200)]  # derived sku
    card = product(state, shop, "gift-card")
    assert card["status"] == "draft" and card["description_source"] == "none"
    assert [(v["sku"], v["options"], v["price"]) for v in card["variants"]] == [("gift-card-default", {}, "50.00")]


def test_shopify_reimport_is_stable(state, shop):
    load(state, shop, "products", "shopify_products.csv")
    report = load(state, shop, "products", "shopify_products.csv")
    assert (report.created, report.updated) == (0, 2)
    assert count(state, Product) == 2 and count(state, Variant) == 4


def test_shopify_errors_name_shopify_columns(state, shop):
    data = fixture("shopify_products.csv").replace(b"25.00,30.00,,,,", b"cheap,30.00,,,,")
    assert failed(import_file(state, shop, "products", "export.csv", data)) == [(3, "Variant Price")]


# -- re-import updates -----------------------------------------------------------------------
def test_reimport_updates_fields_and_replaces_the_variant_set(state, shop):
    load(state, shop, "products", "products.json")
    records = json.loads(fixture("products.json"))
    records[0]["title"] = "Linen Shirt, Relaxed"
    records[0]["description_html"] = ""  # empty: keeps the stored copy
    records[0]["variants"] = [dict(records[0]["variants"][0], price="44.00"),
                              {"sku": "LIN-L", "title": "L", "options": {"Size": "L"}, "price": "52.00"}]
    report = import_records(state, shop, "products", records)
    assert (report.created, report.updated) == (0, 2)
    shirt = product(state, shop, "linen-shirt")
    assert shirt["title"] == "Linen Shirt, Relaxed" and shirt["description_html"] == "<p>Breathable linen.</p>"
    assert [(v["sku"], v["price"]) for v in shirt["variants"]] == [("LIN-S", "44.00"), ("LIN-L", "52.00")]
    assert count(state, Product) == 2 and count(state, Variant) == 3


def test_given_description_marks_copy_hand_written(state, shop):
    with state.db.session() as session:
        session.add(Product(shop_id=shop, handle="camp-mug", title="Mug", description_html="<p>Draft</p>",
                            description_source="generated",
                            variants=[Variant(shop_id=shop, sku="MUG-1", price=Decimal("1"))]))
    records = json.loads(fixture("products.json"))[1:]
    records[0]["description_html"] = "<p>Written by the owner.</p>"
    assert import_records(state, shop, "products", records).updated == 1
    mug = product(state, shop, "camp-mug")
    assert (mug["description_source"], mug["description_html"]) == ("human", "<p>Written by the owner.</p>")


def test_create_only_refuses_stored_keys_and_writes_nothing(state, shop):
    assert import_records(state, shop, "customers", [{"email": "a@example.com", "first_name": "Ann"}]).ok
    records = [{"email": "b@example.com"}, {"email": "A@Example.com", "first_name": "Not Ann"}]
    report = import_records(state, shop, "customers", records, create_only=True)
    assert failed(report) == [(2, "email")] and report.errors == [KeyTaken(2, "email", "a@example.com")]
    assert report.as_dict()["errors"][0]["message"] == "'a@example.com' exists already in the shop"
    with state.db.session() as session:
        assert [c.first_name for c in session.scalars(select(Customer))] == ["Ann"]  # and no b@ either
    assert import_records(state, shop, "customers", records[:1], create_only=True).created == 1


def test_create_only_reports_a_clash_on_another_column_as_a_changed_shop(state, shop, monkeypatch):
    """A product created meanwhile with the same sku but another handle: the insert fails on the
    sku, not the key, so it is no `KeyTaken` but the plain 'changed during the import'."""
    import shopwright.host.importers as importers

    original = importers.resolve

    def then_another_writer(*args, **kwargs):
        found = original(*args, **kwargs)
        monkeypatch.setattr(importers, "resolve", original)
        assert import_records(state, shop, "products", [{"handle": "theirs", "title": "T",
                                                         "variants": [{"sku": "S1", "price": "1"}]}]).ok
        return found

    monkeypatch.setattr(importers, "resolve", then_another_writer)
    ours = [{"handle": "ours", "title": "O", "variants": [{"sku": "S1", "price": "2"}]}]
    report = import_records(state, shop, "products", ours, create_only=True)
    assert failed(report) == [(0, "")] and "changed during the import" in report.errors[0].message
    assert not any(isinstance(error, KeyTaken) for error in report.errors)


def test_a_sku_of_another_product_is_refused(state, shop):
    load(state, shop, "products", "products.json")
    records = [{"handle": "new-shirt", "title": "New", "variants": [{"sku": "LIN-S", "price": "1.00"}]}]
    report = import_records(state, shop, "products", records)
    assert failed(report) == [(1, "variants.0.sku")] and "linen-shirt" in report.errors[0].message


# -- all or nothing --------------------------------------------------------------------------
def test_one_bad_row_writes_nothing(state, shop):
    data = csv_bytes("email,first_name,accepts_marketing",
                     "a@example.com,Ann,true", "b@example.com,Bo,maybe", "c@example.com,Cy,false")
    report = import_file(state, shop, "customers", "people.csv", data)
    assert failed(report) == [(3, "accepts_marketing")] and report.total == 3
    assert count(state, Customer) == 0
    assert "row 3, accepts_marketing" in report.summary()
    assert report.as_dict()["errors"] == [{"row": 3, "field": "accepts_marketing", "message": "Not a valid boolean."}]


def test_a_crash_half_way_through_writing_leaves_nothing(state, shop, monkeypatch):
    real = writer.UPSERTS["customers"]
    calls = []

    def crashing(session, *args):
        calls.append(1)
        if len(calls) == 3:
            session.flush()  # the first rows really are in the open transaction
            assert session.scalar(select(func.count()).select_from(Customer)) == 2
            raise RuntimeError("power cut")
        return real(session, *args)

    monkeypatch.setitem(writer.UPSERTS, "customers", crashing)
    records = [{"email": f"c{n}@example.com"} for n in range(5)]
    with pytest.raises(RuntimeError, match="power cut"):
        import_records(state, shop, "customers", records)
    assert count(state, Customer) == 0


def test_progress_is_reported_through_both_phases(state, shop):
    seen = []
    records = [{"email": f"c{n}@example.com"} for n in range(250)]
    import_records(state, shop, "customers", records, progress=lambda done, total, message: seen.append((done, total)))
    assert seen[-1] == (500, 500) and all(total == 500 for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and len(seen) >= 4


# -- malformed files ---------------------------------------------------------------------
@pytest.mark.parametrize(("name", "data", "expected"), [
    ("bad.csv", b'email,first_name\na@example.com,"Ann"x\n', "malformed CSV on line 2"),
    ("open.csv", b'email,first_name\na@example.com,"Ann\n', "malformed CSV"),
    ("bad.json", b'[\n  {"email": "a@example.com",}\n]', "invalid JSON at line 2, column 29"),
    ("nan.json", b'[{"email": NaN}]', "invalid JSON"),
    ("latin.csv", "email,first_name\na@example.com,Jos\u00e9\n".encode("latin-1"),
     "not UTF-8 text (byte 0xe9 on line 2)"),
    ("wide.csv", "email\na@example.com\n".encode("utf-16"), "UTF-16"),
    ("empty.csv", b"", "empty"),
    ("blank.json", b"  \n", "empty"),
    ("header.csv", b"email,first_name\n", "no data rows"),
    ("none.json", b"[]", "holds no customers"),
    ("scalar.json", b'"customers"', "expected an array"),
    ("twice.csv", b"email,email\na@example.com,b@example.com\n", "more than once: email"),
])
def test_malformed_files_are_refused_with_a_reason(state, shop, name, data, expected):
    report = import_file(state, shop, "customers", name, data)
    assert not report.ok and len(report.errors) == 1
    assert expected in report.errors[0].message
    assert count(state, Customer) == 0


def test_utf8_with_byte_order_mark_is_accepted(state, shop):
    data = "\ufeffemail,first_name\nzoe@example.com,Zo\u00eb\n".encode()
    assert import_file(state, shop, "customers", "excel.csv", data).ok
    assert one(state, Customer, email="zoe@example.com").first_name == "Zo\u00eb"


def test_missing_required_columns_are_named_once(state, shop):
    report = import_file(state, shop, "products", "p.csv", csv_bytes("handle,vendor", "a,b", "c,d"))
    assert failed(report) == [(1, "title, sku, price")]
    assert report.errors[0].message == "required columns are missing: title, sku, price"


def test_unknown_fields_and_columns_are_refused(state, shop):
    report = import_records(state, shop, "customers", [{"email": "a@example.com", "nickname": "A"}])
    assert failed(report) == [(1, "nickname")] and "unknown field" in report.errors[0].message
    report = import_file(state, shop, "customers", "c.csv", csv_bytes("email,nickname", "a@example.com,A"))
    assert failed(report) == [(1, "nickname")] and "unknown columns: nickname" in report.errors[0].message


def test_extra_cells_and_conflicting_product_lines(state, shop):
    data = csv_bytes("handle,title,sku,price", "tee,Tee,T1,1.00,oops", "tee,Other title,T2,2.00")
    assert failed(import_file(state, shop, "products", "p.csv", data)) == [(2, ""), (3, "title")]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"price": "abc"}, "variants.0.price", "Not a valid number."),
    ({"price": "-1.00"}, "variants.0.price", "must not be negative"),
    ({"price": "1.005"}, "variants.0.price", "two decimal places"),
    ({"price": True}, "variants.0.price", "must be a price"),
    ({"inventory_qty": 5.5}, "variants.0.inventory_qty", "whole number"),
    ({"inventory_qty": True}, "variants.0.inventory_qty", "whole number"),
    ({"grams": "-3"}, "variants.0.grams", "Must be greater than or equal to 0."),
    ({"sku": 7}, "variants.0.sku", "Not a valid string."),
])
def test_wrong_variant_types(state, shop, change, field, message):
    record = {"handle": "tee", "title": "Tee", "variants": [{"sku": "T1", "price": "1.00", **change}]}
    report = import_records(state, shop, "products", [record])
    assert failed(report) == [(1, field)] and message in report.errors[0].message


@pytest.mark.parametrize(("kind", "record", "field"), [
    ("products", {"handle": "Bad Handle!", "title": "T", "variants": [{"sku": "S", "price": "1"}]}, "handle"),
    ("products", {"handle": "tee", "title": "T", "variants": []}, "variants"),
    ("products", {"handle": "tee", "title": "T", "images": ["javascript:alert(1)"],
                  "variants": [{"sku": "S", "price": "1"}]}, "images.0"),
    ("products", {"handle": "tee", "title": "T", "status": "live", "variants": [{"sku": "S", "price": "1"}]}, "status"),
    ("products", {"handle": "tee", "title": "T", "attributes": {"size": {"deep": 1}},
                  "variants": [{"sku": "S", "price": "1"}]}, "attributes"),
    ("customers", {"email": "not-an-email"}, "email"),
    ("customers", {"email": "a@example.com", "created_at": "last tuesday"}, "created_at"),
    ("customers", {"email": "a@example.com", "country": "USA"}, "country"),
    ("customers", {"email": "a@example.com", "accepts_marketing": "perhaps"}, "accepts_marketing"),
    ("reviews", {"external_id": "r", "product_handle": "tee", "rating": 6}, "rating"),
    ("orders", {"number": "1", "customer_email": "a@example.com", "lines": [{"sku": "S", "quantity": 0}]},
     "lines.0.quantity"),
    ("events", {"type": "teleport"}, "type"),
    ("events", {"type": "view", "data": "not json"}, "data"),
])
def test_wrong_values_per_kind(state, shop, kind, record, field):
    assert failed(import_records(state, shop, kind, [record])) == [(1, field)]


def test_records_must_be_objects(state, shop):
    records = [{"email": "a@example.com"}, ["b@example.com"]]
    assert failed(import_records(state, shop, "customers", records)) == [(2, "")]


# -- duplicates and references ---------------------------------------------------------------
def test_duplicate_keys_in_one_file_name_both_rows(state, shop):
    data = csv_bytes("email", "a@example.com", "b@example.com", "A@Example.com")
    report = import_file(state, shop, "customers", "c.csv", data)
    assert failed(report) == [(4, "email")] and "also on row 2" in report.errors[0].message
    records = json.loads(fixture("products.json"))
    records[1]["variants"][0]["sku"] = "LIN-M"
    report = import_records(state, shop, "products", records)
    assert failed(report) == [(2, "variants.0.sku")] and "also on row 1" in report.errors[0].message


def test_duplicate_sku_in_csv_names_the_lines(state, shop):
    data = csv_bytes("handle,title,sku,price", "a,A,S1,1", "a,,S2,1", "b,B,S2,1")
    report = import_file(state, shop, "products", "p.csv", data)
    assert failed(report) == [(4, "sku")] and "also on row 3" in report.errors[0].message
    data = csv_bytes("handle,title,sku,price", "a,A,S1,1", "b,B,S2,1", "a,A,S3,1")  # a's lines split up
    report = import_file(state, shop, "products", "p.csv", data)
    assert failed(report) == [(4, "handle")] and "also on row 2" in report.errors[0].message


def test_duplicate_json_keys_are_refused_by_row_and_field(state, shop):
    data = (b'[{"email": "a@example.com"}, {"email": "b@example.com", "city": "X", "city": "Y"}]')
    report = import_file(state, shop, "customers", "c.json", data)
    assert failed(report) == [(2, "city")] and "more than once" in report.errors[0].message
    data = (b'[{"handle": "a", "title": "A", "variants": [{"sku": "S", "price": "1", "price": "2"}]}]')
    assert failed(import_file(state, shop, "products", "p.json", data)) == [(1, "variants.0.price")]
    data = b'{"customers": [{"email": "a@example.com"}], "customers": [{"email": "b@example.com"}]}'
    report = import_file(state, shop, "customers", "c.json", data)
    assert failed(report) == [(0, "")] and "more than once" in report.errors[0].message
    assert count(state, Customer, shop) == 0


def test_nul_characters_are_refused_by_row_and_column(state, shop):
    data = csv_bytes("handle,title,sku,price,option:size", "a,A,S1,1,M", "b,B\x00ad,S2,1,L", "c,C,S3,1,\x00")
    report = import_file(state, shop, "products", "p.csv", data)
    assert failed(report) == [(3, "title"), (4, "option:<name>")]
    assert all("NUL" in error.message for error in report.errors)
    assert count(state, Product, shop) == 0


@pytest.mark.parametrize("value", ["99999999999999999999999", "-2147483648", str(2**64), 2**64, -(2**70), "9" * 5000])
def test_integers_past_the_column_range_are_row_errors(state, shop, value):
    records = json.loads(fixture("products.json"))
    records[0]["variants"][0]["inventory_qty"] = value
    assert failed(import_records(state, shop, "products", records)) == [(1, "variants.0.inventory_qty")]
    data = csv_bytes("handle,title,sku,price,grams", f"a,A,S1,1,{value}")
    report = import_file(state, shop, "products", "p.csv", data)
    assert failed(report) == [(2, "grams")] and "between" in report.errors[0].message


def test_orders_with_unknown_sku_or_email_write_nothing(state, shop):
    seed(state, shop)
    data = csv_bytes("number,customer_email,sku,quantity",
                     "1,ava.nguyen@example.com,LIN-S,1", "1,ava.nguyen@example.com,NOPE,1",
                     "2,ghost@example.com,LIN-S,1")
    report = import_file(state, shop, "orders", "o.csv", data)
    assert failed(report) == [(3, "sku"), (4, "customer_email")]
    assert count(state, Order) == 0 and count(state, OrderLine) == 0


def test_reviews_and_events_need_known_handles_and_emails(state, shop):
    seed(state, shop)
    review = {"external_id": "r", "product_handle": "ghost", "customer_email": "nobody@example.com", "rating": 4}
    assert failed(import_records(state, shop, "reviews", [review])) == [(1, "product_handle"), (1, "customer_email")]
    assert failed(import_records(state, shop, "events", [{"type": "view", "product_handle": "ghost"}])) == [
        (1, "product_handle")]


def test_shops_are_isolated(state, shop):
    seed(state, shop)
    other = new_shop(state, "bravo")
    records = json.loads(fixture("products.json"))
    records[0]["title"] = "Bravo's shirt"
    assert import_records(state, other, "products", records).created == 2  # same handles and skus, new rows
    assert product(state, shop, "linen-shirt")["title"] == "Linen Shirt"
    assert count(state, Product, shop) == 2 and count(state, Variant, shop) == 3
    order = {"number": "1", "customer_email": "ava.nguyen@example.com", "lines": [{"sku": "LIN-S", "quantity": 1}]}
    assert failed(import_records(state, other, "orders", [order])) == [(1, "customer_email")]  # Ava is acme's
    review = {"external_id": "r", "product_handle": "linen-shirt", "rating": 5}
    import_records(state, other, "reviews", [review])
    assert one(state, Review, shop_id=other).product_id == one(state, Product, shop_id=other, handle="linen-shirt").id


# -- hostile text ----------------------------------------------------------------------------
def test_sql_looking_text_is_stored_verbatim(state, shop):
    nasty = "Robert'); DROP TABLE products; --"
    sku = "x'; DELETE FROM variants; --"
    records = [{"handle": "tee", "title": nasty, "vendor": "' OR 1=1 --", "variants": [{"sku": sku, "price": "1.00"}]}]
    assert import_records(state, shop, "products", records).ok
    assert import_records(state, shop, "customers", [{"email": "a@example.com", "last_name": nasty}]).ok
    tee = product(state, shop, "tee")
    assert (tee["title"], tee["vendor"], tee["variants"][0]["sku"]) == (nasty, "' OR 1=1 --", sku)
    assert count(state, Product) == 1 and count(state, Variant) == 1 and one(state, Customer).last_name == nasty


def test_script_payloads_are_stored_as_given(state, shop):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    load(state, shop, "products", "products.json")
    review = {"external_id": "r", "product_handle": "camp-mug", "rating": 1, "title": payload, "body": payload}
    assert import_records(state, shop, "reviews", [review]).ok
    records = [{"handle": "tee", "title": payload, "description_html": payload,
                "variants": [{"sku": "S", "price": "1"}]}]
    assert import_records(state, shop, "products", records).ok
    assert one(state, Review).body == payload and product(state, shop, "tee")["description_html"] == payload


# -- limits ----------------------------------------------------------------------------------
def test_more_than_the_row_limit_is_refused(state, shop, monkeypatch):
    data = b"email\n" + b"a@example.com\n" * (formats.MAX_ROWS + 1)
    report = import_file(state, shop, "customers", "big.csv", data)
    assert not report.ok and "more than 100,000 rows" in report.errors[0].message
    monkeypatch.setattr(formats, "MAX_ROWS", 3)
    report = import_records(state, shop, "customers", [{"email": f"{n}@example.com"} for n in range(4)])
    assert not report.ok and "more than 3 rows" in report.summary()
    assert count(state, Customer) == 0


def test_error_lists_are_capped(state, shop, monkeypatch):
    from shopwright.host.importers import report as report_module

    monkeypatch.setattr(report_module, "MAX_REPORTED_ERRORS", 10)
    report = import_records(state, shop, "customers", [{"email": "bad"}] * 25)
    assert len(report.errors) == 11 and report.errors[-1] == RowError(0, "", "and 15 more errors not listed")


# -- the background job ----------------------------------------------------------------------
def upload(state, name: str, data: bytes, shop_id: int) -> Path:
    folder = shop_uploads(state.config["INSTANCE_PATH"], shop_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_import_job_imports_reports_progress_and_removes_the_upload(state, shop):
    path = upload(state, "u1.json", fixture("products.json"), shop)
    params = {"kind": "products", "filename": "products.json", "path": "u1.json"}
    job_id = state.jobs.enqueue(shop, "host.import", params)
    assert state.jobs.run_pending() == 1
    job = state.jobs.get(shop, job_id)
    assert job.status == "succeeded" and job.progress == 1.0 and job.message == "wrote 2 of 2 rows"
    assert job.result["created"] == 2 and job.result["ok"] is True
    assert not path.exists() and count(state, Product) == 2


def test_import_job_fails_with_the_summary_and_keeps_the_upload(state, shop):
    path = upload(state, "u2.csv", csv_bytes("email", "nope"), shop)
    job_id = state.jobs.enqueue(shop, "host.import", {"kind": "customers", "path": str(path)}, max_attempts=1)
    state.jobs.run_pending()
    job = state.jobs.get(shop, job_id)
    assert job.status == "failed" and "row 2, email: Not a valid email address." in job.error
    assert path.exists() and count(state, Customer) == 0


def test_import_job_refuses_paths_outside_uploads(state, shop, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_bytes(csv_bytes("email", "a@example.com"))
    job_id = state.jobs.enqueue(shop, "host.import", {"kind": "customers", "path": "../secret.csv"}, max_attempts=1)
    state.jobs.run_pending()
    job = state.jobs.get(shop, job_id)
    assert job.status == "failed" and "not in this shop's uploads folder" in job.error
    assert secret.exists() and count(state, Customer) == 0


def test_import_job_cannot_read_another_shops_upload(state, shop):
    with state.db.session() as session:
        other = create_shop(session, "other-uploads", "Other").id
    path = upload(state, "theirs.csv", csv_bytes("email", "a@example.com"), other)
    job_id = state.jobs.enqueue(shop, "host.import", {"kind": "customers", "path": str(path)}, max_attempts=1)
    state.jobs.run_pending()
    assert "not in this shop's uploads folder" in state.jobs.get(shop, job_id).error
    assert path.exists() and count(state, Customer) == 0

def test_a_refused_background_file_fails_at_once_though_attempts_remain(state, shop):
    job_id = queue_import(state, shop, "customers", "people.csv", csv_bytes("email", "nope"), created_by="test")
    state.jobs.run_pending()
    job = state.jobs.get(shop, job_id)
    assert (job.status, job.attempts) == ("failed", 1) and job.max_attempts > 1
    assert job.error.startswith("ImportFailed: Nothing imported") and job.result["errors"]


def test_job_answers_and_errors_name_no_server_path(state, shop, tmp_path):
    from shopwright.host.serialize import job_dict

    queued = queue_import(state, shop, "customers", "people.csv", csv_bytes("email", "a@example.com"), "test")
    assert job_dict(state.jobs.get(shop, queued))["params"] == {"kind": "customers", "filename": "people.csv"}
    old = upload(state, "old.csv", csv_bytes("email", "b@example.com"), shop)  # an older job: absolute path
    old_id = state.jobs.enqueue(shop, "host.import", {"kind": "customers", "path": str(old)}, max_attempts=1)
    gone = state.jobs.enqueue(shop, "host.import", {"kind": "customers", "path": str(tmp_path / "gone.csv")})
    state.jobs.run_pending()
    answers = [job_dict(state.jobs.get(shop, job_id)) for job_id in (queued, old_id, gone)]
    assert [answer["status"] for answer in answers] == ["succeeded", "succeeded", "failed"]
    assert answers[2]["attempts"] == 1 and count(state, Customer) == 2
    assert str(tmp_path) not in json.dumps(answers) and "path" not in answers[1]["params"]


def test_a_big_background_import_succeeds_with_workers_running_and_its_job_reads_answer(monkeypatch, tmp_path):
    """SQLite's write lock is the import's until it commits: progress must not need it, and a job
    read in the middle of the import must answer."""
    from shopwright.host.app import state_of
    from shopwright.host.importers import report as report_module
    from shopwright.host.testing import add_fixture_shop, build_app

    midway, resume = threading.Event(), threading.Event()
    original = report_module.Progress.step

    def step(self, phase: int, done: int) -> None:
        if phase == 1 and done == 1500:
            time.sleep(0.15)  # past the progress throttle, so this step's figure is written
        original(self, phase, done)
        if phase == 1 and done == 1500:  # rows flushed, transaction open: hold it there
            midway.set()
            resume.wait(60)

    monkeypatch.setattr(report_module.Progress, "step", step)
    app = build_app(tmp_path, JOB_WORKERS=1, JOB_HEARTBEAT_S=0.05)
    try:
        shop = add_fixture_shop(app)
        auth = {"Authorization": f"Bearer {shop.api_key('write:customers', 'read:jobs')}"}
        rows = csv_bytes("email,first_name", *(f"buyer{n}@example.com,Buyer {n}" for n in range(3000)))
        client = app.test_client()
        queued = client.post("/api/v1/imports/customers?filename=buyers.csv&background=1", data=rows, headers=auth)
        assert queued.status_code == 202, queued.json
        job_url = f"/api/v1/jobs/{queued.json['job']['id']}"
        assert midway.wait(60), f"the import never got half-way: {client.get(job_url, headers=auth).json}"
        during = client.get(job_url, headers=auth)
        listed = client.get("/api/v1/jobs", headers=auth)
        resume.set()
        assert during.status_code == 200 and during.json["status"] == "running"
        assert during.json["progress"] == 0.75 and during.json["message"] == "wrote 1500 of 3000 rows"
        assert listed.json["items"][0]["progress"] == 0.75
        job = state_of(app).jobs.wait(shop.id, queued.json["job"]["id"], timeout=120)
        assert (job.status, job.progress, job.result.get("created")) == ("succeeded", 1.0, 3000), job.error
    finally:
        resume.set()
        state_of(app).close()


class Crash(BaseException):
    """Stands for the process dying: nothing in the job queue catches it."""


def test_an_import_that_crashed_after_its_commit_is_not_imported_twice(state, shop, monkeypatch):
    import shopwright.host.importers

    def die(*args, **kwargs):
        raise Crash()

    monkeypatch.setattr(shopwright.host.importers, "send", die)  # dies after the commit, before the job is marked done
    rows = csv_bytes("email", *(f"buyer{n}@example.com" for n in range(50)))
    job_id = queue_import(state, shop, "customers", "buyers.csv", rows, created_by="test")
    with pytest.raises(Crash):
        state.jobs.run_pending()
    monkeypatch.undo()
    assert state.jobs.get(shop, job_id).status == "running" and count(state, Customer) == 50
    state.jobs.stale_after = timedelta(0)  # its worker is gone
    assert state.jobs.run_pending() == 1
    job = state.jobs.get(shop, job_id)
    assert (job.status, job.interrupted, job.result["created"], job.result["updated"]) == ("succeeded", 1, 50, 0)
    assert list(shop_uploads(state.config["INSTANCE_PATH"], shop).iterdir()) == []


# -- hooks -----------------------------------------------------------------------------------
def test_hooks_fire_after_commit_with_committed_data(state, shop, probe):
    state.enable_plugin(shop, "probe")
    seed(state, shop)
    load(state, shop, "products", "products.json")
    assert [call for call in probe.calls if call[0] == "products"] == [
        ("products", ("created", ["camp-mug", "linen-shirt"])), ("products", ("updated", ["camp-mug", "linen-shirt"]))]
    load(state, shop, "orders", "orders.json")
    load(state, shop, "reviews", "reviews.json")
    orders = [payload for name, payload in probe.calls if name == "order"]
    assert sorted(o["number"] for o in orders) == ["1001", "1002"] and "customer_email" not in orders[0]
    assert sorted(r["external_id"] for name, r in probe.calls if name == "review") == ["r-1", "r-2"]
    before = len(probe.calls)
    load(state, shop, "orders", "orders.csv")  # updates only: no "created" hooks
    assert len(probe.calls) == before


def test_no_hooks_for_a_failed_import(state, shop, probe):
    state.enable_plugin(shop, "probe")
    records = json.loads(fixture("products.json"))
    records[1]["variants"][0]["price"] = "free"
    assert not import_records(state, shop, "products", records).ok
    assert probe.calls == []
