"""The types plugins annotate against (`shopwright.host.plugintypes`) match what the host really
hands them: every key and every value's type, on the fixture shop's data, and the signatures of
the `register` callbacks. So the TypedDicts cannot drift from `host.serialize`."""

from __future__ import annotations

import inspect
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from shopwright import PluginMeta, hookimpl
from shopwright.host import plugintypes
from shopwright.host.models import Event
from shopwright.host.pluginmeta import PERMISSIONS
from shopwright.host.testing import add_fixture_shop


def mismatches(value: Any, hint: Any, where: str) -> list[str]:
    """Where `value` does not have type `hint` (TypedDicts, lists, dicts, unions, literals, classes)."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return []
    if is_typeddict(hint):
        return typeddict_mismatches(value, hint, where)
    if origin in (Union, types.UnionType):
        fits = any(not mismatches(value, arg, where) for arg in args)
        return [] if fits else [f"{where}: {value!r} is not {hint}"]
    if origin is Literal:
        return [] if value in args else [f"{where}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [problem for i, item in enumerate(value) for problem in mismatches(item, args[0], f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not a dict"]
        return [problem for key, item in value.items()
                for problem in [*mismatches(key, args[0], f"{where} key"),
                                *mismatches(item, args[1], f"{where}[{key!r}]")]]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    # bool is an int to isinstance, but never stands for a number in these dicts
    if isinstance(value, bool) and hint is not bool:
        return [f"{where}: {value!r} is not {hint.__name__}"]
    return [] if isinstance(value, hint) else [f"{where}: {value!r} is not {hint.__name__}"]


def typeddict_mismatches(value: Any, hint: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: {value!r} is not a dict"]
    problems = []
    missing = hint.__required_keys__ - set(value)
    extra = set(value) - hint.__required_keys__ - hint.__optional_keys__
    if missing or extra:
        problems.append(f"{where}: {hint.__name__} lacks keys {sorted(extra)}, the dict lacks {sorted(missing)}")
    for key, key_hint in get_type_hints(hint).items():
        if key in value:
            problems += mismatches(value[key], key_hint, f"{where}.{key}")
    return problems


class Reader:
    """Holds every scope, and keeps the `register` callbacks the host hands it."""

    plugin_meta = PluginMeta(name="reader", version="1.0", permissions=tuple(PERMISSIONS))

    def __init__(self) -> None:
        self.registers: dict[str, Any] = {}

    @hookimpl
    def register_widgets(self, register):
        self.registers["register_widgets"] = register

    @hookimpl
    def register_admin_pages(self, register):
        self.registers["register_admin_pages"] = register

    @hookimpl
    def register_job_types(self, register):
        self.registers["register_job_types"] = register


@pytest.fixture
def reader():
    return Reader()


@pytest.fixture
def shop(sw_app_factory, reader):
    shop = add_fixture_shop(sw_app_factory([reader]))
    shop.enable("reader")
    return shop


@pytest.fixture
def ctx(shop):
    return shop.state.context_for(shop.id, shop.state.lifecycle.enabled(shop.id)["reader"])


def test_every_public_name_resolves_from_shopwright():
    import shopwright

    assert sorted(shopwright.__all__) == sorted(shopwright._PUBLIC)
    for name in shopwright.__all__:
        assert getattr(shopwright, name) is not None, name
    assert shopwright.Product is plugintypes.Product


def test_the_typeddicts_are_total_as_serialize_always_writes_every_key():
    for typed in (plugintypes.Product, plugintypes.Variant, plugintypes.Order, plugintypes.OrderLine,
                  plugintypes.Review, plugintypes.Customer, plugintypes.Event):
        assert typed.__optional_keys__ == frozenset(), typed.__name__


def test_products_match_product_from_the_context_and_the_fast_read_path(shop, ctx):
    products = ctx.products()
    assert len(products) == 2 and all(p["variants"] for p in products)
    for product in products:
        assert mismatches(product, plugintypes.Product, product["handle"]) == []
    # what a widget or the kit gets: serialized from the fast-read path's rows, not ORM objects
    assert mismatches(shop.product("merino-crew"), plugintypes.Product, "merino-crew") == []


def test_orders_reviews_and_customers_match_their_types(shop, ctx):
    checked = [("order", order, plugintypes.Order) for order in ctx.orders()]
    checked += [("review", review, plugintypes.Review) for review in ctx.reviews()]
    checked += [("customer", customer, plugintypes.Customer) for customer in ctx.customers()]
    # what on_order_created and on_review_created receive
    checked.append(("new order", shop.add_order({"merino-crew": 2}), plugintypes.Order))
    checked.append(("new review", shop.add_review("merino-crew", 4, "Warm."), plugintypes.Review))
    assert {kind for kind, _value, _typed in checked} >= {"order", "review", "customer"}
    assert [problem for kind, value, typed in checked for problem in mismatches(value, typed, kind)] == []


def test_events_match_event_with_and_without_their_optional_values(shop, ctx):
    product_id = ctx.products()[0]["id"]
    with shop.state.db.session() as session:
        session.add_all([
            Event(shop_id=shop.id, type="widget_click", product_id=product_id, session_id="s-1",
                  widget="reader.badge", data={"position": 2}),
            Event(shop_id=shop.id, type="view", session_id="s-2"),
        ])
    events = ctx.events()
    assert len(events) == 2
    assert [problem for event in events for problem in mismatches(event, plugintypes.Event, "event")] == []


@pytest.mark.parametrize("hook, protocol", [
    ("register_widgets", plugintypes.RegisterWidget),
    ("register_admin_pages", plugintypes.RegisterAdminPage),
    ("register_job_types", plugintypes.RegisterJobType),
])
def test_register_protocols_have_the_hosts_parameters(shop, reader, hook, protocol):
    """Same parameters, defaults and kinds; a positional-only one in the protocol is one whose
    name a plugin must not rely on, so only its place and default count."""
    host = list(inspect.signature(reader.registers[hook]).parameters.values())
    typed = list(inspect.signature(protocol.__call__).parameters.values())[1:]  # less self
    assert len(host) == len(typed)
    for given, declared in zip(host, typed, strict=True):
        assert given.default == declared.default, given.name
        if declared.kind is declared.POSITIONAL_ONLY:
            assert given.kind in (given.POSITIONAL_ONLY, given.POSITIONAL_OR_KEYWORD), given.name
        else:
            assert (given.name, given.kind) == (declared.name, declared.kind)
