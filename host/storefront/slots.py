"""`{{ slot("product.below_description", product=product) }}`: the `render_slot` hook in a theme.

Every enabled plugin implementing `render_slot` may add HTML to a named place on the page. A plain
`str` it returns is escaped, `Markup` is kept; the parts are joined in plugin order inside one
`<div class="sw-slot">`. Nothing is rendered, and no query made, when no enabled plugin implements
the hook: the common case on a page with several slots.
"""

from __future__ import annotations

import logging
from typing import Any

import jinja2
from markupsafe import Markup

log = logging.getLogger("shopwright.storefront")


def _fillers(state, shop_id: int) -> bool:
    """Whether any plugin enabled for the shop implements `render_slot` (enabled set read once per request)."""
    implementers = {impl.plugin_name for impl in state.registry.hook_impls("render_slot")}
    if not implementers:
        return False
    return bool(implementers & state.widget_renderer.enabled_for_request(shop_id).keys())


def slot_global(state):
    @jinja2.pass_context
    def slot(context, name: str, product: dict | None = None, **_ignored: Any) -> Markup:
        shop = context.get("shop")
        if not hasattr(shop, "info") or not _fillers(state, shop.id):
            return Markup("")
        try:
            results = state.dispatcher.call("render_slot", shop.id, slot=name, product=product)
        except Exception:  # the dispatcher isolates plugins; this guards the page against the host itself
            log.exception("slot %r failed", name)
            return Markup("")
        inner = Markup("").join(result.value for result in results if result.value)
        if not inner:
            return inner
        return Markup('<div class="sw-slot" data-sw-slot="{}">{}</div>').format(name, inner)

    return slot
