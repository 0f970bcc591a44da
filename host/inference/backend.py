"""The interface every model backend implements: text generation and sentence embeddings.

Generation takes a list of requests so a backend can batch them into shared forward passes;
callers with a single prompt use `TextBackend.complete`. Prompts built from shop data carry that
data as untrusted text: put it inside the prompt as data, never as instructions.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FINISH_REASONS = ("stop", "length")


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt and how to continue it. `stop` strings end the text (they are not included).

    `temperature` 0 picks the likeliest token each step (greedy, reproducible); above 0 samples,
    from the smallest set of tokens whose probabilities add up to `top_p`. `seed` makes a
    sampled answer repeatable (None: a fresh one each time)."""

    prompt: str
    system: str = ""
    max_tokens: int = 256
    temperature: float = 0.0
    stop: tuple[str, ...] = ()
    top_p: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, not {self.max_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must not be negative, not {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be above 0 and at most 1, not {self.top_p}")
        if isinstance(self.stop, str):  # a lone string would otherwise stop at each of its characters
            object.__setattr__(self, "stop", (self.stop,))
        elif not isinstance(self.stop, tuple):  # a list: keep requests hashable, as frozen promises
            object.__setattr__(self, "stop", tuple(self.stop))


@dataclass(frozen=True)
class Generation:
    """What a backend wrote for one request. `finish_reason` is "stop" (the text ended or hit a
    stop string) or "length" (it reached `max_tokens`)."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str


class TextBackend(abc.ABC):
    """Generates text. `name` says which kind of backend (e.g. "fake"), `model` which model."""

    name: str = ""
    model: str = ""

    @abc.abstractmethod
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """One Generation per request, in the same order."""

    def complete(self, prompt: str, **options) -> Generation:
        """Generate for a single prompt; `options` are GenerationRequest's other fields."""
        return self.generate([GenerationRequest(prompt, **options)])[0]


class EmbeddingBackend(abc.ABC):
    """Turns texts into vectors whose dot product measures how alike the texts are."""

    name: str = ""
    model: str = ""
    dim: int = 0

    @abc.abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A float32 array of shape (len(texts), dim) whose rows have unit L2 norm."""
