"""The benchmark's bulk history (``--history-rows``) is history the app reads and prunes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from asc_web import clock
from asc_web.extensions import db
from asc_web.maintenance import history as retention
from asc_web.models import AuthorizationAttempt, CommunicationError, StoreActivity
from bench import history
from bench.settings import Settings
from tests.support.data import insert_store

VISIBLE_PAGES = text(
    "SELECT relname, relallvisible FROM pg_class WHERE relname IN "
    "('store_activities', 'communication_errors', 'authorization_attempts') AND relkind = 'r' "
    "AND pg_table_is_visible(oid)"
)


def test_bulk_history_spreads_over_stores_and_two_years_and_prunes_by_age(
    make_app, database_url, tmp_path
):
    app = make_app(HISTORY_KEEP_PER_STORE="0")
    stores = [insert_store(app, f"Store {n}") for n in range(4)]
    from asc_web.auth import services

    with app.app_context():
        services.create_user("admin@example.com", "correct horse battery", "admin")
        db.session.commit()
    url = None if database_url.startswith("sqlite") else database_url
    settings = Settings(Path(tmp_path / "bench"), url)
    if url is None:  # the bench's SQLite file is the instance folder's asc_web.sqlite3
        settings.instance.mkdir()
        (settings.instance / "asc_web.sqlite3").symlink_to(database_url.removeprefix("sqlite:///"))
    now = clock.utcnow()

    seeded = history.seed(settings, 2000, now)

    assert seeded["rows"] == 2000
    if url is not None:
        # Vacuumed as autovacuum soon would be (not only analyzed): the visibility map is set,
        # so the pages' index-only scans skip the table, and no autovacuum starts on the new
        # rows while the bench loads the pages again.
        with app.app_context():
            visible = db.session.execute(VISIBLE_PAGES).all()
        assert len(visible) == 3 and all(pages > 0 for _, pages in visible), visible
    with app.app_context():
        for model, expected in ((StoreActivity, 900), (CommunicationError, 900),
                                (AuthorizationAttempt, 200)):  # fmt: skip
            counts = select(model.store_id, func.count()).group_by(model.store_id)
            per_store = {store: n for store, n in db.session.execute(counts)}
            assert per_store == {store: expected // 4 for store in stores}
            oldest, newest = db.session.execute(
                select(func.min(model.created_at), func.max(model.created_at))
            ).one()
            # Read back as datetimes by the app, over the last two years.
            assert now - timedelta(days=731) < oldest < now - timedelta(days=720)
            assert now - timedelta(days=1) < newest <= now
        # The app's own pages and pruning see them in time order: half is past a year.
        pruned = retention.prune(now)
    assert 420 <= pruned.removed["activity"] <= 480
    assert 420 <= pruned.removed["errors"] <= 480
    assert 80 <= pruned.removed["attempts"] <= 120


def test_one_page_of_history_is_the_newest_of_its_store(make_app, database_url, tmp_path):
    app = make_app()
    store = insert_store(app)
    url = None if database_url.startswith("sqlite") else database_url
    settings = Settings(Path(tmp_path / "bench"), url)
    if url is None:
        settings.instance.mkdir()
        (settings.instance / "asc_web.sqlite3").symlink_to(database_url.removeprefix("sqlite:///"))
    history.seed_page(settings, store, clock.utcnow())
    from asc_web.stores import services

    with app.app_context():
        entries = services.history(store).activity
    assert len(entries) == 50 and {e.detail for e in entries} == {"bench page"}
    assert entries[0].created_at > entries[-1].created_at > clock.utcnow() - timedelta(hours=2)
