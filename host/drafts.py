"""Reviewing AI drafts: a person approves (publishes), edits then publishes, or rejects them.

Plugins store drafts with `ShopContext.save_draft(kind, content, product_id, meta)`; nothing a
plugin writes reaches the storefront until someone publishes it here. The admin panel uses this
module, and so can the API or a plugin's own admin page.

What publishing writes, by content key (for any kind of draft tied to a product):

- ``description_html`` → ``Product.description_html``, and ``description_source`` becomes
  ``"generated"`` (the values the product schema knows are human | generated | none);
- ``seo_title``, ``meta_description`` → ``Product.attributes["seo"]["title"]`` and
  ``["meta_description"]``;
- ``highlights`` (a list of short strings) → ``Product.attributes["highlights"]``.

Other keys stay on the draft row, now ``status="published"``, for the plugin that made it to read
back (a review summary, say). A draft whose ``meta["flags"]`` lists problems (claims the product
data does not support) is published only with ``override=True``. Every step leaves an
AuditEntry: actor ``"user:<email>"``, action ``edited`` / ``approved`` / ``published`` / ``rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from host.models import AuditEntry, GeneratedContent, Product
from host.serialize import content_dict

#: Content keys publishing copies onto the product (see the module docstring for where).
PRODUCT_FIELDS = ("description_html", "seo_title", "meta_description", "highlights")
SEO_KEYS = {"seo_title": "title", "meta_description": "meta_description"}


class DraftError(Exception):
    """A review action that cannot be carried out; `status` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Flag:
    """One problem a plugin found in its own draft, e.g. a claim the product data lacks."""

    text: str
    field: str = ""
    reason: str = ""


def flags_of(meta: dict[str, Any] | None) -> list[Flag]:
    """`meta["flags"]` as Flag objects; plugins may give strings or dicts (text/claim, field, reason)."""
    found = []
    for raw in (meta or {}).get("flags") or []:
        if isinstance(raw, dict):
            text = str(raw.get("text") or raw.get("claim") or "")
            found.append(Flag(text, str(raw.get("field") or ""), str(raw.get("reason") or "")))
        elif raw:
            found.append(Flag(str(raw)))
    return found


# -- reading ---------------------------------------------------------------------------------
def pending(state, shop_id: int, limit: int = 100) -> list[GeneratedContent]:
    """Drafts waiting for review, oldest first (with their product loaded)."""
    return _list(state, shop_id, GeneratedContent.status == "draft", GeneratedContent.id, limit)


def reviewed(state, shop_id: int, limit: int = 20) -> list[GeneratedContent]:
    """The most recently published or rejected drafts."""
    return _list(state, shop_id, GeneratedContent.status != "draft", GeneratedContent.updated_at.desc(), limit)


def count_pending(state, shop_id: int) -> int:
    with state.db.session() as session:
        return session.scalar(select(func.count()).select_from(GeneratedContent).where(
            GeneratedContent.shop_id == shop_id, GeneratedContent.status == "draft")) or 0


def get(state, shop_id: int, content_id: int) -> tuple[GeneratedContent, Product | None]:
    """One draft of this shop and its product; a draft of another shop is "not found"."""
    with state.db.session() as session:
        draft = _owned(session, shop_id, content_id)
        product = _product(session, draft)
        _ = draft.audit  # loaded while the session is open, for the history on the page
        return draft, product


def current_value(product: Product | None, key: str) -> Any:
    """What the product shows today for a content key ("" when it has nothing there)."""
    if product is None or key not in PRODUCT_FIELDS:
        return ""
    if key == "description_html":
        return product.description_html or ""
    attributes = product.attributes or {}
    if key == "highlights":
        return list(attributes.get("highlights") or [])
    return (attributes.get("seo") or {}).get(SEO_KEYS[key], "")


def as_lines(value: Any) -> list[str]:
    """A list of short strings from a list, or from text with one item per line."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


# -- acting ----------------------------------------------------------------------------------
def publish(state, shop_id: int, content_id: int, actor: str, edited: dict[str, Any] | None = None,
            override: bool = False) -> dict[str, Any]:
    """Publish a draft, with `edited` replacing some of its content keys first.

    Raises DraftError: 404 for a draft not in this shop, 409 when it was already reviewed, is
    flagged and `override` is not set, or has product fields but no product."""
    with state.db.session() as session:
        draft = _owned(session, shop_id, content_id, lock=True)
        _check_reviewable(draft)
        flags = flags_of(draft.meta)
        if flags and not override:
            raise DraftError(f"this draft has {len(flags)} flag(s); tick “publish despite flags” to publish it")
        if edited:
            _apply_edits(session, draft, edited, actor)
        else:
            _audit(session, draft, actor, "approved", {"override": bool(flags and override)})
        written = _write_product(session, draft)
        draft.status = "published"
        _audit(session, draft, actor, "published",
               {"fields": written, "override": bool(flags and override), "flags": len(flags)})
        result, product_id = content_dict(draft), draft.product_id
    if written and product_id is not None:
        state.dispatcher.call("on_products_changed", shop_id, product_ids=[product_id], change="updated")
    return result


def reject(state, shop_id: int, content_id: int, actor: str, reason: str = "") -> dict[str, Any]:
    with state.db.session() as session:
        draft = _owned(session, shop_id, content_id, lock=True)
        _check_reviewable(draft)
        draft.status = "rejected"
        _audit(session, draft, actor, "rejected", {"reason": reason[:1000]})
        return content_dict(draft)


# -- helpers ---------------------------------------------------------------------------------
def _list(state, shop_id: int, condition, order, limit: int) -> list[GeneratedContent]:
    query = (select(GeneratedContent).where(GeneratedContent.shop_id == shop_id, condition)
             .order_by(order).limit(limit))
    with state.db.session() as session:
        drafts = list(session.scalars(query))
        products = _products(session, shop_id, {d.product_id for d in drafts if d.product_id})
    for draft in drafts:  # plain attribute, so templates can show the title after the session ends
        draft.product_title = products.get(draft.product_id, "")
    return drafts


def _products(session, shop_id: int, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Product.id, Product.title).where(Product.shop_id == shop_id, Product.id.in_(ids)))
    return {product_id: title for product_id, title in rows}


def _owned(session, shop_id: int, content_id: int, lock: bool = False) -> GeneratedContent:
    query = select(GeneratedContent).where(GeneratedContent.id == content_id, GeneratedContent.shop_id == shop_id)
    draft = session.scalar(query.with_for_update() if lock else query)
    if draft is None:
        raise DraftError(f"no draft {content_id} in this shop", status=404)
    return draft


def _product(session, draft: GeneratedContent) -> Product | None:
    if draft.product_id is None:
        return None
    query = select(Product).where(Product.id == draft.product_id, Product.shop_id == draft.shop_id)
    return session.scalar(query.options(selectinload(Product.variants)))


def _check_reviewable(draft: GeneratedContent) -> None:
    if draft.status != "draft":
        raise DraftError(f"draft {draft.id} was already {draft.status}")


def _apply_edits(session, draft: GeneratedContent, edited: dict[str, Any], actor: str) -> None:
    content = dict(draft.content or {})
    unknown = sorted(set(edited) - set(content))
    if unknown:
        raise DraftError(f"the draft has no field(s) {', '.join(unknown)}", status=400)
    changed = sorted(key for key, value in edited.items() if content[key] != value)
    content.update(edited)
    draft.content = content  # a new dict, so SQLAlchemy sees the JSON column change
    _audit(session, draft, actor, "edited", {"fields": changed})


def _write_product(session, draft: GeneratedContent) -> list[str]:
    """Copy the product fields of the content onto the product; returns the keys written."""
    keys = [key for key in PRODUCT_FIELDS if key in (draft.content or {})]
    if not keys:
        return []
    product = _product(session, draft)
    if product is None:
        raise DraftError(f"draft {draft.id} has product fields but its product no longer exists")
    content = draft.content
    attributes = dict(product.attributes or {})
    if "description_html" in keys:
        product.description_html = str(content["description_html"])
        product.description_source = "generated"
    seo_keys = [key for key in keys if key in SEO_KEYS]
    if seo_keys:
        attributes["seo"] = {**(attributes.get("seo") or {}), **{SEO_KEYS[k]: str(content[k]) for k in seo_keys}}
    if "highlights" in keys:
        attributes["highlights"] = as_lines(content["highlights"])
    product.attributes = attributes
    return keys


def _audit(session, draft: GeneratedContent, actor: str, action: str, details: dict[str, Any]) -> None:
    session.add(AuditEntry(shop_id=draft.shop_id, content_id=draft.id, actor=actor, action=action, details=details))
