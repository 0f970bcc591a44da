"""The review queue: drafts shown as diffs with their flags, approved, edited, rejected; and the
`shopwright.host.drafts` service the admin is built on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shopwright.host import drafts
from shopwright.host.admin.diff import Piece, word_diff
from shopwright.host.drafts import DraftError, Flag
from shopwright.host.models import AuditEntry, GeneratedContent, Product
from shopwright.host.testing import admin_client
from tests.plugin_doubles import make_plugin


@pytest.fixture
def watcher():
    return make_plugin("watcher", "ok", hooks=["on_products_changed"])


@pytest.fixture
def app(sw_app_factory, watcher):
    return sw_app_factory(plugins=[watcher])


def add_draft(shop, content, flags=None, handle="enamel-camp-mug", kind="description") -> int:
    product_id = shop.product(handle)["id"] if handle else None
    with shop.state.db.session() as db:
        draft = GeneratedContent(shop_id=shop.id, plugin="writer", kind=kind, product_id=product_id, status="draft",
                                 content=content, meta={"model": "fake", "flags": flags or []})
        db.add(draft)
        db.flush()
        return draft.id


def product(shop, handle="enamel-camp-mug") -> Product:
    with shop.state.db.session() as db:
        return db.scalar(select(Product).where(Product.shop_id == shop.id, Product.handle == handle))


def audit(shop, draft_id) -> list[tuple[str, str]]:
    with shop.state.db.session() as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.content_id == draft_id).order_by(AuditEntry.id))
        return [(row.actor.split("-")[0], row.action) for row in rows]


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the diff ----------------------------------------------------------------------------------
def test_word_diff_marks_removed_added_and_flagged_words():
    pieces = word_diff("A steel mug.", "A light steel mug that keeps tea hot for 24 hours.",
                       [Flag("keeps tea hot for 24 hours")])
    assert Piece("added", " light") in pieces
    assert "".join(p.text for p in pieces if p.op != "removed") == "A light steel mug that keeps tea hot for 24 hours."
    assert "".join(p.text for p in pieces if p.flagged) == "keeps tea hot for 24 hours"
    assert [p for p in word_diff("old words", "new words") if p.op == "removed"] == [Piece("removed", "old")]


# -- the queue and the review page -------------------------------------------------------------
def test_queue_lists_drafts_and_the_detail_page_shows_the_diff_and_flags(shop, owner):
    draft_id = add_draft(shop, {"description_html": "<p>A steel mug that keeps tea hot for 24 hours.</p>",
                                "seo_title": "Enamel mug"},
                         flags=[{"text": "keeps tea hot for 24 hours", "reason": "no insulation data"}])
    queue = text(owner.get("/admin/drafts"))
    assert f"#{draft_id} description" in queue and "Enamel Camp Mug 350 ml" in queue and "1 flag" in queue
    page = text(owner.get(f"/admin/drafts/{draft_id}"))
    assert "<del>" in page and "<ins>" in page
    assert '<mark class="flag">keeps tea hot for 24 hours</mark>' in page and "no insulation data" in page
    assert "&lt;p&gt;" in page  # the HTML of the draft is shown as text, not rendered
    assert 'name="override" value="yes"' in page and "written by a person" in page


def test_approve_publishes_the_description_and_seo_fields(shop, owner, watcher):
    shop.enable("watcher")
    draft_id = add_draft(shop, {"description_html": "<p>New copy.</p>", "seo_title": "Camp mug",
                                "meta_description": "A tough mug.", "highlights": ["Steel", "350 ml"]})
    response = owner.post(f"/admin/drafts/{draft_id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/drafts")
    mug = product(shop)
    assert (mug.description_html, mug.description_source) == ("<p>New copy.</p>", "generated")
    assert mug.attributes["seo"] == {"title": "Camp mug", "meta_description": "A tough mug."}
    assert mug.attributes["highlights"] == ["Steel", "350 ml"] and mug.attributes["material"] == "enamelled steel"
    assert audit(shop, draft_id) == [("user:owner", "approved"), ("user:owner", "published")]
    assert watcher.calls == ["on_products_changed"]
    assert "is published" in text(owner.get("/admin/drafts"))
    assert owner.post(f"/admin/drafts/{draft_id}/approve").status_code == 409  # already published


def test_flagged_draft_needs_the_override(shop, owner):
    draft_id = add_draft(shop, {"description_html": "<p>Keeps tea hot for days.</p>"}, flags=["hot for days"])
    refused = owner.post(f"/admin/drafts/{draft_id}/approve")
    assert refused.status_code == 409 and "publish despite flags" in text(refused)
    assert product(shop).description_html == "<p>A steel mug with an enamel coat.</p>"
    assert owner.post(f"/admin/drafts/{draft_id}/approve", {"override": "yes"}).status_code == 302
    assert product(shop).description_html == "<p>Keeps tea hot for days.</p>"
    with shop.state.db.session() as db:
        published = db.scalar(select(AuditEntry).where(AuditEntry.content_id == draft_id,
                                                       AuditEntry.action == "published"))
        assert published.details["override"] is True and published.details["flags"] == 1


def test_edit_then_publish_writes_the_edited_text(shop, owner):
    draft_id = add_draft(shop, {"description_html": "<p>Draft copy.</p>", "highlights": ["One"]}, flags=["copy"])
    form = text(owner.get(f"/admin/drafts/{draft_id}/edit"))
    assert 'name="content-description_html"' in form and "&lt;p&gt;Draft copy.&lt;/p&gt;" in form
    edits = {"content-description_html": "<p>Edited copy.</p>", "content-highlights": "Steel\r\n\r\n350 ml"}
    refused = owner.post(f"/admin/drafts/{draft_id}/edit", edits)
    assert refused.status_code == 409 and "&lt;p&gt;Edited copy.&lt;/p&gt;" in text(refused)  # the edit is kept
    assert owner.post(f"/admin/drafts/{draft_id}/edit", {**edits, "override": "yes"}).status_code == 302
    mug = product(shop)
    assert mug.description_html == "<p>Edited copy.</p>" and mug.attributes["highlights"] == ["Steel", "350 ml"]
    assert audit(shop, draft_id) == [("user:owner", "edited"), ("user:owner", "published")]


def test_reject_keeps_the_product_and_records_the_reason(shop, owner):
    draft_id = add_draft(shop, {"description_html": "<p>Nope.</p>"})
    assert owner.post(f"/admin/drafts/{draft_id}/reject", {"reason": "off brand"}).status_code == 302
    assert product(shop).description_html == "<p>A steel mug with an enamel coat.</p>"
    page = text(owner.get(f"/admin/drafts/{draft_id}"))
    assert "rejected" in page and "off brand" in page and "Approve and publish" not in page


def test_editors_review_drafts(app, shop):
    editor = admin_client(app, shop, "editor")
    draft_id = add_draft(shop, {"description_html": "<p>By an editor.</p>"})
    assert editor.get("/admin/drafts").status_code == 200
    assert editor.post(f"/admin/drafts/{draft_id}/approve").status_code == 302
    assert product(shop).description_html == "<p>By an editor.</p>"
    assert audit(shop, draft_id)[-1] == ("user:editor", "published")


def test_unknown_draft_is_not_found(owner):
    assert owner.get("/admin/drafts/4242").status_code == 404
    assert owner.post("/admin/drafts/4242/approve").status_code == 404
    assert owner.post("/admin/drafts/4242/reject").status_code == 404
    assert owner.get("/admin/drafts/4242/edit").status_code == 404


# -- the service directly ----------------------------------------------------------------------
def test_service_refuses_unknown_fields_and_missing_products(shop):
    draft_id = add_draft(shop, {"description_html": "<p>x</p>"})
    with pytest.raises(DraftError) as unknown:
        drafts.publish(shop.state, shop.id, draft_id, "user:a@b.c", edited={"price": "0"})
    assert unknown.value.status == 400
    orphan = add_draft(shop, {"description_html": "<p>x</p>"}, handle=None)
    with pytest.raises(DraftError, match="product no longer exists"):
        drafts.publish(shop.state, shop.id, orphan, "user:a@b.c")
    summary = add_draft(shop, {"summary": "Buyers like it."}, handle=None, kind="review_summary")
    assert drafts.publish(shop.state, shop.id, summary, "user:a@b.c")["status"] == "published"


def test_flags_accept_strings_and_dicts():
    assert drafts.flags_of({"flags": ["a", {"claim": "b", "field": "seo_title", "reason": "why"}, ""]}) == [
        Flag("a"), Flag("b", "seo_title", "why")]
    assert drafts.flags_of({}) == [] and drafts.flags_of(None) == []


def test_dashboard_counts_drafts_waiting(shop, owner):
    add_draft(shop, {"description_html": "<p>x</p>"})
    page = text(owner.get("/admin/dashboard"))
    assert re.search(r'Drafts awaiting review <span class="count">1</span>', page)
