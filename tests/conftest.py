"""Shared fixtures: the host's own test kit (host.testing) plus a few helpers of the suite."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402  (torch does not import triton)

# Triton must see TRITON_INTERPRET before its first import anywhere in the run: without a GPU
# the kernels are tested through the interpreter.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

pytest_plugins = ["host.testing", "tests.browser_kit"]
