"""The daemon's event stream, as a learner reads it with `docker events`, and answers about it (pure logic).

An event is one line of `docker events`: an action (create, start, kill, die, stop…), a moment with
nanoseconds, and attributes (a kill's `signal`, a die's `exitCode`). A learner may write a signal as
`10`, `SIGUSR1` or `usr1`, and a moment as Unix seconds (`{{.Time}}`), nanoseconds (`{{.TimeNano}}`)
or the RFC 3339 time that `docker events` and `docker inspect` print: each reads as the same fact.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from checker.facts.times import parse_time
from checker.i18n import _

NANOSECONDS_IF_ABOVE = 1e15  # a bare number this large is `{{.TimeNano}}`, not seconds
_DATE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")


@dataclass(frozen=True)
class Event:
    """One container event."""

    action: str  # the first word of Action: `exec_start: sh` reads as exec_start
    moment: float  # Unix seconds, with the nanoseconds kept as far as a float holds them
    container_id: str
    name: str
    attributes: dict[str, str]

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> "Event":
        actor = raw.get("Actor") or {}
        attributes = {str(k): str(v) for k, v in (actor.get("Attributes") or {}).items()}
        nanos = raw.get("timeNano")
        moment = int(nanos) / 1e9 if nanos else float(raw.get("time") or 0)
        action = str(raw.get("Action") or raw.get("status") or "").split(":", 1)[0]
        return cls(action, moment, str(actor.get("ID") or raw.get("id") or ""), attributes.get("name", ""), attributes)

    @property
    def signal(self) -> int | None:
        """The signal a `kill` event sent (`docker stop` sends one too), as a number."""
        value = self.attributes.get("signal", "")
        return int(value) if value.isdigit() else signal_number(value)

    @property
    def exit_code(self) -> int | None:
        value = self.attributes.get("exitCode", "")
        return int(value) if value.lstrip("-").isdigit() else None

    def when(self) -> str:
        return clock_utc(self.moment)


def read_events(client: Any, *, since: float, until: float, filters: dict[str, Any]) -> list[Event]:
    """The stored events between two moments (both ends given, so the stream ends instead of following)."""
    # The Engine takes seconds.nanoseconds; a fractional `until` ends the stream now, not at the next second.
    raw = client.events(since=f"{since:.6f}", until=f"{until:.6f}", filters=filters, decode=True)
    return [Event.from_api(item) for item in raw]


def signal_number(text: str) -> int | None:
    """`10`, `SIGUSR1`, `usr1`, `SIGUSR1 (10)` → 10; None if no word of it is a signal."""
    for word in re.split(r"[\s()\[\],;:=]+", text.strip()):
        word = word.strip("\"'`.").upper()
        if not word:
            continue
        if word.isdigit():
            number = int(word)
            return number if 0 < number < 65 else None
        name = word if word.startswith("SIG") else f"SIG{word}"
        try:
            return int(signal.Signals[name])
        except KeyError:
            continue
    return None


def signal_name(number: int | None) -> str:
    if number is None:
        return _("no signal")
    try:
        return f"{signal.Signals(number).name} ({number})"
    except ValueError:
        return _("signal {number}").format(number=number)


def parse_moment(text: str) -> float | None:
    """Unix seconds, nanoseconds or an RFC 3339 time (as `docker events` prints it) → Unix seconds."""
    text = text.strip().strip("\"'`")
    found = _DATE.search(text)
    if found:
        stamp = found.group(0).replace(" ", "T", 1)
        if not re.search(r"(Z|[+-]\d\d:?\d\d)$", stamp):
            stamp += "Z"  # no zone: Docker prints UTC unless TZ says otherwise
        stamp = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", stamp)
        moment = parse_time(stamp)
        return moment.timestamp() if moment else None
    number = re.fullmatch(r"\d+(?:\.\d+)?", text.split()[0] if text.split() else "")
    if not number:
        return None
    value = float(number.group(0))
    return value / 1e9 if value > NANOSECONDS_IF_ABOVE else value


def clock_utc(moment: float) -> str:
    """A moment as the learner can compare it: 2024-05-01T10:20:30.123Z."""
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
