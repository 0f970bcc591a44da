"""WSGI entry point for gunicorn: `gunicorn shopwright.host.wsgi:app` (configuration from the environment)."""

from shopwright.host.app import create_app

app = create_app()
