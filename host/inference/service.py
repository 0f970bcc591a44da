"""The inference service of one app (`state.inference`): each shop's models, shared and capped.

`text_model(shop_id)` hands out a per-shop handle (a `TextBackend`) that resolves the shop's
configured backend, sends its requests through that backend's `Batcher` (so every shop and
every job using the same model shares its forward passes), checks the shop's daily token cap
before each slice of requests and records what was used after it. Backends are built on first
use, once per key (the embedded model once per process, whichever app asks), and kept; a load
that fails is not kept, so fixing the settings is enough to try again.

`TEXT_BACKEND` (config) is what shops without saved settings use; "fake" gives every shop the
test kit's `FakeTextBackend`, whatever it saved, as does `use_fakes()` with fakes of your own.
Embeddings (`embedder(shop_id)`) come from MiniLM-L6, or the fake with `EMBEDDING_BACKEND="fake"`;
they are cheap and do not count against the cap.

Nothing here logs a prompt: only counts, at DEBUG.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopwright.host.config import ConfigError
from shopwright.host.inference import settings as model_settings
from shopwright.host.inference import usage
from shopwright.host.inference.backend import EmbeddingBackend, Generation, GenerationRequest, TextBackend
from shopwright.host.inference.batching import Batcher
from shopwright.host.inference.errors import BackendUnavailable, InferenceError, QuotaExceeded
from shopwright.host.inference.fake import FakeEmbeddingBackend, FakeTextBackend
from shopwright.host.inference.local_extra import OR_AN_ENDPOINT, require_local_extra

log = logging.getLogger("shopwright.inference")

# The embedded modules' MODEL_NAMEs, without importing torch (a light install has none)
EMBEDDED_MODEL = "SmolLM2-135M-Instruct"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class BackendSpec:
    """What a shop's settings point at: `key` says when two shops share one backend."""

    kind: str
    model: str
    key: tuple
    build: Callable[[], TextBackend]


class Inference:
    def __init__(self, state):
        self.config = state.config
        self.db = state.db
        self._batchers: dict[tuple, Batcher] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self._embedder_lock = threading.Lock()
        self._fake_text: TextBackend | None = None
        self._embedder: EmbeddingBackend | None = None
        self._forced_text: TextBackend | None = None
        self._closed = False
        if self.default_backend not in (*model_settings.BACKENDS, "fake"):
            raise ConfigError(f"TEXT_BACKEND={self.default_backend!r}: use one of "
                              f"{', '.join(model_settings.BACKENDS)} or fake")

    # -- per-shop handles ----------------------------------------------------------------
    def text_model(self, shop_id: int, plugin: str = "") -> ShopTextModel:
        return ShopTextModel(self, shop_id, self.spec_for(self.settings(shop_id)), plugin)

    def embedder(self, shop_id: int | None = None) -> EmbeddingBackend:
        """The sentence embedder (the same for every shop)."""
        with self._embedder_lock:  # not self._lock: loading takes seconds, text models need not wait
            if self._embedder is None:
                self._embedder = self._build_embedder()
            return self._embedder

    # -- settings and usage --------------------------------------------------------------
    @property
    def cache_dir(self) -> Path:
        configured = self.config.get("MODEL_CACHE_DIR")
        return Path(configured) if configured else Path(self.config["INSTANCE_PATH"]) / "models"

    def settings(self, shop_id: int) -> dict[str, Any]:
        """The shop's model settings with defaults filled in."""
        stored = model_settings.stored_settings(self.db, shop_id)
        if stored is None and self.default_backend in model_settings.BACKENDS:
            stored = {"backend": self.default_backend}
        return {**model_settings.defaults(), **(stored or {})}

    @property
    def default_backend(self) -> str:
        """The config's TEXT_BACKEND: one of the settings' backends, or "fake" for every shop."""
        return str(self.config.get("TEXT_BACKEND") or "embedded")

    def save_settings(self, shop_id: int, submitted: dict[str, Any], clear: tuple[str, ...] = ()) -> dict:
        """Validate and store; raises `shopwright.host.settings.SettingsError` with per-field messages."""
        return model_settings.save_settings(self.db, shop_id, submitted, clear)

    def usage_today(self, shop_id: int) -> int:
        return usage.used_on(self.db, shop_id)

    def usage_history(self, shop_id: int, days: int = 7) -> list[dict]:
        return usage.history(self.db, shop_id, days)

    def check_quota(self, shop_id: int, cap: int) -> None:
        if cap <= 0:
            return
        used = usage.used_on(self.db, shop_id)
        if used >= cap:
            raise QuotaExceeded(f"This shop has used its {cap:,} model tokens for today ({used:,} used). "
                                "The count starts again at midnight UTC; the cap is set on the Models page.")

    def record(self, shop_id: int, generations: Sequence[Generation]) -> None:
        usage.record(self.db, shop_id, generations)

    # -- backends ------------------------------------------------------------------------
    def spec_for(self, settings: dict[str, Any]) -> BackendSpec:
        if self._forced_text is not None:
            forced = self._forced_text
            return BackendSpec(forced.name, forced.model, ("forced", id(forced)), lambda: forced)
        kind = "fake" if self.default_backend == "fake" else settings["backend"]
        builder = getattr(self, f"_spec_{kind}", None)
        if builder is None:
            raise BackendUnavailable(f"Unknown text backend {kind!r}; choose one on the Models page.")
        return builder(settings)

    def _spec_fake(self, _settings) -> BackendSpec:
        return BackendSpec("fake", "fake-echo", ("fake",), self._the_fake_text)

    def _spec_embedded(self, _settings) -> BackendSpec:
        cache_dir = self.cache_dir

        def build() -> TextBackend:
            # gguf reads the wheel's file on the first load
            require_local_extra("The embedded model", ("torch", "transformers", "gguf"), instead=OR_AN_ENDPOINT)
            from shopwright.host.inference.embedded import shared_embedded

            return shared_embedded(cache_dir)

        return BackendSpec("embedded", EMBEDDED_MODEL, ("embedded", str(cache_dir.resolve())), build)

    def _spec_hf_folder(self, settings) -> BackendSpec:
        path = str(Path(settings["hf_path"]).expanduser())

        def build() -> TextBackend:
            require_local_extra("A Hugging Face model folder", instead=OR_AN_ENDPOINT)
            from shopwright.host.inference.hf_folder import HFFolderTextBackend

            return HFFolderTextBackend.load(path)

        return BackendSpec("hf_folder", Path(path).name, ("hf_folder", path), build)

    def _spec_openai(self, settings) -> BackendSpec:
        url, model, key, timeout = (settings["endpoint_url"], settings["endpoint_model"], settings["api_key"],
                                    float(settings["timeout_s"]))
        key_hash = hashlib.sha256(key.encode()).hexdigest()  # the key itself stays out of the cache key

        def build() -> TextBackend:
            from shopwright.host.inference.openai_compat import OpenAICompatBackend

            return OpenAICompatBackend(url, model, api_key=key, timeout=timeout)

        return BackendSpec("openai", model, ("openai", url, model, key_hash, timeout), build)

    def batcher(self, spec: BackendSpec) -> Batcher:
        """The batcher (and so the backend) for `spec`, built on first use, once."""
        with self._lock:
            if self._closed:
                raise InferenceError("The server is shutting down.")
            found = self._batchers.get(spec.key)
            lock = self._locks.setdefault(spec.key, threading.Lock())
        if found is not None:
            return found
        with lock:  # other keys load meanwhile: a slow conversion holds up only its own shops
            with self._lock:
                found = self._batchers.get(spec.key)
            if found is None:
                found = self._new_batcher(spec)
                with self._lock:
                    self._batchers[spec.key] = found
            return found

    def _new_batcher(self, spec: BackendSpec) -> Batcher:
        try:
            backend = spec.build()
        except InferenceError:
            raise
        except Exception as exc:  # a broken folder or file: say so in the admin, keep the server up
            log.exception("could not load the %s text model", spec.kind)
            raise BackendUnavailable(f"The {spec.kind} model could not be loaded "
                                     f"({type(exc).__name__}: {exc}).") from exc
        config = self.config
        return Batcher(backend, max_batch=int(config["GENERATION_MAX_BATCH"]),
                       max_wait_ms=float(config["GENERATION_MAX_WAIT_MS"]), max_queue=int(config["GENERATION_QUEUE"]),
                       name=spec.kind)

    def loaded(self) -> list[dict[str, str]]:
        """The text backends this app has built so far (kind and model), for the admin."""
        with self._lock:
            return [{"kind": b.backend.name, "model": b.backend.model} for b in self._batchers.values()]

    def _the_fake_text(self) -> TextBackend:
        with self._lock:
            if self._fake_text is None:
                self._fake_text = FakeTextBackend()
            return self._fake_text

    def _build_embedder(self) -> EmbeddingBackend:
        if self.config.get("EMBEDDING_BACKEND") == "fake":
            return FakeEmbeddingBackend()
        require_local_extra(f"The sentence embedder ({EMBEDDING_MODEL})")
        from shopwright.host.inference.embeddings import shared_embedder

        return shared_embedder()

    # -- tests ---------------------------------------------------------------------------
    def use_fakes(self, text: TextBackend | None = None,
                  embedder: EmbeddingBackend | None = None) -> tuple[TextBackend, EmbeddingBackend]:
        """Give every shop these backends (fresh fakes when None), through the same batching,
        caps and usage counts as real ones."""
        text = text or FakeTextBackend()
        with self._lock, self._embedder_lock:
            self._forced_text = text
            self._embedder = embedder or FakeEmbeddingBackend()
            return text, self._embedder

    def close(self) -> None:
        with self._lock:
            self._closed = True
            batchers, self._batchers = list(self._batchers.values()), {}
        for batcher in batchers:
            batcher.close()
            if hasattr(batcher.backend, "close"):
                batcher.backend.close()


class ShopTextModel(TextBackend):
    """A shop's text model as a plugin sees it (`ctx.text_model()`): `generate`, `complete`,
    `name` (the backend kind) and `model`. Raises `InferenceError` and its subclasses."""

    def __init__(self, inference: Inference, shop_id: int, spec: BackendSpec, plugin: str = ""):
        self._inference = inference
        self.shop_id = shop_id
        self.spec = spec
        self.plugin = plugin
        self.name = spec.kind
        self.model = spec.model

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        requests = list(requests)
        if not requests:
            return []
        cap = int(self._inference.settings(self.shop_id).get("daily_token_cap") or 0)
        batcher = self._inference.batcher(self.spec)
        answers = batcher.generate(
            requests, timeout_s=float(self._inference.config["GENERATION_TIMEOUT_S"]),
            before_slice=lambda: self._inference.check_quota(self.shop_id, cap),
            after_slice=lambda done: self._inference.record(self.shop_id, done))
        log.debug("shop %s plugin %s: %d requests, %d completion tokens on %s", self.shop_id, self.plugin,
                  len(answers), sum(a.completion_tokens for a in answers), self.name)
        return answers

