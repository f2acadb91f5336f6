"""Page cursors: a row's place in a (moment, id) order, written into a link's query string.

A page reached through a cursor reads the rows after (or before) that place from an index on
(moment, id): its cost follows the page size, however deep the page. Used by the home page's
Next and Previous links (``asc_web/stores/listing.py``) and the dashboard's pages of orders
(``asc_web/sync/figures.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
# The ids are INTEGER columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1


def encode(moment: datetime, row_id: int) -> str:
    """The cursor of the row with ``moment`` (aware) and ``row_id``: "<microseconds>-<id>"."""
    return f"{(moment - _EPOCH) // _MICRO}-{int(row_id)}"


def decode(value: str | None) -> tuple[datetime, int] | None:
    """The (moment, id) of a cursor from the query string, None when it is not one."""
    if not value or len(value) > 40:
        return None
    micros, _, row_id = value.partition("-")
    if not (micros.isascii() and micros.isdigit() and row_id.isascii() and row_id.isdigit()):
        return None
    if int(row_id) > MAX_ID:  # no row has it, and the database could not even compare it
        return None
    try:
        moment = _EPOCH + int(micros) * _MICRO
    except OverflowError:
        return None
    return moment, int(row_id)
