"""Every hook a Shopwright plugin can implement. These docstrings are the plugin reference.

Conventions that hold for every hook:

- Hooks take keyword arguments only. Implement just the arguments you need: the host passes
  each implementation only the arguments it names, so adding an argument later never breaks a
  plugin.
- `ctx` is a `shopwright.host.context.ShopContext`: the shop the call is for, the plugin's validated
  settings (`ctx.settings`), and accessors for shop data that honour the permissions the owner
  granted (`ctx.products()`, `ctx.reviews()`, `ctx.orders()`, `ctx.customers()`, ...).
- Models: `ctx.text_model()` is the shop's text model (the embedded SmolLM2, a local Hugging Face
  folder or an OpenAI-compatible endpoint, as the owner chose on the Models page):
  ``ctx.text_model().generate([GenerationRequest(prompt, system=..., max_tokens=..., stop=...)])``
  returns one `shopwright.host.inference.Generation` per request (text, token counts, finish reason), batched
  with every other caller of that model; ``.complete(prompt, **options)`` does one. Tokens count
  against the shop's daily cap; failures raise `shopwright.host.inference.InferenceError` (`QuotaExceeded`,
  `Overloaded`, `BackendUnavailable`). `ctx.embedder().embed(texts)` gives unit float32 vectors.
  Put shop data in prompts as delimited data, never as instructions.
- The host calls a plugin only for shops that enabled it. Each call is isolated: an exception is
  caught and logged with the plugin's name and counted; a result of the wrong type is dropped and
  counted as a failure; a call past its time budget is abandoned (storefront hooks have a short
  budget, `STOREFRONT_HOOK_BUDGET_MS`, background hooks a long one). After `QUARANTINE_AFTER`
  consecutive failures the plugin is quarantined for that shop until the owner re-enables it.
- `register_*` hooks run once when the app starts, for every installed plugin, whatever its state
  per shop; what they register is only ever run for shops that enabled the plugin.
- Order: `@hookimpl(tryfirst=True)` implementations first, `trylast=True` ones last, the rest
  between; within each group, the order plugins were found (manifest built-ins, entry-point
  packages by entry-point name, plugins from the config). `register_*` hooks run one after another in this order;
  the other hooks start in it and return their results in it, but run side by side in threads.
  Wrappers (`hookwrapper=True`, `wrapper=True`) are refused: each implementation is called on its
  own, so there is no call to wrap; the plugin is not loaded and its load error says why.
- Types: the signatures below name the types the host passes, all importable from `shopwright`
  (`ShopContext`, `Product`, `Order`, `Review`, `Event`, `RegisterWidget`, ...; the dicts are
  TypedDicts from `shopwright.host.plugintypes`). The package ships ``py.typed``, so mypy checks
  a plugin that annotates its hooks the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # plugins import this module for `hookimpl`: it stays as light as pluggy
    from markupsafe import Markup

    from shopwright.host.context import ShopContext
    from shopwright.host.plugintypes import (
        Event,
        Order,
        Product,
        ProductChange,
        RegisterAdminPage,
        RegisterJobType,
        RegisterWidget,
        Review,
    )

PROJECT = "shopwright"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: Hooks whose result reaches a shopper's page: they run under the storefront time budget.
STOREFRONT_HOOKS = frozenset({"render_slot"})


@hookspec
def register_job_types(register: RegisterJobType) -> None:
    """Register background job types this plugin runs.

    Call ``register(name, handler, title=None)`` (a `RegisterJobType`) once per job type. ``name``
    is namespaced by the host as ``"<plugin>.<name>"``. ``handler(job)`` (a `JobHandler`) receives
    a `JobRun` with ``job.params`` (the JSON parameters given when the job was queued), ``job.ctx``
    (the shop context), ``job.progress(done, total, message="")`` to report progress, and
    ``job.check_cancelled()`` which raises when a person cancelled the job (or when this attempt
    was taken for crashed and the job handed to another worker: stop there too). Return a JSON-able
    dict: it is stored as the job's result. Raising marks the attempt failed; the job is retried
    up to its ``max_attempts``. Raise `PermanentError` (or a subclass) when trying again cannot
    help, such as a refused input: the job then fails at once. A job whose server process died is
    run again from the start, so carry on from what is stored: ``job.saved_drafts(kind)`` lists the
    drafts this job saved in any earlier attempt, in any process.

    Example::

        @hookimpl
        def register_job_types(register):
            def recount(job):
                products = job.ctx.products()
                for i, product in enumerate(products, 1):
                    job.check_cancelled()
                    job.progress(i, len(products))
                return {"products": len(products)}
            register("recount", recount, title="Recount products")
    """


@hookspec
def on_enable(ctx: ShopContext) -> None:
    """Called when the owner enables the plugin for ``ctx.shop``; returns nothing.

    Use it to seed per-shop state or queue a first job (``ctx.queue_job("name", {...})``).
    A failure here is counted but does not stop the plugin from being enabled.
    """


@hookspec
def on_disable(ctx: ShopContext) -> None:
    """Called when the plugin is disabled (or quarantined) for ``ctx.shop``; returns nothing."""


@hookspec
def on_products_changed(ctx: ShopContext, product_ids: list[int], change: ProductChange) -> None:
    """Products of ``ctx.shop`` were created, updated or deleted; returns nothing.

    ``product_ids`` is a list of ints; ``change`` is ``"created"``, ``"updated"`` or
    ``"deleted"``. Called after the data is committed (an import calls it once per batch).
    Typical use: queue a job that re-indexes or re-drafts the changed products.
    """


@hookspec
def on_order_created(ctx: ShopContext, order: Order) -> None:
    """A new order was recorded for ``ctx.shop``; returns nothing.

    ``order`` is an `Order` dict (``id``, ``number``, ``placed_at``, ``total``, ``customer_id``,
    ``lines``) and carries no customer PII. Requires the plugin to hold ``read:orders``; without it
    the hook is not called.
    """


@hookspec
def on_review_created(ctx: ShopContext, review: Review) -> None:
    """A new review was recorded for ``ctx.shop``; returns nothing.

    ``review`` is a `Review` dict (``id``, ``product_id``, ``rating``, ``title``, ``body``,
    ``verified_purchase``, ``created_at``). Requires ``read:reviews``. The text is untrusted
    shopper input: treat it as data, never as instructions.
    """


@hookspec
def on_events(ctx: ShopContext, events: list[Event]) -> None:
    """A batch of storefront events was recorded for ``ctx.shop``; returns nothing.

    ``events`` is a list of `Event` dicts (``type`` one of view, add_to_cart, purchase,
    widget_impression, widget_click; ``product_id``, ``session_id``, ``widget``, ``occurred_at``).
    Called once per accepted batch, never for a replayed batch.
    """


@hookspec
def render_slot(ctx: ShopContext, slot: str, product: Product | None) -> Markup | str | None:
    """Return HTML for a named storefront slot, or None to add nothing.

    ``slot`` names the place on the page (``"product.below_description"``, ``"home.after_hero"``,
    ...); ``product`` is the `Product` dict on product pages, else None. Return a ``str`` or
    ``markupsafe.Markup``: a plain ``str`` is escaped by the host, so to emit markup build it with
    ``Markup`` and escape every value you put in it. This is a storefront hook: past the
    storefront time budget the slot renders without this plugin's part.

    Example::

        @hookimpl
        def render_slot(ctx, slot, product):
            if slot == "product.below_description" and product:
                return Markup("<p class='ships'>Ships in {} days</p>").format(ctx.settings["days"])
    """


@hookspec
def register_widgets(register: RegisterWidget) -> None:
    """Register the storefront widgets this plugin serves.

    Call ``register(name, render, template=None, title="", description="", params=None,
    reusable=True)`` (a `RegisterWidget`) once per widget. ``name`` is namespaced by the host as
    ``"<plugin>.<name>"``; themes embed it with
    ``{{ widget("<plugin>.<name>", product=product, limit=4) }}``, external storefronts with a
    ``<div data-sw-widget="<plugin>.<name>" data-product="12">`` placeholder and the embed script.

    ``render(ctx, **params)`` returns a dict (the template's variables) or None to show nothing.
    It runs under the storefront time budget: a widget whose plugin is disabled, quarantined,
    slow or failing renders nothing and the page is still served. ``product`` arrives as the
    `Product` dict (the host looks up an id given by the embed script, within the shop); other
    parameters arrive as given, or loaded through ``params``, a marshmallow Schema class, when you
    pass one (query-string values are strings, so declare fields to have them converted; a bad
    value gets a 400 from the widget endpoints and renders nothing in a theme).

    ``template`` defaults to ``"<plugin>/<name>.html"``, looked up in the shop's theme first, then
    in the plugin package's ``templates/`` folder, then the host's defaults; a theme that overrides
    it can extend the plugin's own version with ``{% extends "default:<plugin>/<name>.html" %}``.
    Templates are autoescaped. The same dict is what the JSON endpoint returns to headless
    storefronts, so keep it JSON-able.

    The host reuses a widget's rendered HTML for the same parameters (and the same product
    version) for up to two seconds, never past a change to the plugin's state or settings in
    that shop, and never past the plugin's own ``ctx.cache.forget()`` (so forget there when the
    data under a widget changes); a failed call is never reused. Pass ``reusable=False`` for output that must differ
    on every call (a countdown, anything per shopper).

    Example::

        @hookimpl
        def register_widgets(register):
            def badge(ctx, product=None):
                left = sum(v["inventory_qty"] for v in product["variants"]) if product else 0
                return {"left": left} if 0 < left <= ctx.settings["threshold"] else None
            register("badge", badge, title="Low stock badge")
    """


@hookspec
def register_admin_pages(register: RegisterAdminPage) -> None:
    """Register pages this plugin adds to the admin panel.

    Call ``register(slug, title, view, template=None, methods=("GET",), editors=False)`` (a
    `RegisterAdminPage`) once per page. The page lives at ``/admin/plugins/<plugin>/<slug>`` and is
    listed in the admin navigation for shops that enabled the plugin. ``view(ctx, request)`` gets
    the shop context and the Flask request, and returns a dict of template variables (or None for
    an empty page); for a ``POST`` the host has already checked the CSRF token. ``template``
    defaults to ``"<plugin>/admin/<slug>.html"`` in the plugin's ``templates/`` folder; it should
    ``{% extends "admin/plugin_page.html" %}`` and fill ``{% block plugin_content %}``. Put
    ``{{ csrf_token() }}`` in a hidden ``csrf_token`` field of every form. Only owners see the page
    unless ``editors=True``.

    Example::

        @hookimpl
        def register_admin_pages(register):
            def overview(ctx, request):
                stock = {p["title"]: sum(v["inventory_qty"] for v in p["variants"]) for p in ctx.products()}
                return {"low": {title: left for title, left in stock.items() if left < 5}}
            register("overview", "Low stock", overview)
    """
