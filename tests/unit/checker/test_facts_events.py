"""The event stream's facts (checker/facts/events.py): events, signals and moments as learners write them."""

from __future__ import annotations

from datetime import datetime, timezone

from checker.facts.events import Event, clock_utc, parse_moment, signal_name, signal_number

MOMENT = datetime(2026, 12, 1, 6, 51, 56, 881702, tzinfo=timezone.utc).timestamp()


def test_an_event_from_the_api() -> None:
    raw = {
        "Type": "container",
        "Action": "kill",
        "Actor": {"ID": "abc", "Attributes": {"name": "job", "signal": "12"}},
        "time": 1796107915,
        "timeNano": 1796107915877554833,
    }
    event = Event.from_api(raw)
    assert (event.action, event.name, event.container_id, event.signal) == ("kill", "job", "abc", 12)
    assert abs(event.moment - 1796107915.877554833) < 1e-5
    die = Event.from_api({"Action": "die", "Actor": {"Attributes": {"exitCode": "143"}}, "time": 5})
    assert die.exit_code == 143 and die.signal is None and die.moment == 5.0
    assert Event.from_api({"Action": "exec_start: sh -c true", "time": 1}).action == "exec_start"


def test_signals_by_number_or_name() -> None:
    for text in ("12", "SIGUSR2", "usr2", "sigusr2", "SIGUSR2 (12)", "`SIGUSR2`."):
        assert signal_number(text) == 12, text
    assert signal_number("TERM") == 15 and signal_number("it was 9") == 9
    assert signal_number("none") is None and signal_number("999") is None
    assert signal_name(15) == "SIGTERM (15)" and signal_name(None) == "no signal"


def test_moments_as_seconds_nanoseconds_and_rfc3339() -> None:
    assert parse_moment("1796107916") == 1796107916.0
    assert parse_moment("1796107916.881") == 1796107916.881
    assert abs(parse_moment("1796107916881702943") - 1796107916.881702943) < 1e-5
    assert abs(parse_moment("2026-12-01T06:51:56.881702943Z") - MOMENT) < 1e-5
    assert abs(parse_moment("2026-12-01T08:51:56.881702943+02:00") - MOMENT) < 1e-5
    assert abs(parse_moment("2026-12-01 06:51:56.881702943") - MOMENT) < 1e-5  # no zone: UTC
    line = "2026-12-01T06:51:56.881702943Z container die 73b7… (exitCode=0, name=job)"
    assert abs(parse_moment(line) - MOMENT) < 1e-5
    assert parse_moment("yesterday") is None and parse_moment("") is None
    assert clock_utc(MOMENT) == "2026-12-01T06:51:56.881Z"
