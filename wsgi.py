"""WSGI entry point for gunicorn: ``gunicorn -k gthread --threads 4 wsgi:app``."""

from asc_web import create_app

# Servers never migrate: without `flask db` each worker is 11 MB smaller (no Alembic).
app = create_app({"DB_COMMANDS": False})
