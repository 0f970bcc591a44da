"""The bulk job `description_writer.generate`: drafts for chosen products, a category or the
whole catalogue, with a progress bar, cancellable between groups.

Parameters: exactly one of ``product_ids`` (a list of ids), ``category`` (a name) or ``all``
(true); ``overwrite_human`` (default: the setting) also drafts products whose copy a person
wrote, and approving those drafts replaces it; ``draft_human`` drafts them too, but each such
draft can only be published with the per-product "replace the hand-written description" tick.
Without either, hand-written products are skipped and listed in the result.

Products go to the model in groups (`batch_size` requests per `generate()` call) and each
group's drafts are saved before the next starts, so a failure loses nothing already made. A
retried attempt (after a failure, a crash or a person's Retry, in any process) carries on from
the drafts stored for this job (`job.saved_drafts`, each carrying the job's id): products with
all their drafts are skipped, and a draft already stored is never saved twice. When the shop's
token allowance runs out the job fails with that message and the drafts made are kept; when the
model is unavailable the attempt fails with the backend's message and the job queue retries it
with backoff. Drafts are never published here.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shopwright.host.context import PermissionDenied
from shopwright.host.drafts import description_sha256
from shopwright.host.inference import BackendUnavailable, InferenceError, Overloaded, QuotaExceeded
from shopwright.plugins.description_writer.settings import resolve
from shopwright.plugins.description_writer.writer import Batch, Draft, draft_meta, write_drafts

JOB_NAME = "generate"
KIND = "description"
OVERLOAD_WAITS_S = (1.0, 2.0, 4.0)
LISTED = 200  # at most this many ids and titles in a job's result


class JobParamsError(ValueError):
    """The job's parameters do not say which products to draft."""


class QuotaStop(RuntimeError):
    """The shop's token allowance ran out; the drafts made so far are kept."""


class ModelUnavailable(RuntimeError):
    """The model cannot answer now; the job queue retries the job with backoff."""


@dataclass
class Plan:
    todo: list[dict]
    skipped_human: list[dict]
    missing: list[int]


@dataclass
class Progress:
    """What the job has done so far, rebuilt from its stored drafts when an attempt starts, so a
    retried attempt neither repeats drafts nor forgets them in its result."""

    done: set[int] = field(default_factory=set)
    saved: set[tuple[int, int]] = field(default_factory=set)  # (product id, variant) stored
    drafts: list[int] = field(default_factory=list)
    flagged: int = 0
    removed: int = 0
    failed: list[dict] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "completion": 0})

    @classmethod
    def stored(cls, rows: list, variants: int) -> Progress:
        """The progress that the job's stored drafts (`GeneratedContent` rows) stand for."""
        progress = cls()
        for row in rows:
            meta = row.meta or {}
            progress.saved.add((row.product_id, int(meta.get("variant", 0))))
            progress.drafts.append(row.id)
            progress.flagged += bool(meta.get("flags"))
            progress.removed += len((meta.get("checks") or {}).get("removed") or [])
            for key, value in (meta.get("tokens") or {}).items():
                progress.tokens[key] = progress.tokens.get(key, 0) + int(value or 0)
        per_product = Counter(product_id for product_id, _ in progress.saved)
        progress.done = {product_id for product_id, count in per_product.items() if count >= variants}
        return progress


# -- parameters and selection --------------------------------------------------------------------
def parse_params(raw: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    given = [key for key in ("product_ids", "category", "all") if raw.get(key) not in (None, "", False, [])]
    if len(given) != 1:
        raise JobParamsError("say which products to draft: exactly one of product_ids, category or all")
    params: dict[str, Any] = {"overwrite_human": bool(raw.get("overwrite_human", settings["overwrite_human"])),
                              "draft_human": bool(raw.get("draft_human", False)), "auto": bool(raw.get("auto"))}
    if given[0] == "product_ids":
        try:
            params["product_ids"] = sorted({int(value) for value in raw["product_ids"]})
        except (TypeError, ValueError) as exc:
            raise JobParamsError("product_ids must be a list of product ids (numbers)") from exc
    elif given[0] == "category":
        params["category"] = str(raw["category"])
    else:
        params["all"] = True
    return params


def select(ctx, params: dict[str, Any]) -> list[dict]:
    if "product_ids" in params:
        return ctx.products(ids=params["product_ids"])
    if "category" in params:
        return ctx.products(category=params["category"])
    return ctx.products()


def plan(products: list[dict], params: dict[str, Any]) -> Plan:
    """Which products to draft; hand-written ones only when the owner asked for them."""
    human_allowed = params["overwrite_human"] or params["draft_human"]
    todo = [p for p in products if p.get("description_source") != "human" or human_allowed]
    skipped = [{"id": p["id"], "title": p["title"]} for p in products if p not in todo]
    found = {p["id"] for p in products}
    return Plan(todo, skipped, [i for i in params.get("product_ids", []) if i not in found])


# -- the job -----------------------------------------------------------------------------------
def run(job) -> dict[str, Any]:
    job.ctx.require("write:content")  # fail before spending tokens on drafts that could not be saved
    settings = resolve(job.ctx.settings)
    params = parse_params(job.params, settings)
    chosen = plan(select(job.ctx, params), params)
    writing = _Run(job, settings, params, job.ctx.text_model(), len(chosen.todo),
                   Progress.stored(job.saved_drafts(KIND), settings["variants"]))
    writing.draft_all([product for product in chosen.todo if product["id"] not in writing.progress.done])
    return _result(chosen, writing.progress, writing.total, writing.model)


@dataclass
class _Run:
    job: Any
    settings: dict[str, Any]
    params: dict[str, Any]
    model: Any
    total: int
    progress: Progress

    def draft_all(self, remaining: list[dict]) -> None:
        """Group by group: write, save, report progress; stop on cancel or a model error."""
        if self.progress.done:  # a retry: show where the last attempt got to
            self._report()
        per_group = max(1, self.settings["batch_size"] // self.settings["variants"])
        for start in range(0, len(remaining), per_group):
            self.job.check_cancelled()
            group = remaining[start:start + per_group]
            try:
                batch = write_drafts(_Patient(self.model, self.job), group, self.settings)
            except InferenceError as exc:
                raise self.stopped(exc) from exc
            self.save(batch, group)
            self._report()
            if batch.error is not None:
                raise self.stopped(batch.error)

    def _report(self) -> None:
        done = len(self.progress.done)
        self.job.progress(done, self.total, f"{done} of {self.total} products drafted")

    def stopped(self, exc: InferenceError) -> Exception:
        """The error the job fails with: what went wrong, what was kept, what happens next."""
        made = f"{len(self.progress.done)} of {self.total} products were drafted and are in the review queue"
        if isinstance(exc, QuotaExceeded):
            return QuotaStop(f"{exc} {made}; run the job again when there are tokens left to draft the rest.")
        if isinstance(exc, (BackendUnavailable, Overloaded)):
            return ModelUnavailable(f"The text model is unavailable: {exc} {made}; the job is tried again later.")
        return ModelUnavailable(f"The text model failed: {exc} {made}.")

    def save(self, batch: Batch, group: list[dict]) -> None:
        products = {product["id"]: product for product in group}
        for draft in batch.drafts:
            if (draft.product_id, draft.variant) in self.progress.saved:
                continue  # stored by an earlier attempt that stopped inside this product
            product = products[draft.product_id]
            reason = draft.failure or self._saved(draft, product)
            if reason:
                self.progress.failed.append({"id": draft.product_id, "title": product["title"],
                                             "variant": draft.variant, "reason": reason})
        self.progress.done.update(products)
        for key, value in batch.tokens.items():
            self.progress.tokens[key] += value

    def _saved(self, draft: Draft, product: dict) -> str:
        """Save one draft for review; returns why it could not be saved ("" when it was)."""
        meta = {**draft_meta(draft, self.model.name, self.model.model, self.settings), **self._workflow(product, draft)}
        try:
            self.progress.drafts.append(self.job.ctx.save_draft(KIND, draft.content, draft.product_id, meta))
            self.progress.saved.add((draft.product_id, draft.variant))
        except PermissionDenied:  # deleted while the job ran: nothing to draft for any more
            return "the product no longer exists"
        self.progress.flagged += bool(draft.flags)
        self.progress.removed += len(draft.removed)
        return ""

    def _workflow(self, product: dict, draft: Draft) -> dict[str, Any]:
        """How the review queue must treat the draft: hand-written copy and variants."""
        meta: dict[str, Any] = {"job_id": self.job.id, "trigger": "auto" if self.params["auto"] else "job",
                                "human_copy": "protect"}
        if product.get("description_source") == "human" and self.params["overwrite_human"]:
            meta["human_copy"] = "overwrite"  # the owner chose, in bulk, to replace this hand-written text
            meta["replaces_sha256"] = description_sha256(product.get("description_html"))  # this very text
        if self.settings["variants"] > 1:
            meta["variant_group"] = f"job{self.job.id}-product{draft.product_id}"
        return meta


class _Patient:
    """The shop's model (same `name` and `model`), waiting a little and asking again when its
    queue is full."""

    def __init__(self, inner, job):
        self.inner, self.job = inner, job
        self.name, self.model = inner.name, inner.model

    def generate(self, requests):
        for wait in OVERLOAD_WAITS_S:
            try:
                return self.inner.generate(requests)
            except Overloaded:
                self.job.check_cancelled()
                time.sleep(wait)
        return self.inner.generate(requests)


def _result(chosen: Plan, progress: Progress, total: int, model) -> dict[str, Any]:
    return {"products": total + len(chosen.skipped_human), "to_draft": total, "drafted": len(progress.drafts),
            "drafts": progress.drafts[:LISTED], "flagged": progress.flagged, "removed_claims": progress.removed,
            "failed": progress.failed[:LISTED], "skipped_human": chosen.skipped_human[:LISTED],
            "skipped_human_count": len(chosen.skipped_human), "missing": chosen.missing[:LISTED],
            "tokens": dict(progress.tokens), "backend": model.name, "model": model.model}
