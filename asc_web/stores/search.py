"""Search by store name: the stores whose folded name contains the folded query, found
through the trigram index of migration 0010 (SQLite FTS5, PostgreSQL pg_trgm)."""

from __future__ import annotations

from sqlalchemy import column, false, func, select, table

from ..models import Store
from . import names

# A trigram index holds the names' 3-character pieces: a shorter query has none to look up.
MIN_INDEXED_LENGTH = 3

# SQLite's FTS5 table over ``stores.name_key`` (migration 0010; its triggers keep it in step
# with the stores). Not a model: ``create_all`` would make it a plain table.
_index = table("stores_name_search", column("rowid"), column("name_key"))


def fts5_phrase(text: str) -> str:
    """``text`` as one FTS5 string: every character literal, ``"`` doubled; no operators
    (``OR``, ``NEAR``, ``*``, ``^``, ``-``, ``:``) and no LIKE wildcards (``%``, ``_``)."""
    return '"' + text.replace('"', '""') + '"'


def condition(query: str, dialect: str, index: bool = True):
    """The SQL condition on ``Store``: its name contains ``query``, both folded
    (``names.fold``), on the database ``dialect`` (SQLAlchemy's name). ``index=False``: each
    store's name is checked, not looked up in SQLite's index (a page walking the stores
    newest first, see ``walk_is_shorter``; PostgreSQL's planner makes that choice itself)."""
    key = names.fold(query)
    if "\x00" in key:
        # FTS5 ends a query at a NUL; no stored name holds one (``names.problem``).
        return false()
    if index and dialect == "sqlite" and len(key) >= MIN_INDEXED_LENGTH:
        return Store.id.in_(_matches(key))
    return _substring(key)


def count(query: str, dialect: str, limit: int):
    """A scalar subquery counting the stores whose name contains ``query`` (no other
    filter), up to ``limit``: on SQLite in the index alone, no store row read."""
    key = names.fold(query)
    if dialect == "sqlite" and len(key) >= MIN_INDEXED_LENGTH and "\x00" not in key:
        matches = select(_index.c.rowid).where(_match(key)).limit(limit).subquery()
    else:
        matches = select(Store.id).where(condition(query, dialect)).limit(limit).subquery()
    return select(func.count()).select_from(matches).scalar_subquery()


def walk_is_shorter(matching: int, total: int, wanted: int) -> bool:
    """Whether walking the ``total`` stores in date order meets ``wanted`` of the ``matching``
    ones in fewer rows than the index returns (all ``matching``, then sorted), matches being
    spread evenly. A trigram index is slow for a common query, as ``store`` in a list of
    "Amazon Store …": every store is a match, for each of its trigrams.
    """
    return wanted * total < matching * matching


def _matches(key: str):
    """The ids (FTS5 rowids) of the stores whose key contains ``key`` (SQLite)."""
    return select(_index.c.rowid).where(_match(key))


def _match(key: str):
    # A trigram phrase matches exactly the keys that contain ``key`` as a substring.
    return _index.c.name_key.match(fts5_phrase(key))


def _substring(key: str):
    """``LIKE '%key%'`` with ``%``, ``_`` and the escape character taken literally.

    PostgreSQL answers it from the pg_trgm index (or reads the table when that is cheaper,
    as for queries of fewer than 3 characters). On SQLite it answers queries too short for
    trigrams (FTS5 finds nothing for them, so ``stores.name_key`` is read instead) and the
    pages that walk the stores newest first.
    """
    return Store.name_key.contains(key, autoescape=True)
