"""What a container printed: the tail a learner needs to see why it is not ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.context import CheckContext


def logs(ctx: "CheckContext", ref: str, tail: int | str = "all") -> str:
    """stdout and stderr of a container (by name or id), decoded."""
    return ctx.api.logs(ref, stdout=True, stderr=True, tail=tail).decode(errors="replace")


def log_tail(ctx: "CheckContext", ref: str, lines: int = 5) -> str:
    return logs(ctx, ref, tail=lines).strip() or "(no output)"


def diagnosis(ctx: "CheckContext", name: str) -> str:
    """Status plus the last log lines, as the container is now."""
    info = ctx.fresh_container(name)
    if info is None:
        return f"no container named {name!r}"
    return f"it is {info.status_line}; last log lines:\n{log_tail(ctx, info.id)}"
