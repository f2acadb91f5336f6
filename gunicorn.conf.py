"""gunicorn settings for ASC Web: ``gunicorn -c gunicorn.conf.py`` (README: Serving in production).

Threaded workers, because in sandbox mode a callback waits on the app's own sandbox. Tune with
``ASC_BIND`` (``127.0.0.1:8000``), ``ASC_WORKERS`` (2) and ``ASC_THREADS`` (4); the app reads
its other ``ASC_*`` settings itself. Command-line flags still win over this file. Each worker
sets Python's garbage collector for serving once the app is loaded (``post_worker_init``).
"""

import gc
import os

wsgi_app = "wsgi:app"
bind = os.environ.get("ASC_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("ASC_WORKERS", "2"))
threads = int(os.environ.get("ASC_THREADS", "4"))

if os.environ.get("ASC_LOG_FORMAT") == "json":
    # gunicorn's own lines (and its access log, if enabled) in the app's JSON format, redacted,
    # one object per line on standard error; the app's records propagate to the same handler.
    logconfig_dict = {
        "root": {"level": os.environ.get("ASC_LOG_LEVEL", "INFO"), "handlers": ["asc_web"]},
        "loggers": {
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {"handlers": [], "propagate": True},
        },
        "handlers": {
            "asc_web": {
                "class": "logging.StreamHandler",
                "formatter": "asc_web",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"asc_web": {"()": "asc_web.logs.JsonFormatter"}},
        "filters": {"redact": {"()": "asc_web.logs.RedactSecrets"}},
    }


def on_starting(server):
    """Say loudly, before any worker starts, when each worker would count rate limits alone.

    Only the environment is read here; a setting in ``instance/config.py`` is not seen (the
    app itself warns in production either way).
    """
    storage = os.environ.get("ASC_RATELIMIT_STORAGE_URI") or "memory://"
    if storage.startswith("memory://") and server.cfg.workers > 1:
        server.log.warning(
            "RATE LIMITS ARE NOT SHARED: %s workers each count sign-in attempts in their own "
            "memory (ASC_RATELIMIT_STORAGE_URI=%s), so every limit is %s times looser. Set "
            "ASC_RATELIMIT_STORAGE_URI=redis://HOST:6379/0 (see README, Serving in production).",
            server.cfg.workers,
            storage,
            server.cfg.workers,
        )


# The youngest generation's threshold while serving (Python's default: 700 up to 3.13).
YOUNG_GENERATION_THRESHOLD = 5_000


def post_worker_init(worker):
    """Keep Python's garbage collector mostly off the request path, once the worker has the
    app.

    Measured under ``make bench`` (10,000 stores, 16 connections): with Python's defaults
    the collector took about 0.2 ms of each home page and 0.45 ms of each page of connected
    stores, most of it in full collections that walk the ~150,000 objects of the loaded
    app (Flask, SQLAlchemy's mappers, compiled templates) for about 90 ms each while every
    thread of the worker waits. A page of 24 cards also keeps more than 700 objects alive
    until it is sent, so the youngest generation was collected during most requests and
    found nothing to free: reference counting frees them when the response is done.
    ``gc.freeze()`` moves what loading the app created out of every future collection,
    and a young threshold of 5,000 lets a page finish first. After: about 5 µs a request,
    the longest pause 3 ms. Cycles are still collected, a few times a minute under load;
    a frozen object that later ends up in an unreachable cycle is never freed (what
    loading the app created lives as long as the worker anyway).
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
