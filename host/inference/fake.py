"""Fake model backends for tests: instant, deterministic, offline.

`FakeTextBackend` answers from a script (a callable or a mapping) or, failing that, echoes the
prompt, so a test can assert what the plugin asked as well as what it did with the answer.
`FakeEmbeddingBackend` hashes words into a vector, so texts sharing words come out similar:
enough to test ranking and search code without a model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from shopwright.host.inference.backend import EmbeddingBackend, Generation, GenerationRequest, TextBackend

Script = Callable[[GenerationRequest], str] | Mapping[str, str]
WORD = re.compile(r"\w+", re.UNICODE)


def count_tokens(text: str) -> int:
    """Fake token count: whitespace-separated words."""
    return len(text.split())


class FakeTextBackend(TextBackend):
    """Replies to each request with `replies(request)` when `replies` is a callable; with the
    mapping's value when `replies` is a mapping whose key equals the prompt or, failing that, is
    contained in it (first match in the mapping's order); else with ``"echo: <prompt>"``.

    Replies are cut at the first stop string and at `max_tokens` words. Every request is kept
    in `requests`, and the size of every `generate` call in `batches`.
    """

    name = "fake"

    def __init__(self, replies: Script | None = None, model: str = "fake-echo"):
        self.replies = replies
        self.model = model
        self.requests: list[GenerationRequest] = []
        self.batches: list[int] = []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        self.batches.append(len(requests))
        self.requests.extend(requests)
        return [self._answer(request) for request in requests]

    def _answer(self, request: GenerationRequest) -> Generation:
        text, reason = _cut_at_stop(self._reply(request), request.stop)
        words = text.split()
        if len(words) > request.max_tokens:
            text, reason = " ".join(words[: request.max_tokens]), "length"
        prompt_tokens = count_tokens(request.system) + count_tokens(request.prompt)
        return Generation(text, prompt_tokens, count_tokens(text), reason)

    def _reply(self, request: GenerationRequest) -> str:
        if callable(self.replies):
            return str(self.replies(request))
        if self.replies:
            if request.prompt in self.replies:
                return self.replies[request.prompt]
            for key, reply in self.replies.items():
                if key in request.prompt:
                    return reply
        return f"echo: {request.prompt}"


def _cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, str]:
    cuts = [text.find(s) for s in stop if s and s in text]
    return (text[: min(cuts)], "stop") if cuts else (text, "stop")


class FakeEmbeddingBackend(EmbeddingBackend):
    """Hashed bag-of-words vectors: each lower-cased word adds 1 at a position chosen by a
    stable hash (the same in every process), then each row is scaled to unit length. A text
    without words embeds like the word "<empty>"."""

    name = "fake"

    def __init__(self, dim: int = 256, model: str = "fake-hashed-words"):
        if dim < 2:
            raise ValueError(f"dim must be at least 2, not {dim}")
        self.dim = dim
        self.model = model
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in WORD.findall(text.lower()) or ["<empty>"]:
                vectors[row, self._slot(word)] += 1.0
        # every row has at least one word, so no norm is zero
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _slot(self, word: str) -> int:
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "little") % self.dim
