"""Fuzzing the API from its own OpenAPI document with schemathesis (the CI-bound run).

Every operation the document lists gets generated requests, valid and invalid, sent through the
WSGI app with a real API key of a shop that has products, customers, orders and reviews, and every
answer goes through all of schemathesis' checks: no server errors, documented status codes,
content types, headers and response schemas, invalid data refused, valid data accepted, auth not
ignored. A stateful test then follows the links between operations (create, read, change, delete).
The tests are generic over the document, so a new endpoint is fuzzed as soon as it exists.

A longer run by hand (figures from `--hypothesis-show-statistics`):
`SHOPWRIGHT_FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest tests/test_api_fuzz.py --hypothesis-show-statistics`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections import defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from marshmallow import Schema, fields, validate
from schemathesis.checks import CHECKS, load_all_checks

from shopwright import hookimpl
from shopwright.host.apikeys import API_SCOPES, create_key
from shopwright.host.app import create_app, state_of
from shopwright.host.pluginmeta import PluginMeta
from shopwright.host.testing import add_fixture_shop

# Bounded for a 2-core CI machine: a few minutes for the whole document.
EXAMPLES = int(os.environ.get("SHOPWRIGHT_FUZZ_EXAMPLES", "100"))


class FuzzSettings(Schema):
    token = fields.String(metadata={"secret": True})
    size = fields.Integer(load_default=2, validate=validate.Range(1, 10))


class FuzzPlugin:
    """A plugin with settings and a job type, so the plugin and job operations have something to act on."""

    plugin_meta = PluginMeta(name="fuzz_demo", version="1.0", settings=FuzzSettings)

    @hookimpl
    def register_job_types(self, register):
        register("noop", lambda job: None, title="No-op")


# Every check stays on for every operation (max_response_time is off, as it is by default: no
# timings in asserting tests). One check is widened, for these operations only: their bodies may
# be valid by the schema yet name what this shop does not hold, or repeat a key within one request
# (an order's customer email or sku, a review's customer, an event's product id, a job type, a
# plugin's own settings schema, an import's rows). No JSON Schema can say "a customer that exists";
# the API answers those with 422 and the field named, so 422 is a correct answer to schema-valid
# data here. Everything else keeps the checks' default expectations.
REFERS_TO_STORED_DATA = ("create_products", "create_customers", "create_orders", "create_reviews", "post_events",
                         "queue_job", "put_settings", "import_upload")


def make_app(instance: str):
    # The rate limit is raised for this app only: the fuzzer sends thousands of requests a minute
    # with one key, and a 429 would hide what the operation itself answers.
    return create_app({"INSTANCE_PATH": instance, "JOB_WORKERS": 0, "LOAD_ENTRY_POINTS": False,
                       "EXTRA_PLUGINS": [FuzzPlugin()], "API_RATE_LIMIT": "1000000 per minute"})


def make_key(app) -> str:
    """A key with every scope, for a shop with products, a customer, an order and a review."""
    shop = add_fixture_shop(app)
    with state_of(app).db.session() as session:
        return create_key(session, shop.id, "fuzz", list(API_SCOPES))


# Built at collection: schemathesis' `parametrize` needs the loaded document then, and its lazy
# fixture-based loader does not work with this pytest. Closed by `fuzz_app` once the tests ran.
INSTANCE = tempfile.mkdtemp(prefix="shopwright-fuzz-")
atexit.register(shutil.rmtree, INSTANCE, ignore_errors=True)  # also when every test here is deselected
APP = make_app(INSTANCE)
KEY = make_key(APP)
CURRENT_KEY = [KEY]  # the stateful test swaps in its own app's key
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=schemathesis.Config.from_dict({
    "operations": [{"include-operation-id": list(REFERS_TO_STORED_DATA),
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422"]}}}],
}))


@schema.auth(refresh_interval=None)  # no caching: the stateful test changes the key
class FuzzKey:
    """The real key on every request; the auth checks also send each request without it, and with
    a made-up one, and expect a 401."""

    def get(self, case, context) -> str:
        return CURRENT_KEY[0]

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


ANSWERED: dict[str, set[int]] = defaultdict(set)  # operation -> statuses seen
# CI replays the same cases every run (derandomize), so a red build always names a real regression;
# a longer run by hand (SHOPWRIGHT_FUZZ_EXAMPLES=1000) explores new random cases instead.
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                         derandomize="SHOPWRIGHT_FUZZ_EXAMPLES" not in os.environ, database=None)


@pytest.fixture(scope="module", autouse=True)
def fuzz_app():
    yield APP
    state_of(APP).close()
    shutil.rmtree(INSTANCE, ignore_errors=True)


def test_every_check_is_on():
    load_all_checks()
    config = schema.config.checks_config_for(operation=next(iter(schema.get_all_operations())).ok())
    assert all(config.get_by_name(name=check.__name__).enabled for check in CHECKS.get_all())


@pytest.mark.slow
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_document(case):
    response = case.call_and_validate()
    if (case.headers or {}).get("Authorization") == f"Bearer {KEY}":  # not a case about a bad key
        assert response.status_code != 401, response.text
    ANSWERED[case.operation.label].add(response.status_code)


def test_the_key_reached_every_read():
    """Runs after the fuzz test: each list read answered 200 at least once, so the key worked and
    the shop's data went through the response checks."""
    if not ANSWERED:
        pytest.skip("the fuzz test did not run")
    reads = [label for label in ANSWERED if label.startswith("GET ") and "{" not in label]
    assert len(reads) >= 6 and all(200 in ANSWERED[label] for label in reads), dict(ANSWERED)


class Workflow(schema.as_state_machine()):
    """Sequences of calls along the links schemathesis infers (create, then read, change or delete
    what was created): the checks that need a history, such as use-after-free, run here.

    Each sequence gets a fresh app and shop, so every replay Hypothesis makes meets the same data.
    """

    def setup(self) -> None:
        self.instance = tempfile.mkdtemp(prefix="shopwright-fuzz-")
        self.app = make_app(self.instance)
        CURRENT_KEY[0] = make_key(self.app)

    def teardown(self) -> None:
        state_of(self.app).close()
        shutil.rmtree(self.instance, ignore_errors=True)
        CURRENT_KEY[0] = KEY

    def get_call_kwargs(self, case) -> dict:
        return {"app": self.app}


TestWorkflow = pytest.mark.slow(Workflow.TestCase)
TestWorkflow.settings = settings(FUZZ_SETTINGS, max_examples=max(EXAMPLES // 5, 5), stateful_step_count=8)
