"""Check kinds about a compose file: does Compose accept it, and which listed mistakes remain?

Both validity kinds share one implementation (checker.facts.compose_file):
Compose's own `config` is the validator and its message is shown as is.
"""

from __future__ import annotations

from checker.context import CheckContext
from checker.facts.compose_file import file_mistakes, validate
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.workspace import WRITE_FILE, require_answer


def compose_file_accepted(
    ctx: CheckContext, path: str, project: str | None = None, allow_warnings: bool = False
) -> Outcome:
    """`docker compose config` on the learner's file: an error fails; a warning fails unless allowed."""
    require_answer(ctx, path, WRITE_FILE)
    verdict = validate(ctx.path(path), project)
    if verdict.timed_out:
        return fail(_("`docker compose config` did not finish within 30 s."), _("try it yourself in a terminal"))
    if not verdict.accepted:
        return fail(
            _("Compose rejects the file:\n{message}").format(message=verdict.message),
            _("fix what Compose names (the line or the key), then run the cell again"),
        )
    if verdict.warns and not allow_warnings:
        return fail(
            _("Compose accepts the file but warns:\n{message}").format(message=verdict.message),
            _("remove what the warning names (Compose v2 ignores a `version:` key: delete it)"),
        )
    return ok(_("Compose accepts it."))


@kind("compose_file_valid", N_("`docker compose config` accepts {path}"))
def compose_file_valid(ctx: CheckContext, *, path: str, project: str, allow_warnings: bool = False) -> Outcome:
    """Compose's own validator; its error (or warning, e.g. the obsolete `version`) shown verbatim."""
    return compose_file_accepted(ctx, path, project, allow_warnings)


@kind("network_compose_valid", N_("{path} is a valid compose file (docker compose config)"))
def network_compose_valid(ctx: CheckContext, *, path: str) -> Outcome:
    """The same validation as `compose_file_valid`, for a file that names no project."""
    return compose_file_accepted(ctx, path)


@kind("compose_file_sound", N_("{path} has none of the listed mistakes"))
def compose_file_sound(ctx: CheckContext, *, path: str, patterns: dict[str, str] | None = None) -> Outcome:
    """Name every remaining mistake at once (Compose stops at the first).

    Listed patterns, duplicate keys and self-dependencies, each found in the file's text.
    """
    problems = file_mistakes(require_answer(ctx, path, WRITE_FILE), patterns)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        return fail(
            _("{count} mistake(s) remain:\n{listing}").format(count=len(problems), listing=listing),
            _("fix them one by one; `docker compose config` names the first it meets"),
        )
    return ok(_("none of them remain."))
