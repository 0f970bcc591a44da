"""Model backends behind one small interface.

`backend` defines what every backend offers: `TextBackend.generate(requests)` for text and
`EmbeddingBackend.embed(texts)` for vectors. `fake` holds deterministic stand-ins that answer
instantly, so plugins that use models test offline and fast. The real backends (the embedded
small model, a local Hugging Face folder, an OpenAI-compatible endpoint) implement the same
interface.
"""

from host.inference.backend import EmbeddingBackend, Generation, GenerationRequest, TextBackend
from host.inference.fake import FakeEmbeddingBackend, FakeTextBackend

__all__ = [
    "EmbeddingBackend",
    "FakeEmbeddingBackend",
    "FakeTextBackend",
    "Generation",
    "GenerationRequest",
    "TextBackend",
]
