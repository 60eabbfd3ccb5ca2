"""Docker's timestamps (checker/facts/times.py): nanoseconds, zones, and the zero time that means never."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from checker.facts.times import ZERO_TIME, clock, parse_time, seconds_since


def test_nanoseconds_are_cut_to_microseconds() -> None:
    assert parse_time("2024-05-01T10:20:30.123456789Z") == datetime(2024, 5, 1, 10, 20, 30, 123456, tzinfo=timezone.utc)


def test_zones_and_missing_fractions() -> None:
    moment = parse_time("2024-05-01T12:20:30+02:00")
    assert moment == datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)


def test_the_zero_time_and_garbage_mean_never() -> None:
    assert parse_time(ZERO_TIME) is None
    assert parse_time("") is None and parse_time(None) is None and parse_time("yesterday") is None
    assert seconds_since(ZERO_TIME) is None


def test_seconds_since_and_clock() -> None:
    now = datetime(2024, 5, 1, 10, 20, 40, tzinfo=timezone.utc)
    assert seconds_since("2024-05-01T10:20:30Z", now=now) == 10.0
    assert clock(now + timedelta(microseconds=1500)) == "10:20:40.001"
