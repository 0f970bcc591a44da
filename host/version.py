"""The host's version: plugins declare the range they support in `requires_host`."""

__version__ = "0.1.0"
