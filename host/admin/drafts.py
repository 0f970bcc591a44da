"""The review queue: AI drafts waiting for a person, each shown as a diff against the product's
current text with the plugin's own flags marked; approve (publish), edit then publish, or reject.
Owners and editors both review. The rules and the writing live in `shopwright.host.drafts`.
"""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, request, url_for

from shopwright.host import drafts as service
from shopwright.host.admin.core import admin, render, shop_id, user
from shopwright.host.admin.diff import as_text, review_fields
from shopwright.host.drafts import DraftError, as_lines, flags_of
from shopwright.host.state import current_state


@admin.get("/drafts")
def drafts():
    return render("drafts.html", waiting=service.pending(current_state(), shop_id()),
                  reviewed=service.reviewed(current_state(), shop_id()), flags_of=flags_of)


@admin.get("/drafts/<int:content_id>")
def drafts_detail(content_id: int):
    return _detail_page(content_id)


@admin.post("/drafts/<int:content_id>/approve")
def drafts_approve(content_id: int):
    try:
        service.publish(current_state(), shop_id(), content_id, user().actor, override=_override(),
                        overwrite_human=_overwrite_human())
    except DraftError as exc:
        return _refused(exc, partial(_detail_page, content_id))
    flash(f"Draft {content_id} is published.", "success")
    return redirect(url_for("admin.drafts"))


@admin.post("/drafts/<int:content_id>/reject")
def drafts_reject(content_id: int):
    try:
        service.reject(current_state(), shop_id(), content_id, user().actor, reason=request.form.get("reason", ""))
    except DraftError as exc:
        return _refused(exc, partial(_detail_page, content_id))
    flash(f"Draft {content_id} is rejected.", "success")
    return redirect(url_for("admin.drafts"))


@admin.route("/drafts/<int:content_id>/edit", methods=["GET", "POST"])
def drafts_edit(content_id: int):
    draft, product = _get(content_id)
    fields = editable(draft.content or {})
    if request.method == "GET":
        return _edit_page(draft, product, {key: as_text(value) for key, value in fields.items()})
    texts = {key: request.form.get(f"content-{key}", "").replace("\r\n", "\n") for key in fields}
    edited = {key: as_lines(text) if isinstance(fields[key], list) else text for key, text in texts.items()}
    try:
        service.publish(current_state(), shop_id(), content_id, user().actor, edited=edited, override=_override(),
                        overwrite_human=_overwrite_human())
    except DraftError as exc:  # keep what the person typed: a missing override must not lose the edit
        return _refused(exc, partial(_edit_page, draft, product, texts))
    flash(f"Draft {content_id} is published with your edits.", "success")
    return redirect(url_for("admin.drafts"))


def editable(content: dict) -> dict:
    """The content fields a person edits as text: strings, and lists of strings (one per line)."""
    return {key: value for key, value in content.items()
            if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))}


def _override() -> bool:
    return request.form.get("override") == "yes"


def _overwrite_human() -> bool:
    """The per-product choice to replace a hand-written description (audited by the service)."""
    return request.form.get("overwrite_human") == "yes"


def replaces_human(draft, product) -> bool:
    """Whether publishing the draft would replace copy a person wrote (the page says so)."""
    return bool(product and product.description_source == "human" and "description_html" in (draft.content or {}))


def _get(content_id: int):
    try:
        return service.get(current_state(), shop_id(), content_id)
    except DraftError as exc:
        abort(exc.status, str(exc))


def _refused(exc: DraftError, page):
    """Not found stays not found; any other refusal shows `page` again with the reason."""
    if exc.status == 404:
        abort(404, str(exc))
    return page(error=str(exc), status=exc.status)


def _detail_page(content_id: int, error: str = "", status: int = 200):
    draft, product = _get(content_id)
    flags = flags_of(draft.meta)
    return render("draft.html", status, draft=draft, product=product, flags=flags, error=error,
                  fields=review_fields(draft.content or {}, product, flags),
                  replaces_human=replaces_human(draft, product))


def _edit_page(draft, product, texts: dict, error: str = "", status: int = 200):
    return render("draft_edit.html", status, draft=draft, product=product, texts=texts,
                  flags=flags_of(draft.meta), error=error, replaces_human=replaces_human(draft, product))
