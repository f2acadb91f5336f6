"""Dates as merchants read them, the same on every platform (no ``strftime("%-d")``)."""

from datetime import UTC, datetime

from asc_web.rendering import asc_date, asc_datetime, asc_log_time, iso

MOMENT = datetime(2026, 3, 7, 9, 5, 4, tzinfo=UTC)


def test_a_day_has_no_leading_zero_and_an_english_month():
    assert asc_date(MOMENT) == "Mar 7, 2026"
    assert asc_date(datetime(2026, 12, 31, tzinfo=UTC)) == "Dec 31, 2026"


def test_a_moment_names_its_time_zone():
    assert asc_datetime(MOMENT) == "Mar 7, 2026, 09:05 UTC"


def test_log_times_sort_as_text():
    assert asc_log_time(MOMENT) == "2026-03-07 09:05:04"
    assert asc_log_time(MOMENT, seconds=False) == "2026-03-07 09:05"


def test_iso_is_for_datetime_attributes():
    assert iso(MOMENT) == "2026-03-07T09:05:04+00:00"
