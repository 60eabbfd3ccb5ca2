"""What a container printed: the tail a learner needs to see why it is not ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

from checker.i18n import _

if TYPE_CHECKING:
    from checker.context import CheckContext


def logs(ctx: "CheckContext", ref: str, tail: int | str = "all") -> str:
    """stdout and stderr of a container (by name or id), decoded."""
    return ctx.api.logs(ref, stdout=True, stderr=True, tail=tail).decode(errors="replace")


def log_tail(ctx: "CheckContext", ref: str, lines: int = 5) -> str:
    return logs(ctx, ref, tail=lines).strip() or _("(no output)")


def diagnosis(ctx: "CheckContext", name: str) -> str:
    """Status plus the last log lines, as the container is now."""
    info = ctx.fresh_container(name)
    if info is None:
        return _("no container named {name!r}").format(name=name)
    return _("it is {status}; last log lines:\n{logs}").format(status=info.status_line, logs=log_tail(ctx, info.id))
