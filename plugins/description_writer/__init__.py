"""Description writer: grounded product copy, drafted by the shop's text model, never published
without a person's approval.

For each product it writes a description (HTML with only p, ul, li, strong, em), 3–5 highlights,
an SEO title (≤ 60 characters) and a meta description (≤ 160), optionally up to three variants.
Every checkable claim (amounts with units, dimensions, materials, colours, sizes, certifications,
compatibility, warranty, ...) is checked against the product record; a draft with unsupported
claims is written again, then has them removed, and what remains is flagged in the review queue,
where publishing it needs an explicit override.

Hooks: `register_job_types` (the bulk job `description_writer.generate`, see `jobs`),
`register_admin_pages` (a page to start it), `on_products_changed` (with
`auto_draft_new_products`, new products and changed ones still without copy get drafts).

For benchmarks and other callers, the same pipeline without the host:
`build_requests(products, settings)`, `postprocess(products, generations, settings)`,
`write_drafts(model, products, settings)`, `check_claims(text, product)` and `extract_claims(text)`.
"""

from __future__ import annotations

from shopwright import hookimpl
from shopwright.plugins.description_writer import admin, jobs
from shopwright.plugins.description_writer.claims import Claim, extract_claims
from shopwright.plugins.description_writer.grounding import Evidence, Finding, check_text
from shopwright.plugins.description_writer.record import view
from shopwright.plugins.description_writer.settings import Settings
from shopwright.plugins.description_writer.writer import (
    Batch,
    Draft,
    build_requests,
    draft_meta,
    postprocess,
    write_drafts,
)

__all__ = ["Batch", "Claim", "Draft", "Finding", "Settings", "build_requests", "check_claims", "draft_meta",
           "extract_claims", "postprocess", "write_drafts"]


def check_claims(text: str, product: dict) -> list[Finding]:
    """Every claim in `text` (plain text) checked against `product` (a product dict)."""
    return check_text(text, Evidence(view(product)))


@hookimpl
def register_job_types(register):
    register(jobs.JOB_NAME, jobs.run, title="Write product descriptions")


@hookimpl
def register_admin_pages(register):
    register(admin.SLUG, "Write descriptions", admin.page, methods=("GET", "POST"))


@hookimpl
def on_products_changed(ctx, product_ids, change):
    """With auto-drafting on, queue drafts for new products and for changed ones that still have
    no copy. Products whose copy was generated are left alone, so publishing a draft (which
    changes the product) never drafts it again; hand-written ones follow `overwrite_human`."""
    if change == "deleted" or not ctx.settings.get("auto_draft_new_products"):
        return
    wanted = [product["id"] for product in ctx.products(ids=list(product_ids)) if _wants_draft(ctx, product, change)]
    if wanted:
        ctx.queue_job(jobs.JOB_NAME, {"product_ids": wanted, "auto": True})


def _wants_draft(ctx, product: dict, change: str) -> bool:
    source = product.get("description_source") or "none"
    if change == "created":
        return source != "human" or bool(ctx.settings.get("overwrite_human"))
    return source == "none"
