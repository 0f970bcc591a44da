"""Small helpers shared by the Triton kernel modules.

Kernels are wrapped with :func:`lazy_jit` instead of ``@triton.jit`` so our own kernels pick
compiled or interpreted execution (``TRITON_INTERPRET=1``) at the first launch. Triton's
own library functions (``tl.max``, ``tl.topk``...) are fixed when ``triton`` is first
imported, though, so the variable must be set before anything imports triton (transformers'
model modules do); :func:`require_launchable` says so clearly instead of failing deep inside.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch

# Triton 3.9 warns that its default for fusing multiply-adds will change; these kernels are
# written for fused FMAs, so say so explicitly (a caller's own setting wins).
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")


def interpreting() -> bool:
    """True when Triton runs kernels in its CPU interpreter."""
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "yes", "on")


def next_pow2(n: int) -> int:
    """The smallest power of two that is >= n (and >= 1)."""
    return 1 << max(0, int(n) - 1).bit_length()


def can_launch(t: torch.Tensor) -> bool:
    """Whether a Triton kernel can run on the tensor's device in this process."""
    return t.is_cuda or (t.device.type == "cpu" and interpreting())


def _interpreter_loaded() -> bool:
    """Whether triton was imported with the interpreter on (see the module doc)."""
    import triton.language as tl
    from triton.runtime.interpreter import InterpretedFunction

    return isinstance(tl.topk, InterpretedFunction)


def require_launchable(t: torch.Tensor) -> None:
    if can_launch(t) and not t.is_cuda and not _interpreter_loaded():
        raise RuntimeError(
            "TRITON_INTERPRET=1 was set after triton was imported; set it before the first "
            "import of triton (e.g. at the top of conftest.py)."
        )
    if not can_launch(t):
        raise RuntimeError(
            f"Shopwright Triton kernels need a CUDA tensor (got {t.device}); "
            "set TRITON_INTERPRET=1 to run them on the CPU interpreter, "
            "or SHOPWRIGHT_KERNELS=reference to use the PyTorch path."
        )


class LazyKernel:
    """A ``triton.jit`` kernel compiled (or interpreted) on first launch."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        self._jitted: Any = None

    @property
    def fn(self) -> Callable[..., Any]:
        """The plain Python kernel function, before ``triton.jit``."""
        return self._fn

    def __getitem__(self, grid: Any) -> Callable[..., Any]:
        if self._jitted is None:
            import triton

            self._jitted = triton.jit(self._fn)
        return self._jitted[grid]


def lazy_jit(fn: Callable[..., Any]) -> LazyKernel:
    return LazyKernel(fn)


def sm_count(device: torch.device) -> int:
    """Streaming multiprocessors on a CUDA device; a small stand-in elsewhere."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).multi_processor_count
    return 2
