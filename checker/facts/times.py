"""Docker's timestamps: RFC 3339 with nanoseconds, and a zero time that means "never"."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")
ZERO_TIME = "0001-01-01T00:00:00Z"


def parse_time(stamp: str | None) -> datetime | None:
    """Docker's RFC 3339 timestamps (nanoseconds) as aware datetimes; None for the zero time."""
    match = _STAMP.match(stamp or "")
    if not match or (stamp or "").startswith("0001-"):
        return None
    base, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{base}.{(fraction or '0')[:6].ljust(6, '0')}{zone}")


def seconds_since(stamp: str | None, now: datetime | None = None) -> float | None:
    """How long ago a Docker timestamp was (a container's StartedAt, an image's Created); None if never."""
    moment = parse_time(stamp)
    if moment is None:
        return None
    return ((now or datetime.now(timezone.utc)) - moment).total_seconds()


def clock(moment: datetime) -> str:
    """A moment as HH:MM:SS.mmm (UTC): precise enough to show which of two starts came first."""
    return moment.astimezone(timezone.utc).strftime("%H:%M:%S.%f")[:-3]
