"""Check kinds about files the learner writes in the workspace: answers, and what they record.

A recorded answer is compared with the daemon's own facts (the kernel, a
container's hostname, PID 1, its ID) or with what a container printed, so a
learner cannot pass by copying an example from the notes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from checker.context import CheckContext, poll
from checker.facts.logs import diagnosis, logs
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.outcome import Unmet

WRITE_IT = N_("run the answer cell that writes it")
WRITE_FILE = N_("run the answer cell that writes it (`%%writefile …`)")


def read_answer(ctx: CheckContext, path: str) -> str | None:
    target = ctx.path(path)
    return target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None


def require_answer(ctx: CheckContext, path: str, hint: str = WRITE_IT) -> str:
    """The file's text, or end the check: it does not exist yet. `hint` may be English (translated here)."""
    content = read_answer(ctx, path)
    if content is None:
        raise Unmet(fail(_("{path} does not exist yet.").format(path=path), _(hint)))
    return content


@kind("file_exists", N_("{path} exists"))
def file_exists(ctx: CheckContext, *, path: str) -> Outcome:
    require_answer(ctx, path, WRITE_FILE)
    return ok(_("found."))


@kind("file_contains", N_("{path} contains {text!r}"))
def file_contains(ctx: CheckContext, *, path: str, text: str) -> Outcome:
    if text not in require_answer(ctx, path, WRITE_FILE):
        return fail(_("{path} does not contain {text!r}.").format(path=path, text=text))
    return ok(_("found."))


def recorded(ctx: CheckContext, path: str, key: str | None) -> str:
    """The learner's answer: the whole file, or the value of a `key: value` (or `key = value`) line."""
    content = require_answer(ctx, path)
    if key is None:
        answer = content.strip()
    else:
        answer = ""
        for line in content.splitlines():
            match = re.match(rf"\s*{re.escape(key)}\s*[:=]\s*(.*)$", line, re.IGNORECASE)
            if match:
                answer = match.group(1).strip()
                break
        else:
            raise Unmet(
                fail(
                    _("{path} has no `{key}:` line.").format(path=path, key=key),
                    _("write a line `{key}: YOUR ANSWER`").format(key=key),
                )
            )
    if not answer or "TODO" in answer.upper():
        empty = (
            _("{path}: `{key}:` is still empty or TODO.").format(path=path, key=key)
            if key
            else _("{path}: it is still empty or TODO.").format(path=path)
        )
        raise Unmet(fail(empty, _("replace TODO with what you saw")))
    return answer


def tokens(answer: str) -> list[str]:
    """Words of an answer without quotes or trailing punctuation, so `"12".` still reads as 12."""
    return [t.strip("\"'`.,;()[]") for t in answer.split()]


def token_match(answer: str, expected: str) -> bool:
    wanted = expected.strip().lower()
    return any(t.lower() == wanted for t in tokens(answer)) or answer.strip().strip("\"'").lower() == wanted


def host_pid1() -> str | None:
    try:
        return Path("/proc/1/comm").read_text().strip()
    except OSError:
        return None


def _fact_kernel(ctx: CheckContext, answer: str, container: str) -> Outcome:  # noqa: ARG001 - one kernel for all
    expected = ctx.client.version().get("KernelVersion", "")
    if token_match(answer, expected):
        return ok(_("{kernel}: the daemon's host kernel, shared by every container.").format(kernel=expected))
    return fail(
        _("Your answer {answer!r} is not the kernel release that `uname -r` prints inside the container.").format(
            answer=answer
        ),
        _("run `docker exec NAME uname -r` and compare it with `uname -r` on the host"),
    )


def _fact_hostname(ctx: CheckContext, answer: str, container: str) -> Outcome:
    info = ctx.require_container(container)
    expected = info.hostname
    host_name = ctx.client.info().get("Name", "")
    if token_match(answer, expected) or (
        len(answer) >= 12 and info.id.startswith(answer.lower()) and expected == info.id[:12]
    ):
        return ok(
            _("{hostname}: the container's own hostname (by default its short ID), not the host's.").format(
                hostname=expected
            )
        )
    if host_name and token_match(answer, host_name):
        return fail(
            _(
                "Your answer {answer!r} is the host's hostname, not the container's: a container gets its own hostname."
            ).format(answer=answer),
            _("ask the container itself: `docker exec {container} hostname`").format(container=container),
        )
    return fail(
        _("Your answer {answer!r} is not {container}'s hostname.").format(answer=answer, container=container),
        _("`docker exec {container} hostname` prints it").format(container=container),
    )


def _fact_pid1(ctx: CheckContext, answer: str, container: str) -> Outcome:
    if not ctx.require_container(container).running:
        return fail(
            _("Cannot look inside {container}: {diagnosis}").format(
                container=container, diagnosis=diagnosis(ctx, container)
            ),
            _("it must be running (`-d`)"),
        )
    result = ctx.client.containers.get(container).exec_run(["cat", "/proc/1/comm"], stdout=True, stderr=False)
    expected = result.output.decode(errors="replace").strip()
    names = {Path(t).name.lower() for t in tokens(answer)}
    if expected.lower() in names:
        return ok(
            _("PID 1 inside {container} is {program!r}: the container sees only its own processes.").format(
                container=container, program=expected
            )
        )
    host = host_pid1()
    if host and host.lower() in names:
        return fail(
            _("Your answer {answer!r} is PID 1 of the host, not PID 1 inside {container}.").format(
                answer=answer, container=container
            ),
            _("list the container's processes: `docker exec {container} ps`").format(container=container),
        )
    return fail(
        _("Your answer {answer!r} is not the program running as PID 1 inside {container}.").format(
            answer=answer, container=container
        ),
        _("`docker exec {container} ps` lists PID 1 first").format(container=container),
    )


def _fact_container_id(ctx: CheckContext, answer: str, container: str) -> Outcome:
    info = ctx.require_container(container)
    hexes = [
        t.lower().removeprefix("sha256:") for t in tokens(answer) if re.fullmatch(r"(sha256:)?[0-9a-fA-F]{12,64}", t)
    ]
    if any(info.id.startswith(h) for h in hexes):
        return ok(_("{id} is {container}'s ID.").format(id=info.id[:12], container=container))
    if any(info.image_id.removeprefix("sha256:").startswith(h) for h in hexes):
        return fail(
            _("Your answer {answer!r} is the ID of {container}'s image, not of the container.").format(
                answer=answer, container=container
            ),
            _("`docker ps` shows the CONTAINER ID in its first column"),
        )
    if not hexes:
        return fail(
            _("Your answer {answer!r} holds no container ID (12 or more hex digits).").format(answer=answer),
            _("copy the CONTAINER ID column of `docker ps`"),
        )
    return fail(
        _("Your answer {answer!r} is not {container}'s ID.").format(answer=answer, container=container),
        _("`docker ps` shows the CONTAINER ID in its first column"),
    )


FACTS: dict[str, Callable[[CheckContext, str, str], Outcome]] = {
    "kernel_version": _fact_kernel,
    "container_hostname": _fact_hostname,
    "pid1_command": _fact_pid1,
    "container_id": _fact_container_id,
}


@kind("answer_matches_fact", N_("what you recorded in {path} matches the daemon's {fact}"))
def answer_matches_fact(
    ctx: CheckContext, *, path: str, fact: str, container: str | None = None, key: str | None = None
) -> Outcome:
    """Compare a recorded answer with a fact the daemon (or an exec inside `container`) reports."""
    if fact not in FACTS:
        return fail(
            _("Unknown fact {fact!r}.").format(fact=fact), _("use one of: {facts}").format(facts=", ".join(FACTS))
        )
    return FACTS[fact](ctx, recorded(ctx, path, key), container or "?")


@kind("answer_matches_logs", N_("what you recorded in {path} matches the logs of {container}"))
def answer_matches_logs(
    ctx: CheckContext, *, path: str, container: str, pattern: str, key: str | None = None, wait: float = 0.0
) -> Outcome:
    """The answer must hold the value that `pattern`'s first group captures in the container's logs."""
    ctx.require_container(container)
    matches: list[Any] = []

    def printed() -> bool:
        nonlocal matches
        matches = re.findall(pattern, logs(ctx, container))
        return bool(matches)

    if not printed() and not (wait and poll(printed, wait)):
        return fail(
            _("The logs of {container} hold nothing matching {pattern!r}; did it run the right command?").format(
                container=container, pattern=pattern
            ),
            f"`docker logs {container}`",
        )
    expected = matches[-1] if isinstance(matches[-1], str) else matches[-1][0]
    answer = recorded(ctx, path, key)
    if token_match(answer, expected):
        return ok(_("{value!r}, as {container} printed.").format(value=expected, container=container))
    return fail(
        _("Your answer {answer!r} does not match what {container} printed.").format(answer=answer, container=container),
        _("read it again with `docker logs {container}` (re-running the setup makes a new one)").format(
            container=container
        ),
    )
