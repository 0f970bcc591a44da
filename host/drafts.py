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
back (a review summary, say). Every step leaves an AuditEntry: actor ``"user:<email>"``, action
``edited`` / ``approved`` / ``published`` / ``rejected`` (``superseded`` for a sibling variant).

The rules publishing enforces, whatever calls it (admin, API, a plugin's page):

- A draft whose ``meta["flags"]`` lists problems (claims the product data does not support) is
  published only with ``override=True``; the audit entries record the override and the flags.
- Hand-written copy (``description_source == "human"``) is replaced only by the owner's choice.
  A plugin says how its draft treats such copy in ``meta["human_copy"]``: ``"protect"`` (publish
  only with ``overwrite_human=True``, the per-product tick on the approve form) or
  ``"overwrite"`` (the owner chose in bulk, for the text whose SHA-256 is
  ``meta["replaces_sha256"]``; a text changed since needs the tick again). Drafts that say
  nothing keep the older rule: the review page warns, and approving is the choice.
- The published entry copies the draft's provenance from its meta (``backend``, ``model``,
  ``prompt_version``, ``settings``, ``checks``) next to who approved it (the actor) and when.
- Drafts sharing ``meta["variant_group"]`` are alternatives: publishing one marks the others
  still waiting as ``rejected``, with a ``superseded`` audit entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shopwright.host.models import AuditEntry, GeneratedContent, Product
from shopwright.host.serialize import content_dict

#: Content keys publishing copies onto the product (see the module docstring for where).
PRODUCT_FIELDS = ("description_html", "seo_title", "meta_description", "highlights")
SEO_KEYS = {"seo_title": "title", "meta_description": "meta_description"}
#: Provenance keys of a draft's meta that its "published" audit entry keeps.
PROVENANCE_KEYS = ("backend", "model", "prompt_version", "settings", "checks")


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
    kind: str = ""  # what sort of claim: material, quantity, warranty, ...


def flags_of(meta: dict[str, Any] | None) -> list[Flag]:
    """`meta["flags"]` as Flag objects; plugins may give strings or dicts (text/claim, field,
    reason, kind)."""
    found = []
    for raw in (meta or {}).get("flags") or []:
        if isinstance(raw, dict):
            text = str(raw.get("text") or raw.get("claim") or "")
            found.append(Flag(text, str(raw.get("field") or ""), str(raw.get("reason") or ""),
                              str(raw.get("kind") or "")))
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
            override: bool = False, overwrite_human: bool = False) -> dict[str, Any]:
    """Publish a draft, with `edited` replacing some of its content keys first. `override`
    publishes despite flags; `overwrite_human` replaces hand-written copy the draft protects.

    Raises DraftError: 404 for a draft not in this shop, 409 when it was already reviewed, is
    flagged and `override` is not set, would replace protected hand-written copy without
    `overwrite_human`, or has product fields but no product."""
    with state.db.session() as session:
        draft = _owned(session, shop_id, content_id, lock=True)
        _check_reviewable(draft)
        flags = flags_of(draft.meta)
        if flags and not override:
            raise DraftError(f"this draft has {len(flags)} flag(s); tick “publish despite flags” to publish it")
        human = human_copy_choice(draft, _product(session, draft), overwrite_human)
        if edited:
            _apply_edits(session, draft, edited, actor)
        else:
            _audit(session, draft, actor, "approved", {"override": bool(flags and override)})
        written = _write_product(session, draft)
        draft.status = "published"
        _audit(session, draft, actor, "published", _published_details(draft, written, flags, override, human))
        _supersede_siblings(session, draft, actor)
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


def human_copy_choice(draft: GeneratedContent, product: Product | None, overwrite_human: bool) -> str:
    """How replacing the product's hand-written description was chosen ("" when it replaces
    none): "per_product" (the tick), "bulk" (the plugin recorded the owner's bulk choice for this
    very text) or "approved" (a draft that declares no policy). Raises DraftError otherwise."""
    content = draft.content or {}
    if product is None or product.description_source != "human" or "description_html" not in content:
        return ""
    if overwrite_human:
        return "per_product"
    meta = draft.meta or {}
    policy = meta.get("human_copy")
    if policy is None:
        return "approved"
    if policy == "overwrite" and meta.get("replaces_sha256") == description_sha256(product.description_html):
        return "bulk"
    raise DraftError("the current description was written by a person; tick “replace the hand-written "
                     "description” to publish this draft over it")


def description_sha256(html: str | None) -> str:
    return hashlib.sha256((html or "").encode("utf-8")).hexdigest()


# -- helpers ---------------------------------------------------------------------------------
def _published_details(draft: GeneratedContent, written: list[str], flags: list[Flag], override: bool,
                       human: str) -> dict[str, Any]:
    """The audit record of a publication: what was written, the checker's verdict and how the
    reviewer overrode it, and where the text came from (backend, model, prompt, settings)."""
    meta = draft.meta or {}
    details: dict[str, Any] = {"fields": written, "override": bool(flags and override), "flags": len(flags)}
    if flags:
        details["flagged"] = [{"claim": f.text, "kind": f.kind, "field": f.field, "reason": f.reason} for f in flags]
    if human:
        details["overwrite_human"] = human
    details.update({key: meta[key] for key in PROVENANCE_KEYS if key in meta})
    return details


def _supersede_siblings(session, draft: GeneratedContent, actor: str) -> None:
    """Other waiting variants of the same product's draft lose to the one just published."""
    group = (draft.meta or {}).get("variant_group")
    if not group:
        return
    query = select(GeneratedContent).where(
        GeneratedContent.shop_id == draft.shop_id, GeneratedContent.plugin == draft.plugin,
        GeneratedContent.product_id == draft.product_id, GeneratedContent.status == "draft",
        GeneratedContent.id != draft.id)
    for sibling in session.scalars(query):
        if (sibling.meta or {}).get("variant_group") == group:
            sibling.status = "rejected"
            _audit(session, sibling, actor, "superseded", {"reason": f"variant #{draft.id} was published"})

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
