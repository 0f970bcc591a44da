"""Small helpers shared by the Triton kernel modules.

Kernels are wrapped with :func:`lazy_jit` instead of ``@triton.jit`` so the choice between
compiled and interpreted execution (``TRITON_INTERPRET=1``) is made at the first launch, not
at import time. A test module can then set the variable even if another module imported
``kernels`` first.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import torch


def interpreting() -> bool:
    """True when Triton runs kernels in its CPU interpreter."""
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "yes", "on")


def next_pow2(n: int) -> int:
    """The smallest power of two that is >= n (and >= 1)."""
    return 1 << max(0, int(n) - 1).bit_length()


def can_launch(t: torch.Tensor) -> bool:
    """Whether a Triton kernel can run on the tensor's device in this process."""
    return t.is_cuda or (t.device.type == "cpu" and interpreting())


def require_launchable(t: torch.Tensor) -> None:
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
