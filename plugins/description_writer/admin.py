"""The plugin's admin page: start a bulk job for chosen products, a category or the catalogue.

Owners only: a job spends the shop's model tokens and, when asked to, drafts over hand-written
copy. The drafts land in the host's review queue; nothing is published from here.
"""

from __future__ import annotations

import re
from typing import Any

from shopwright.plugins.description_writer.jobs import JOB_NAME, JobParamsError, parse_params
from shopwright.plugins.description_writer.settings import resolve

SLUG = "generate"
SCOPES = ("all", "category", "products")


def page(ctx, request) -> dict[str, Any]:
    products = ctx.products()
    view: dict[str, Any] = {"categories": sorted({p["category"] for p in products if p["category"]}),
                            "counts": _counts(products), "settings": resolve(ctx.settings), "error": "",
                            "queued": None, "form": {"scope": "all"}}
    if request.method == "POST":
        view["form"] = dict(request.form)
        try:
            params = parse_params(_params_from(request.form), view["settings"])
        except JobParamsError as exc:
            view["error"] = str(exc)
        else:
            view["queued"] = ctx.queue_job(JOB_NAME, params)
    return view


def _params_from(form) -> dict[str, Any]:
    scope = form.get("scope", "all")
    params: dict[str, Any] = {"overwrite_human": form.get("overwrite_human") == "yes",
                              "draft_human": form.get("draft_human") == "yes"}
    if scope == "category":
        params["category"] = form.get("category", "")
    elif scope == "products":
        params["product_ids"] = [int(n) for n in re.findall(r"\d+", form.get("product_ids", ""))[:1000]]
    elif scope == "all":
        params["all"] = True
    return params


def _counts(products: list[dict]) -> dict[str, int]:
    counts = {"human": 0, "generated": 0, "none": 0}
    for product in products:
        source = product.get("description_source") or "none"
        counts[source if source in counts else "none"] += 1
    return counts
