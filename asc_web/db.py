"""Engine set-up: SQLite pragmas and write transactions that wait instead of failing."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session

from .config import private_file

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Next to the database (``asc_web.sqlite3-writer-lock``): every process that writes to it
# queues on this file (``WriteGate``). It holds nothing; SQLite never reads it.
WRITER_LOCK_SUFFIX = "-writer-lock"


def configure_engine(engine: Engine) -> None:
    """Attach the SQLite settings to ``engine``; other databases need nothing here."""
    if engine.dialect.name != "sqlite":
        return
    gate = None
    if not _is_memory(engine):  # one connection only: nothing to queue
        private_database_files(Path(engine.url.database))
        gate = WRITE_GATES[engine] = write_gate(Path(engine.url.database))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows (a disconnected store's tokens) are overwritten, not left in free pages.
        cursor.execute("PRAGMA secure_delete = ON")
        if not _is_memory(engine):
            enable_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that reads and then writes cannot wait for another
        # process's writer in WAL mode ("database is locked"). Requests that may
        # write take the write lock up front, so SQLite's busy timeout applies.
        if not _may_write():
            connection.exec_driver_sql("BEGIN")
            return
        gated = gate.enter() if gate else False
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if gated:
                gate.leave()
            raise
        if gated:
            connection.info[GATE_KEY] = True

    def _leave_gate(_dbapi_connection, record, *_args) -> None:
        # The write transaction is over once its connection is back in the pool (or gone).
        info = getattr(record, "info", None)
        if info is not None and info.pop(GATE_KEY, False):
            gate.leave()

    for name in ("checkin", "close", "invalidate", "detach"):
        event.listen(engine, name, _leave_gate)


class WriteGate:
    """One SQLite write transaction at a time, the others queued: threads of one process on
    a lock, then processes (servers' workers, the worker, ``flask`` commands) on a file lock.

    Without it every writer that wants SQLite's write lock polls for it through the busy
    handler, sleeping up to 100 ms between tries, so under load some wait seconds while
    others get in again and again (adding stores at 16 connections: p99 1.1 to 2 s). Here
    threads wait on a lock, and the one at the head of each process waits for the file lock
    (``flock`` on ``<database>-writer-lock``) in the kernel, which wakes it as soon as the
    holder lets go. The gate is held from ``BEGIN IMMEDIATE`` until the connection goes back
    to the pool (a session's commit or rollback), so SQLite's own lock is then free at once.

    SQLite's lock stays the authority: a writer that does not pass here (another program, a
    thread that waited out the busy timeout, a lock file that cannot be opened) is simply
    waited for by SQLite's busy timeout, as before. A thread that writes on a second
    connection while its first is open is not held back (SQLite decides, as before). A
    thread waits at most the busy timeout for the others of its process; the one at the
    head waits for the file lock as long as another process's write transaction lasts
    (which SQLite would make it wait too) and never for its own process: the file is
    opened once per process, and a process's writers pass the file lock one at a time.
    """

    def __init__(self, lock_path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None
        self._lock_path = lock_path
        self._fd: int | None = None
        self._fd_pid: int | None = None
        self._file_locked = False

    def enter(self) -> bool:
        """Wait for the gate; False when this thread holds it already, or after the timeout."""
        me = threading.get_ident()
        if self._holder == me:
            return False
        if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            return False
        try:
            self._lock_file()
        except BaseException:
            self._lock.release()
            raise
        self._holder = me
        return True

    def leave(self) -> None:
        """Let the next writer in (whichever thread returns the connection)."""
        self._holder = None
        try:
            if self._file_locked:
                self._file_locked = False
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _lock_file(self) -> None:
        """Wait for the other processes' writers (holding the in-process lock)."""
        fd = self._file()
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:  # such as ENOLCK: SQLite's busy timeout still queues us
            self._give_up_file(exc)
            return
        self._file_locked = True

    def _file(self) -> int | None:
        """This process's open lock file: a forked child opens its own, or flock would not
        tell it from its parent."""
        if self._lock_path is None:
            return None
        if self._fd_pid != os.getpid():
            try:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:  # a read-only folder: SQLite cannot write there either
                self._give_up_file(exc)
                return None
            self._fd, self._fd_pid = fd, os.getpid()
            # Whoever can open it can hold every writer back: the service account only.
            private_file(self._lock_path)
        return self._fd

    def _give_up_file(self, exc: OSError) -> None:
        log.warning("Writers queue in this process only: lock file %s: %s", self._lock_path, exc)
        self._lock_path = None

    def __del__(self) -> None:
        if self._fd is not None and self._fd_pid == os.getpid():
            os.close(self._fd)


def write_gate(database: Path) -> WriteGate:
    """The gate of the SQLite file ``database``: one per file and process, whatever the
    engine (two engines on one file must not make a thread wait for its own file lock)."""
    real = Path(os.path.realpath(database))
    lock_path = real.with_name(real.name + WRITER_LOCK_SUFFIX)
    with _GATES_LOCK:
        gate = _GATES_BY_FILE.get(lock_path)
        if gate is None:
            gate = _GATES_BY_FILE[lock_path] = WriteGate(lock_path)
        return gate


_GATES_BY_FILE: weakref.WeakValueDictionary[Path, WriteGate] = weakref.WeakValueDictionary()
_GATES_LOCK = threading.Lock()


# Each SQLite engine's gate (one database per process in production; tests build several
# engines, and those on one file share its gate).
WRITE_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()
GATE_KEY = "asc_write_gate"


def private_database_files(path: Path) -> None:
    """Create the SQLite database ``path`` with mode 0600 and keep its files at 0600.

    SQLite creates a database file 0644 whatever the umask, and its ``-wal`` and ``-shm``
    files with the database's own mode: a database that exists first, 0600, keeps all of
    them private (password hashes, encrypted tokens, the sandbox's OTP secret).
    """
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        # An older version (or a restore by hand) may have left them readable by all.
        with contextlib.suppress(FileNotFoundError):
            private_file(path.with_name(path.name + suffix))


def enable_wal(cursor, attempts: int = 50) -> None:
    """Put the database in WAL mode unless it already is.

    Switching the mode needs an exclusive lock and SQLite answers "database is locked" at
    once, without waiting for the busy timeout, while another process opens the same file
    (two servers or workers starting together): ask first, and retry briefly.
    """
    for attempt in range(1, attempts + 1):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts:
                raise
            time.sleep(0.1)


def _may_write() -> bool:
    """Whether the current unit of work may write (unsafe request, CLI or job)."""
    if has_request_context():
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "asc_reads_first", False):
            return bool(g.get("asc_writing"))
        if request.method not in SAFE_METHODS:
            return True
        return bool(getattr(view, "asc_writes", False))
    return True


def writes(view):
    """Mark a GET view that writes (such as an OAuth callback) so it takes the write lock."""
    view.asc_writes = True
    return view


def reads_first(view):
    """Mark a view that reads and validates first and writes only in ``write_transaction``.

    Its other transactions begin deferred, without SQLite's write lock, so other requests'
    writes go on while it loads the user and checks the form, and a refused form never
    queues for the lock. What it read may be out of date once it writes: the write must
    hold up anyway (constraints, or checking again inside the write transaction).
    """
    view.asc_reads_first = True
    return view


@contextlib.contextmanager
def write_transaction(session):
    """End the read transaction of a ``reads_first`` view and write in a new one.

    The block's first query starts it (``BEGIN IMMEDIATE`` on SQLite): a deferred
    transaction that has read cannot wait for another writer in WAL mode, it fails at once
    ("database is locked"). What the view loaded stays loaded (the signed-in user, the
    form's choices) and is not read again under the lock. Nothing may be pending when it
    starts: a reads-first view writes inside the block only.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_transaction: the session has changes made before it")
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # nothing to write: ends the read transaction
    finally:
        session.expire_on_commit = keep
    writing, g.asc_writing = g.get("asc_writing"), True
    try:
        yield
    finally:
        g.asc_writing = writing


def _is_memory(engine: Engine) -> bool:
    """Whether ``engine`` points at an in-memory SQLite database."""
    database = engine.url.database
    return not database or database == ":memory:"


def compact_deleted_secrets(session) -> None:
    """After deleting secrets on SQLite, fold the WAL into the file so no old copy remains.

    Call it after the commit. A checkpoint cannot run inside a transaction ("database
    table is locked"), so it runs on a raw connection of its own, outside the session.
    """
    engine = session.get_bind()
    if engine.dialect.name != "sqlite" or _is_memory(engine):
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
