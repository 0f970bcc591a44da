"""Scoped data access: plugins see only what the owner granted, and denials are recorded."""

import pytest
from sqlalchemy import select

from shopwright import PluginMeta
from shopwright.host.context import PermissionDenied
from shopwright.host.models import AuditEntry, GeneratedContent, Product
from shopwright.host.pluginmeta import PERMISSIONS
from shopwright.host.testing import add_fixture_shop


class Reader:
    plugin_meta = PluginMeta(name="reader", version="1.0", permissions=tuple(PERMISSIONS))


@pytest.fixture
def shop(sw_app_factory):
    return add_fixture_shop(sw_app_factory([Reader()]))


def ctx_with(shop, *scopes):
    shop.enable("reader", grant=list(scopes))
    return shop.state.context_for(shop.id, shop.state.lifecycle.enabled(shop.id)["reader"])


def test_catalogue_and_reviews_with_their_scopes(shop):
    ctx = ctx_with(shop, "read:catalog", "read:reviews")
    products = ctx.products()
    assert {p["handle"] for p in products} == {"enamel-camp-mug", "merino-crew"}
    assert ctx.product(products[0]["id"])["variants"]
    assert ctx.reviews(product_id=products[0]["id"])[0]["rating"] == 5


def test_no_read_customers_means_no_pii(shop):
    ctx = ctx_with(shop, "read:orders")
    [order] = ctx.orders()
    assert "email" not in str(order) and order["customer_id"]
    with pytest.raises(PermissionDenied, match="read:customers"):
        ctx.customers()
    with shop.state.db.session() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).all()
    assert [d.details["scope"] for d in denied] == ["read:customers"]


def test_customers_with_the_scope(shop):
    assert ctx_with(shop, "read:customers").customers()[0]["email"] == "dana@example.com"


@pytest.mark.parametrize("call, scope", [
    (lambda c: c.products(), "read:catalog"),
    (lambda c: c.reviews(), "read:reviews"),
    (lambda c: c.orders(), "read:orders"),
    (lambda c: c.events(), "read:events"),
    (lambda c: c.save_draft("description", {"html": "x"}), "write:content"),
])
def test_every_accessor_checks_its_scope(shop, call, scope):
    with pytest.raises(PermissionDenied, match=scope):
        call(ctx_with(shop))


def test_drafts_are_saved_for_review_with_an_audit_entry(shop):
    ctx = ctx_with(shop, "read:catalog", "write:content")
    product_id = ctx.products()[0]["id"]
    draft_id = ctx.save_draft("description", {"html": "<p>New</p>"}, product_id=product_id, meta={"model": "fake"})
    with shop.state.db.session() as session:
        draft = session.get(GeneratedContent, draft_id)
        assert (draft.status, draft.plugin, draft.audit[0].action) == ("draft", "reader", "drafted")


def test_a_plugin_cannot_reach_another_shops_rows(shop):
    other = add_fixture_shop(shop.app, slug="other")
    with shop.state.db.session() as session:
        foreign = session.scalar(select(Product.id).where(Product.shop_id == other.id))
    ctx = ctx_with(shop, "read:catalog", "write:content")
    assert ctx.product(foreign) is None
    assert all(p["id"] != foreign for p in ctx.products())
    with pytest.raises(PermissionDenied, match="not in shop"):
        ctx.save_draft("description", {"html": "x"}, product_id=foreign)
