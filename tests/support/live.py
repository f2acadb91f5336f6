"""A real ASC Web server on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from asc_web import create_app
from asc_web.extensions import db


def read_whole(app):
    """``app`` with each response read whole and closed before the server writes it.

    Werkzeug's development server closes a response's iterable only after draining the
    socket, and skips the close when that drain finds the browser gone (a page closed while
    the favicon was still being sent): the static file it was reading is then left open and
    Python warns when it is collected, in whichever test runs next. Test servers send small
    bodies, so reading them whole first costs nothing and leaves no file open.
    """

    def whole(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return whole


class _Deferred:
    """A WSGI app whose target is set once the port (and so the app's URL) is known."""

    target = None

    def __call__(self, environ, start_response):
        return self.target(environ, start_response)


class LiveServer:
    """ASC Web (with its sandbox) served on 127.0.0.1 in a thread; ``stop()`` ends it."""

    def __init__(self, config: dict):
        self._wsgi = _Deferred()
        self._server = make_server("127.0.0.1", 0, read_whole(self._wsgi), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        settings = {"PUBLIC_URL": self.url, "RATELIMIT_ENABLED": False}
        settings.update(config)
        try:
            self.app = create_app(settings)
        except Exception:
            self._server.server_close()
            raise
        self._wsgi.target = self.app.wsgi_app
        # A short poll interval: shutdown() waits for the serving loop's next poll, and the
        # default half second was most of a typical connect test's teardown.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def sandbox(self) -> str:
        """The sandbox's base URL on this server."""
        return self.url + "/sandbox"

    def stop(self) -> None:
        """Stop serving and release the database."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
