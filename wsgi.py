"""WSGI entry point for gunicorn: ``gunicorn -k gthread --threads 4 wsgi:app``."""

from asc_web import create_app

app = create_app()
