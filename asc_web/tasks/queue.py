"""The huey queue: a SQLite file in the instance folder by default, Redis for several servers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer

REDIS_SCHEMES = ("redis", "rediss", "unix")
DEFAULT_FILE = "tasks.sqlite3"


@dataclass(frozen=True)
class TaskQueue:
    """The queue and the tasks registered on it (calling a task enqueues it)."""

    huey: Huey
    scheduled_work: TaskWrapper
    check_all: TaskWrapper
    sync_store: TaskWrapper
    tick_seconds: float
    where: str


def build(app: Flask) -> TaskQueue:
    """The queue ``ASC_TASK_QUEUE_URL`` names, with ASC Web's tasks registered on it."""
    from . import jobs

    url = str(app.config.get("TASK_QUEUE_URL") or "")
    name = str(app.config.get("TASK_QUEUE_NAME") or "asc-web")
    if urlsplit(url).scheme in REDIS_SCHEMES:
        huey: Huey = RedisHuey(name, url=url, results=False)
        where = _without_password(url)
    else:
        path = sqlite_path(url, Path(app.instance_path))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)
        where = str(path)
    tick = max(1.0, float(app.config.get("CHECK_TICK_SECONDS") or 60))
    scheduled_work, check_all, sync_store = jobs.register(huey, app, tick)
    return TaskQueue(huey, scheduled_work, check_all, sync_store, tick, where)


def sqlite_path(url: str, instance: Path) -> Path:
    """The queue's SQLite file: ``sqlite:///path`` or the instance folder's default."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    if url:
        raise ValueError(
            "ASC_TASK_QUEUE_URL must start with redis://, rediss://, unix:// or sqlite:///."
        )
    return instance / DEFAULT_FILE


def _without_password(url: str) -> str:
    """``url`` safe to print: the password, if any, left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


class ScheduledConsumer(Consumer):
    """huey's consumer, looking for periodic work every ``tick_seconds`` (huey: 60 s)."""

    def __init__(self, huey: Huey, tick_seconds: float, **options):
        self.tick_seconds = tick_seconds
        super().__init__(huey, **options)

    def _create_scheduler(self):
        scheduler = super()._create_scheduler()
        scheduler.periodic_task_seconds = self.tick_seconds
        return scheduler
