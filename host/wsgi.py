"""WSGI entry point for gunicorn: `gunicorn host.wsgi:app` (configuration from the environment)."""

from host.app import create_app

app = create_app()
