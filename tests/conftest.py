"""Shared fixtures: the host's own test kit (shopwright.host.testing) plus a few helpers of the suite."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402  (torch does not import triton)

# Triton must see TRITON_INTERPRET before its first import anywhere in the run: without a GPU
# the kernels are tested through the interpreter.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

import pytest  # noqa: E402

pytest_plugins = ["shopwright.host.testing", "tests.browser_kit"]


@pytest.fixture
def app(sw_app):
    """The app a test module works on; modules that need plugins define their own."""
    return sw_app


@pytest.fixture
def shop(app):
    from shopwright.host.testing import add_fixture_shop  # the plugin above imports shopwright.host.testing first

    return add_fixture_shop(app)


@pytest.fixture
def owner(app, shop):
    """An admin test client signed in as the shop's owner (CSRF filled in on `post`)."""
    from shopwright.host.testing import admin_client

    return admin_client(app, shop, "owner")


@pytest.fixture
def kernel_calls(monkeypatch):
    """Counts calls into the public attention kernels, so a test can tell our path really ran."""
    import collections

    from shopwright import kernels

    counter = collections.Counter()
    for name in ("attention", "decode_attention"):
        original = getattr(kernels, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            counter[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(kernels, name, counted)
    return counter
