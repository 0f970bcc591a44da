"""Shopwright host: the public surface that plugins and deployments import.

Plugins import only from here (`from host import hookimpl, PluginMeta`), never from pluggy
directly, so the host can change how hooks are wired without breaking them.
"""

from host.hookspecs import hookimpl
from host.pluginmeta import PluginMeta
from host.version import __version__


def create_app(config=None):
    """Build a Flask app (see `host.app.create_app`); imported lazily to keep plugin imports light."""
    from host.app import create_app as _create_app

    return _create_app(config)


def __getattr__(name: str):
    # `PermanentError` lives with the job queue, which needs SQLAlchemy: loaded only when asked for.
    if name == "PermanentError":
        from host.jobs import PermanentError

        return PermanentError
    raise AttributeError(f"module 'host' has no attribute {name!r}")


__all__ = ["PermanentError", "PluginMeta", "__version__", "create_app", "hookimpl"]
