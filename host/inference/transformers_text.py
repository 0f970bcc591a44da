"""Batched text generation with any transformers causal language model.

One `generate(requests)` call runs its prompts together: they are left-padded into one batch,
prefilled in one forward pass and then decoded one token per step for every unfinished row at
once, sharing a KV cache. Each row keeps its own settings (greedy or sampled, temperature,
top_p, seed, max_tokens, stop strings); a row that finishes leaves the batch, so the rest run on
a smaller one. Prompts are sorted by length and split into groups whose padded size stays under
`max_batch_tokens`, so one long prompt does not pad fifteen short ones to its length.

Stop strings are matched on the decoded text (a stop string may span several tokens) and are
not part of the answer. A prompt longer than the model's context keeps its beginning and its
end (the instructions and the chat template's "assistant" turn), losing the middle.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from shopwright.host.inference import torch_setup
from shopwright.host.inference.backend import Generation, GenerationRequest, TextBackend

log = logging.getLogger("shopwright.inference")


@dataclass
class _Row:
    """One request's decoding state."""

    request: GenerationRequest
    prompt_ids: list[int]
    generator: torch.Generator | None
    generated: list[int] = field(default_factory=list)
    text: str | None = None  # set when a stop string ended the row
    reason: str = "length"


class TransformersTextBackend(TextBackend):
    """Generates with `lm` (a transformers causal LM) and its `tokenizer`.

    `name` says which kind of backend this is ("hf_folder", "embedded"), `model` which model.
    """

    name = "hf_folder"

    def __init__(self, lm, tokenizer, model: str = "", max_batch_tokens: int = 16384):
        self.lm = lm.eval()
        self.tokenizer = tokenizer
        self.model = model or getattr(lm.config, "_name_or_path", "") or type(lm).__name__
        self.max_batch_tokens = max_batch_tokens
        self.device = next(lm.parameters()).device
        self.context = int(getattr(lm.config, "max_position_embeddings", 2048) or 2048)
        self.eos_ids = _eos_ids(lm, tokenizer)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(self.eos_ids)
        self._lock = threading.Lock()  # one batch at a time: two would only fight over the cores

    @classmethod
    def from_folder(cls, folder: str | Path, model: str = "", **options) -> TransformersTextBackend:
        """Load a saved model folder (config.json, weights, tokenizer) onto this machine's device."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch_setup.offline()
        where = torch_setup.device()
        lm = AutoModelForCausalLM.from_pretrained(str(folder), **torch_setup.load_options(where)).to(where)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        return cls(lm, tokenizer, model=model or Path(folder).name, **options)

    # -- the interface -------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        rows = [self._row(request) for request in requests]
        with self._lock, torch.inference_mode():
            for group in self._groups(rows):
                self._decode(group)
        return [self._result(row) for row in rows]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    # -- preparing rows ------------------------------------------------------------------
    def _row(self, request: GenerationRequest) -> _Row:
        generator = None
        if request.temperature > 0:
            seed = request.seed if request.seed is not None else random.getrandbits(63)
            generator = torch.Generator(device=self.device).manual_seed(seed)
        return _Row(request, self._prompt_ids(request), generator)

    def _prompt_ids(self, request: GenerationRequest) -> list[int]:
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "system", "content": request.system}] if request.system else []
            messages.append({"role": "user", "content": request.prompt})
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            ids = self.tokenizer(text, add_special_tokens=False).input_ids
        else:
            text = f"{request.system}\n\n{request.prompt}" if request.system else request.prompt
            ids = self.tokenizer(text).input_ids
        return self._fit(list(ids), request.max_tokens)

    def _fit(self, ids: list[int], max_tokens: int) -> list[int]:
        budget = max(self.context - max_tokens, 8)
        if len(ids) <= budget:
            return ids
        log.warning("a prompt of %d tokens was cut to %d to fit the model's context", len(ids), budget)
        head = budget // 2
        return ids[:head] + ids[len(ids) - (budget - head):]

    def _groups(self, rows: list[_Row]) -> list[list[_Row]]:
        """Rows sorted by prompt length, cut where the padded batch would pass the token budget."""
        groups: list[list[_Row]] = []
        for row in sorted(rows, key=lambda r: len(r.prompt_ids)):  # the newest row is the longest
            if groups and self._padded_size(groups[-1] + [row]) <= self.max_batch_tokens:
                groups[-1].append(row)
            else:
                groups.append([row])
        return groups

    @staticmethod
    def _padded_size(rows: list[_Row]) -> int:
        width = max(len(r.prompt_ids) for r in rows) + max(r.request.max_tokens for r in rows)
        return len(rows) * width

    # -- decoding ------------------------------------------------------------------------
    def _decode(self, rows: list[_Row]) -> None:
        from transformers import DynamicCache

        ids, mask = self._left_padded([row.prompt_ids for row in rows])
        cache = DynamicCache(config=self.lm.config)
        logits = self._forward(ids, mask, cache)
        live = list(range(len(rows)))
        while True:
            tokens = self._pick(logits, [rows[i] for i in live])
            picked = tokens.tolist()  # one device-to-host copy per step, not one per row
            keep = [pos for pos, i in enumerate(live) if self._accept(rows[i], picked[pos])]
            if not keep:
                return
            if len(keep) < len(live):  # finished rows leave the batch and its cache
                index = torch.tensor(keep, device=self.device)
                cache.batch_select_indices(index)
                mask, tokens = mask[index], tokens[index]
                live = [live[pos] for pos in keep]
            mask = torch.cat([mask, mask.new_ones(len(live), 1)], dim=1)
            logits = self._forward(tokens[:, None], mask, cache)

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor, cache) -> torch.Tensor:
        # Explicit positions: with left padding each row's first real token is position 0.
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, -ids.shape[1]:]
        out = self.lm(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True,
                      logits_to_keep=1)  # only the last position's logits are ever read
        return out.logits[:, -1, :].float()

    def _left_padded(self, prompts: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt):] = torch.tensor(prompt, dtype=torch.long)
            mask[row, width - len(prompt):] = 1
        return ids.to(self.device), mask.to(self.device)

    def _pick(self, logits: torch.Tensor, rows: list[_Row]) -> torch.Tensor:
        """The next token of each row: the likeliest one, or a sample for rows with a temperature."""
        tokens = logits.argmax(dim=-1)
        for pos, row in enumerate(rows):
            if row.generator is not None:
                tokens[pos] = _sample(logits[pos], row.request.temperature, row.request.top_p, row.generator)
        return tokens

    def _accept(self, row: _Row, token: int) -> bool:
        """Add `token` to the row; False when the row is finished."""
        if token in self.eos_ids:
            row.reason = "stop"
            return False
        row.generated.append(token)
        if row.request.stop and self._cut_at_stop(row):
            return False
        return len(row.generated) < row.request.max_tokens

    def _cut_at_stop(self, row: _Row) -> bool:
        text = self.tokenizer.decode(row.generated, skip_special_tokens=True)
        cuts = [text.find(stop) for stop in row.request.stop if stop and stop in text]
        if not cuts:
            return False
        row.text, row.reason = text[: min(cuts)], "stop"
        return True

    def _result(self, row: _Row) -> Generation:
        text = row.text
        if text is None:
            text = self.tokenizer.decode(row.generated, skip_special_tokens=True)
        return Generation(text=text, prompt_tokens=len(row.prompt_ids), completion_tokens=len(row.generated),
                          finish_reason=row.reason)


def _sample(logits: torch.Tensor, temperature: float, top_p: float, generator: torch.Generator) -> int:
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p < 1.0:
        # Keep the smallest set of likeliest tokens whose mass reaches top_p (always at least one).
        sorted_probs, order = probs.sort(descending=True)
        outside = sorted_probs.cumsum(-1) - sorted_probs >= top_p
        sorted_probs[outside] = 0.0
        probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
    return int(torch.multinomial(probs, 1, generator=generator))


def _eos_ids(lm, tokenizer) -> set[int]:
    """Every token that ends an answer: the tokenizer's and the generation config's."""
    found = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    configured = getattr(getattr(lm, "generation_config", None), "eos_token_id", None)
    if isinstance(configured, int):
        found.add(configured)
    elif configured:
        found.update(int(token) for token in configured)
    if not found:
        raise ValueError("the model's tokenizer names no end-of-text token")
    return found
