"""Generate → check → regenerate or remove → flag: drafts for a group of products.

Every round sends all the requests of the group that still need an answer in as few
`generate()` calls as the batch size allows, so the runtime shares forward passes among them.
A draft whose claims are all supported is done; one with unsupported claims (or an unusable
answer) is asked again with the offending claims named, up to `max_attempts`. After the last
round the best attempt is kept: with `on_unsupported="remove"` the sentences and bullets carrying
unsupported claims are taken out (unless that would leave almost no description), and whatever
unsupported claim remains is flagged for the reviewer.

The pure pieces a benchmark needs are public: `build_requests` (no model involved),
`postprocess` (one answer per request, the same checking and removal, no regeneration) and
`write_drafts` (the whole loop against any `TextBackend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shopwright.host.inference import Generation, GenerationRequest, InferenceError
from shopwright.plugins.description_writer import prompt
from shopwright.plugins.description_writer.grounding import Check, Evidence, check_copy
from shopwright.plugins.description_writer.output import (
    HIGHLIGHTS_MAX,
    HIGHLIGHTS_MIN,
    Copy,
    UnusableAnswer,
    parse_answer,
)
from shopwright.plugins.description_writer.prompt import Slot
from shopwright.plugins.description_writer.record import RecordView, view
from shopwright.plugins.description_writer.settings import recorded, resolve

#: Removing claims must leave at least this much of a description; otherwise they are flagged.
MIN_KEPT_WORDS = 12


@dataclass
class Draft:
    """The outcome for one product and variant: content to save, or the reason there is none."""

    product_id: int | None
    variant: int
    copy: Copy | None = None
    check: Check | None = None
    removed: list[dict] = field(default_factory=list)
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failure: str = ""
    record_warnings: list[str] = field(default_factory=list)
    answer_format: str = prompt.SECTIONS  # what the model was asked for: sections or plain

    @property
    def ok(self) -> bool:
        return self.copy is not None

    @property
    def content(self) -> dict | None:
        return self.copy.content() if self.copy else None

    @property
    def flags(self) -> list[dict]:
        return [finding.flag() for finding in self.check.unsupported] if self.check else []

    def checks(self) -> dict:
        """The checker's result, as recorded in the draft's meta and the publish audit."""
        summary = self.check.summary() if self.check else {}
        return {**summary, "attempts": self.attempts, "removed": self.removed,
                "notes": list(self.copy.notes) if self.copy else [], "record_warnings": self.record_warnings}


@dataclass
class Batch:
    """What `write_drafts` made. `error` is a model error met while regenerating: the drafts
    were completed with the attempts made before it."""

    drafts: list[Draft]
    error: InferenceError | None = None

    @property
    def tokens(self) -> dict[str, int]:
        return {"prompt": sum(d.prompt_tokens for d in self.drafts),
                "completion": sum(d.completion_tokens for d in self.drafts)}


@dataclass
class _Work:
    slot: Slot
    record: RecordView
    evidence: Evidence
    draft: Draft
    best: tuple[Copy, Check] | None = None
    avoid: tuple[str, ...] = ()
    done: bool = False


# -- the public pieces -------------------------------------------------------------------------
def build_requests(products: Sequence[dict], settings: dict[str, Any] | None = None, model=None
                   ) -> list[GenerationRequest]:
    """One first-attempt request per product and variant, product by product (the order
    `postprocess` expects its generations in). `model` (a TextBackend, or anything with `name`
    and `model`) picks the answer format when the setting says "auto"."""
    settings = _resolved(settings, model)
    records = [view(product) for product in products]
    return [prompt.request(records[slot.product_index], settings, slot, fmt=settings["answer_format"])
            for slot in _slots(len(products), settings)]


def postprocess(products: Sequence[dict], generations: Sequence[Generation], settings: dict[str, Any] | None = None,
                model=None) -> list[Draft]:
    """Drafts from one answer per request of `build_requests` (called with the same settings
    and model): parsed, checked, and with unsupported claims removed or flagged as the settings
    say, but never regenerated."""
    settings = _resolved(settings, model)
    works = _works(products, settings)
    if len(generations) != len(works):
        raise ValueError(f"expected {len(works)} generations (one per request), got {len(generations)}")
    for work, generation in zip(works, generations):
        _absorb(work, generation, settings)
    return [_finish(work, settings) for work in works]


def write_drafts(model, products: Sequence[dict], settings: dict[str, Any] | None = None) -> Batch:
    """The whole loop against `model` (any TextBackend). A model error in the first round
    propagates (nothing was made); one in a later round ends regeneration and is in `Batch.error`."""
    settings = _resolved(settings, model)
    works = _works(products, settings)
    pending, error = works, None
    for attempt in range(1, settings["max_attempts"] + 1):
        if not pending:
            break
        try:
            generations = _generate(model, [_request(work, settings, attempt) for work in pending], settings)
        except InferenceError as exc:
            if attempt == 1:
                raise
            error = exc
            break
        for work, generation in zip(pending, generations):
            _absorb(work, generation, settings)
        pending = [work for work in pending if not work.done]
    return Batch([_finish(work, settings) for work in works], error)


# -- rounds ------------------------------------------------------------------------------------
def _resolved(settings: dict[str, Any] | None, model) -> dict[str, Any]:
    """Validated settings with "auto" answer format decided for `model`."""
    settings = resolve(settings)
    return {**settings, "answer_format": prompt.answer_format(settings, model)}


def _slots(count: int, settings: dict[str, Any]) -> list[Slot]:
    return [Slot(index, variant) for index in range(count) for variant in range(1, settings["variants"] + 1)]


def _works(products: Sequence[dict], settings: dict[str, Any]) -> list[_Work]:
    records = [view(product) for product in products]
    evidence = [Evidence(record) for record in records]
    works = []
    for slot in _slots(len(products), settings):
        record = records[slot.product_index]
        draft = Draft(record.product_id, slot.variant, record_warnings=record.warnings,
                      answer_format=settings["answer_format"])
        works.append(_Work(slot, record, evidence[slot.product_index], draft))
    return works


def _request(work: _Work, settings: dict[str, Any], attempt: int) -> GenerationRequest:
    slot = Slot(work.slot.product_index, work.slot.variant, attempt)
    return prompt.request(work.record, settings, slot, work.avoid, fmt=settings["answer_format"])


def _generate(model, requests: list[GenerationRequest], settings: dict[str, Any]) -> list[Generation]:
    size = settings["batch_size"]
    answers: list[Generation] = []
    for start in range(0, len(requests), size):
        answers.extend(model.generate(requests[start:start + size]))
    return answers


def _absorb(work: _Work, generation: Generation, settings: dict[str, Any]) -> None:
    """Take one answer: count its tokens, keep it if it is the best so far, and decide whether
    the slot needs another attempt."""
    draft = work.draft
    draft.attempts += 1
    draft.prompt_tokens += int(generation.prompt_tokens or 0)
    draft.completion_tokens += int(generation.completion_tokens or 0)
    try:
        # a model asked for the description alone gets all its highlights from the facts
        wanted = HIGHLIGHTS_MAX if settings["answer_format"] == prompt.PLAIN else HIGHLIGHTS_MIN
        copy = parse_answer(generation.text, work.record, generation.finish_reason, prompt.PROMPT_MARKERS, wanted)
    except UnusableAnswer as exc:
        draft.failure = f"attempt {draft.attempts}: {exc}"
        return
    check = check_copy(copy, work.evidence, settings["avoid_words"])
    if work.best is None or len(check.unsupported) < len(work.best[1].unsupported):
        work.best = (copy, check)
    work.done = not work.best[1].unsupported
    work.avoid = tuple(dict.fromkeys(f.claim.text for f in check.unsupported))


def _finish(work: _Work, settings: dict[str, Any]) -> Draft:
    draft = work.draft
    if work.best is None:
        draft.failure = draft.failure or "the model gave no answer"
        return draft
    copy, check = work.best
    if check.unsupported and settings["on_unsupported"] == "remove":
        copy, check, draft.removed = _remove_unsupported(copy, check, work, settings)
    draft.copy, draft.check, draft.failure = copy, check, ""
    return draft


def _remove_unsupported(copy: Copy, check: Check, work: _Work, settings: dict[str, Any]
                        ) -> tuple[Copy, Check, list[dict]]:
    """Take out the pieces carrying unsupported claims; keep description sentences (flagged)
    when removing them would leave too little of it."""
    everywhere = {(f.field, f.index) for f in check.unsupported}
    outside = {key for key in everywhere if key[0] != "description_html"}
    tainted = {index for name, index in everywhere if name == "description_html"}
    for drop in (everywhere, outside):
        if not drop:
            continue
        trimmed = copy.without(drop, work.record, tainted)
        if trimmed.description_words() >= MIN_KEPT_WORDS:
            removed = [f.flag() for f in check.unsupported if (f.field, f.index) in drop]
            return trimmed, check_copy(trimmed, work.evidence, settings["avoid_words"]), removed
    return copy, check, []


def draft_meta(draft: Draft, backend: str, model: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The provenance a draft carries into review and, on publishing, into the audit entry."""
    return {"backend": backend, "model": model, "prompt_version": prompt.PROMPT_VERSION,
            "settings": {**recorded(settings), "answer_format": draft.answer_format},
            "checks": draft.checks(), "flags": draft.flags,
            "tokens": {"prompt": draft.prompt_tokens, "completion": draft.completion_tokens},
            "variant": draft.variant, "variants": settings["variants"], "ai_generated": True}
