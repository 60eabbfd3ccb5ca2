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
from checker.kinds import Outcome, fail, kind, ok
from checker.outcome import Unmet

WRITE_IT = "run the answer cell that writes it"
WRITE_FILE = "run the answer cell that writes it (`%%writefile …`)"


def read_answer(ctx: CheckContext, path: str) -> str | None:
    target = ctx.path(path)
    return target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None


def require_answer(ctx: CheckContext, path: str, hint: str = WRITE_IT) -> str:
    """The file's text, or end the check: it does not exist yet."""
    content = read_answer(ctx, path)
    if content is None:
        raise Unmet(fail(f"{path} does not exist yet.", hint))
    return content


@kind("file_exists", "{path} exists")
def file_exists(ctx: CheckContext, *, path: str) -> Outcome:
    require_answer(ctx, path, WRITE_FILE)
    return ok("found.")


@kind("file_contains", "{path} contains {text!r}")
def file_contains(ctx: CheckContext, *, path: str, text: str) -> Outcome:
    if text not in require_answer(ctx, path, WRITE_FILE):
        return fail(f"{path} does not contain {text!r}.")
    return ok("found.")


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
            raise Unmet(fail(f"{path} has no `{key}:` line.", f"write a line `{key}: YOUR ANSWER`"))
    if not answer or "TODO" in answer.upper():
        what = f"`{key}:`" if key else "it"
        raise Unmet(fail(f"{path}: {what} is still empty or TODO.", "replace TODO with what you saw"))
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
        return ok(f"{expected}: the daemon's host kernel, shared by every container.")
    return fail(
        f"Your answer {answer!r} is not the kernel release that `uname -r` prints inside the container.",
        "run `docker exec NAME uname -r` and compare it with `uname -r` on the host",
    )


def _fact_hostname(ctx: CheckContext, answer: str, container: str) -> Outcome:
    info = ctx.require_container(container)
    expected = info.hostname
    host_name = ctx.client.info().get("Name", "")
    if token_match(answer, expected) or (
        len(answer) >= 12 and info.id.startswith(answer.lower()) and expected == info.id[:12]
    ):
        return ok(f"{expected}: the container's own hostname (by default its short ID), not the host's.")
    if host_name and token_match(answer, host_name):
        return fail(
            f"Your answer {answer!r} is the host's hostname, not the container's: a container gets its own hostname.",
            f"ask the container itself: `docker exec {container} hostname`",
        )
    return fail(
        f"Your answer {answer!r} is not {container}'s hostname.", f"`docker exec {container} hostname` prints it"
    )


def _fact_pid1(ctx: CheckContext, answer: str, container: str) -> Outcome:
    if not ctx.require_container(container).running:
        return fail(f"Cannot look inside {container}: {diagnosis(ctx, container)}", "it must be running (`-d`)")
    result = ctx.client.containers.get(container).exec_run(["cat", "/proc/1/comm"], stdout=True, stderr=False)
    expected = result.output.decode(errors="replace").strip()
    names = {Path(t).name.lower() for t in tokens(answer)}
    if expected.lower() in names:
        return ok(f"PID 1 inside {container} is {expected!r}: the container sees only its own processes.")
    host = host_pid1()
    if host and host.lower() in names:
        return fail(
            f"Your answer {answer!r} is PID 1 of the host, not PID 1 inside {container}.",
            f"list the container's processes: `docker exec {container} ps`",
        )
    return fail(
        f"Your answer {answer!r} is not the program running as PID 1 inside {container}.",
        f"`docker exec {container} ps` lists PID 1 first",
    )


def _fact_container_id(ctx: CheckContext, answer: str, container: str) -> Outcome:
    info = ctx.require_container(container)
    hexes = [
        t.lower().removeprefix("sha256:") for t in tokens(answer) if re.fullmatch(r"(sha256:)?[0-9a-fA-F]{12,64}", t)
    ]
    if any(info.id.startswith(h) for h in hexes):
        return ok(f"{info.id[:12]} is {container}'s ID.")
    if any(info.image_id.removeprefix("sha256:").startswith(h) for h in hexes):
        return fail(
            f"Your answer {answer!r} is the ID of {container}'s image, not of the container.",
            "`docker ps` shows the CONTAINER ID in its first column",
        )
    if not hexes:
        return fail(
            f"Your answer {answer!r} holds no container ID (12 or more hex digits).",
            "copy the CONTAINER ID column of `docker ps`",
        )
    return fail(
        f"Your answer {answer!r} is not {container}'s ID.", "`docker ps` shows the CONTAINER ID in its first column"
    )


FACTS: dict[str, Callable[[CheckContext, str, str], Outcome]] = {
    "kernel_version": _fact_kernel,
    "container_hostname": _fact_hostname,
    "pid1_command": _fact_pid1,
    "container_id": _fact_container_id,
}


@kind("answer_matches_fact", "what you recorded in {path} matches the daemon's {fact}")
def answer_matches_fact(
    ctx: CheckContext, *, path: str, fact: str, container: str | None = None, key: str | None = None
) -> Outcome:
    """Compare a recorded answer with a fact the daemon (or an exec inside `container`) reports."""
    if fact not in FACTS:
        return fail(f"Unknown fact {fact!r}.", f"use one of: {', '.join(FACTS)}")
    return FACTS[fact](ctx, recorded(ctx, path, key), container or "?")


@kind("answer_matches_logs", "what you recorded in {path} matches the logs of {container}")
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
            f"The logs of {container} hold nothing matching {pattern!r}; did it run the right command?",
            f"`docker logs {container}`",
        )
    expected = matches[-1] if isinstance(matches[-1], str) else matches[-1][0]
    answer = recorded(ctx, path, key)
    if token_match(answer, expected):
        return ok(f"{expected!r}, as {container} printed.")
    return fail(
        f"Your answer {answer!r} does not match what {container} printed.",
        f"read it again with `docker logs {container}` (re-running the setup makes a new one)",
    )
