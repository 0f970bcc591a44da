"""The OpenAPI document covers every API route, and real responses match its schemas."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from marshmallow import Schema, fields

from shopwright import hookimpl
from shopwright.host.api import schemas as s
from shopwright.host.apikeys import API_SCOPES, create_key
from shopwright.host.app import create_app, state_of
from shopwright.host.models import Product, Variant
from shopwright.host.pluginmeta import PluginMeta
from shopwright.host.shops import create_shop


class SpecSettings(Schema):
    token = fields.String(metadata={"secret": True})
    size = fields.Integer(load_default=2)


class SpecPlugin:
    plugin_meta = PluginMeta(name="spec_demo", version="1.0", settings=SpecSettings)

    @hookimpl
    def register_job_types(self, register):
        register("noop", lambda job: None)


@pytest.fixture
def app(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "JOB_WORKERS": 0, "LOAD_ENTRY_POINTS": False,
                      "EXTRA_PLUGINS": [SpecPlugin()]})
    yield app
    state_of(app).close()


@pytest.fixture
def spec(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    return response.json


@pytest.fixture
def auth(app):
    with state_of(app).db.session() as session:
        shop = create_shop(session, "spec", "Spec")
        product = Product(shop_id=shop.id, handle="p", title="P", tags=["a"], attributes={"k": "v"}, images=[])
        product.variants = [Variant(shop_id=shop.id, sku="p-1", price=Decimal("3.50"), compare_at_price=None)]
        session.add(product)
        return {"Authorization": f"Bearer {create_key(session, shop.id, 'spec', list(API_SCOPES))}"}


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule)


def test_document_is_openapi_3_with_bearer_security(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_every_api_route_and_method_is_documented(app, spec):
    expected = {(openapi_path(rule.rule), method.lower())
                for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
                for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    assert expected == documented
    assert len(expected) >= 29


def test_operations_carry_parameters_bodies_responses_and_security(spec):
    for path, item in spec["paths"].items():
        path_params = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert path_params == set(re.findall(r"{(\w+)}", path)), path
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op["summary"] and op["operationId"] and op["responses"], (path, method)
            if path.endswith("/openapi.json"):
                assert op["security"] == []
                continue
            assert {"bearer": []} in op["security"] and "401" in op["responses"], (path, method)
            if method in ("put", "patch") or (method == "post" and "requestBody" in op):
                assert "application/json" in op["requestBody"]["content"], (path, method)
    products = spec["paths"]["/api/v1/products"]
    query = {p["name"] for p in products["get"]["parameters"] if p["in"] == "query"}
    assert {"limit", "offset", "cursor", "category", "status", "q"} <= query
    assert "oneOf" in products["post"]["requestBody"]["content"]["application/json"]["schema"]
    headers = {p["name"] for p in spec["paths"]["/api/v1/events"]["post"]["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key"}


def test_every_reference_resolves(spec):
    refs = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(spec)))
    assert refs and refs <= set(spec["components"]["schemas"])
    assert {"ProductOut", "ProductIn", "ProductPatch", "ErrorOut", "JobOut", "PluginOut"} <= refs
    assert "required" not in spec["components"]["schemas"]["ProductPatch"]


def test_document_passes_an_openapi_validator(spec):
    from openapi_spec_validator import validate

    validate(spec)  # raises on any violation of the OpenAPI 3.0 schema, e.g. a string `minimum`


def test_limits_and_formats_are_declared(spec):
    text = json.dumps(spec)
    assert '"minimum": "' not in text and '"maximum": "' not in text
    schemas = spec["components"]["schemas"]
    assert schemas["VariantIn"]["properties"]["price"]["pattern"] == s.MONEY_IN
    created = spec["paths"]["/api/v1/orders"]["post"]
    records = created["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1]
    assert (records["minItems"], records["maxItems"]) == (1, 1000)
    answers = created["responses"]["201"]["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/OrderList"} in answers
    assert "known" in schemas["ErrorBody"]["properties"]
    assert schemas["ReviewIn"]["properties"]["external_id"]["minLength"] == 1
    assert "pattern" in schemas["ReviewIn"]["properties"]["external_id"]
    query = {p["name"]: p for p in spec["paths"]["/api/v1/products"]["get"]["parameters"]}
    assert query["cursor"]["schema"]["pattern"] == s.CURSOR and query["offset"]["schema"]["maximum"] == 2**31 - 1
    item = spec["paths"]["/api/v1/products/{product_id}"]
    assert item["parameters"][0]["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    assert all("414" in op["responses"] for path in spec["paths"].values() for name, op in path.items()
               if name != "parameters")
    header = spec["paths"]["/api/v1/events"]["post"]["parameters"][0]
    assert header["name"] == "Idempotency-Key" and header["schema"]["minLength"] == 1


def no_errors(schema: type[Schema], data) -> None:
    assert schema().validate(data) == {}, (schema.__name__, data)


def test_real_responses_match_the_documented_schemas(app, auth):
    client = app.test_client()
    products = client.get("/api/v1/products", headers=auth).json
    no_errors(s.ProductPage, products)
    no_errors(s.ProductOut, client.get(f"/api/v1/products/{products['items'][0]['id']}", headers=auth).json)
    customer = client.post("/api/v1/customers", json={"email": "z@example.com", "phone": None}, headers=auth).json
    no_errors(s.CustomerOut, customer)
    no_errors(s.CustomerPage, client.get("/api/v1/customers", headers=auth).json)
    order = client.post("/api/v1/orders", headers=auth, json={
        "number": "9", "customer_email": "z@example.com", "lines": [{"sku": "p-1", "quantity": 1}]}).json
    no_errors(s.OrderOut, order)
    no_errors(s.OrderPage, client.get("/api/v1/orders", headers=auth).json)
    pid = products["items"][0]["id"]
    no_errors(s.ReviewOut, client.post(f"/api/v1/products/{pid}/reviews", json={"rating": 4}, headers=auth).json)
    no_errors(s.ReviewPage, client.get(f"/api/v1/products/{pid}/reviews", headers=auth).json)
    batch = {"events": [{"type": "view"}]}
    events = client.post("/api/v1/events", json=batch, headers={**auth, "Idempotency-Key": "1"})
    no_errors(s.EventBatchOut, events.json)


def test_plugin_job_and_error_responses_match(app, auth):
    client = app.test_client()
    no_errors(s.PluginList, client.get("/api/v1/plugins", headers=auth).json)
    no_errors(s.PluginOut, client.post("/api/v1/plugins/spec_demo/enable", headers=auth).json)
    settings = client.put("/api/v1/plugins/spec_demo/settings", json={"token": "t0k"}, headers=auth).json
    no_errors(s.PluginSettingsOut, settings)
    job = client.post("/api/v1/jobs", json={"type": "spec_demo.noop"}, headers=auth).json
    no_errors(s.JobOut, job)
    no_errors(s.JobPage, client.get("/api/v1/jobs", headers=auth).json)
    for response in (client.get("/api/v1/products/999", headers=auth), client.get("/api/v1/products"),
                     client.post("/api/v1/products", json={"nope": 1}, headers=auth)):
        no_errors(s.ErrorOut, response.json)
