"""Check kinds for containers over time and for what a learner recorded about them.

Chapters on containers and on build-and-run need more than one inspect: a
restart leaves no trace in `RestartCount` (only the Engine's event stream
knows), a bind mount is only proven by a file that appears live over HTTP,
and an answer a learner wrote down is compared with the daemon's own facts.
"""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from checker.context import PROBE_INTERVAL, CheckContext, poll
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.containers import diagnosis, missing, parse_time, status_line
from checker.kinds.workspace import read_answer
from checker.labels import EXERCISE, course_labels

EVENT_LOOKBACK = 24 * 3600  # if a container's creation time cannot be read, search this far back
SIGNALS = {"15": "SIGTERM", "9": "SIGKILL", "2": "SIGINT", "1": "SIGHUP"}


# ---------------------------------------------------------------- recorded answers


def recorded(ctx: CheckContext, path: str, key: str | None) -> tuple[str | None, Outcome | None]:
    """The learner's answer: the whole file, or the value of a `key: value` (or `key = value`) line."""
    content = read_answer(ctx, path)
    if content is None:
        return None, fail(f"{path} does not exist yet.", "run the answer cell that writes it")
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
            return None, fail(f"{path} has no `{key}:` line.", f"write a line `{key}: YOUR ANSWER`")
    if not answer or "TODO" in answer.upper():
        what = f"`{key}:`" if key else "it"
        return None, fail(f"{path}: {what} is still empty or TODO.", "replace TODO with what you saw")
    return answer, None


def tokens(answer: str) -> list[str]:
    """Words of an answer without quotes or trailing punctuation, so `"12".` still reads as 12."""
    return [t.strip("\"'`.,;()[]") for t in answer.split()]


def token_match(answer: str, expected: str) -> bool:
    wanted = expected.strip().lower()
    return any(t.lower() == wanted for t in tokens(answer)) or answer.strip().strip("\"'").lower() == wanted


def exec_text(ctx: CheckContext, container: str, command: list[str]) -> str:
    result = ctx.client.containers.get(container).exec_run(command, stdout=True, stderr=False)
    return result.output.decode(errors="replace").strip()


def host_pid1() -> str | None:
    try:
        return Path("/proc/1/comm").read_text().strip()
    except OSError:
        return None


def _fact_kernel(ctx: CheckContext, answer: str, container: str | None) -> Outcome:
    expected = ctx.client.version().get("KernelVersion", "")
    if token_match(answer, expected):
        return ok(f"{expected}: the daemon's host kernel, shared by every container.")
    return fail(
        f"Your answer {answer!r} is not the kernel release that `uname -r` prints inside the container.",
        "run `docker exec NAME uname -r` and compare it with `uname -r` on the host",
    )


def _fact_hostname(ctx: CheckContext, answer: str, container: str | None) -> Outcome:
    info = ctx.container(container or "")
    if info is None:
        return missing(container or "?")
    expected = info["Config"].get("Hostname", "")
    host_name = ctx.client.info().get("Name", "")
    if token_match(answer, expected) or (len(answer) >= 12 and info["Id"].startswith(answer.lower()) and expected == info["Id"][:12]):
        return ok(f"{expected}: the container's own hostname (by default its short ID), not the host's.")
    if host_name and token_match(answer, host_name):
        return fail(
            f"Your answer {answer!r} is the host's hostname, not the container's: a container gets its own hostname.",
            f"ask the container itself: `docker exec {container} hostname`",
        )
    return fail(f"Your answer {answer!r} is not {container}'s hostname.", f"`docker exec {container} hostname` prints it")


def _fact_pid1(ctx: CheckContext, answer: str, container: str | None) -> Outcome:
    info = ctx.container(container or "")
    if info is None:
        return missing(container or "?")
    if not info["State"]["Running"]:
        return fail(f"Cannot look inside {container}: {diagnosis(ctx, container or '')}", "it must be running (`-d`)")
    expected = exec_text(ctx, container or "", ["cat", "/proc/1/comm"])
    names = {Path(t).name.lower() for t in tokens(answer)}
    if expected.lower() in names:
        return ok(f"PID 1 inside {container} is {expected!r}: the container sees only its own processes.")
    host = host_pid1()
    if host and host.lower() in names:
        return fail(
            f"Your answer {answer!r} is PID 1 of the host, not PID 1 inside {container}.",
            f"list the container's processes: `docker exec {container} ps`",
        )
    return fail(f"Your answer {answer!r} is not the program running as PID 1 inside {container}.", f"`docker exec {container} ps` lists PID 1 first")


def _fact_container_id(ctx: CheckContext, answer: str, container: str | None) -> Outcome:
    info = ctx.container(container or "")
    if info is None:
        return missing(container or "?")
    hexes = [t.lower() for t in tokens(answer) if re.fullmatch(r"(sha256:)?[0-9a-fA-F]{12,64}", t)]
    hexes = [h.removeprefix("sha256:") for h in hexes]
    if any(info["Id"].startswith(h) for h in hexes):
        return ok(f"{info['Id'][:12]} is {container}'s ID.")
    if any(info["Image"].removeprefix("sha256:").startswith(h) for h in hexes):
        return fail(f"Your answer {answer!r} is the ID of {container}'s image, not of the container.", "`docker ps` shows the CONTAINER ID in its first column")
    if not hexes:
        return fail(f"Your answer {answer!r} holds no container ID (12 or more hex digits).", "copy the CONTAINER ID column of `docker ps`")
    return fail(f"Your answer {answer!r} is not {container}'s ID.", "`docker ps` shows the CONTAINER ID in its first column")


FACTS = {
    "kernel_version": _fact_kernel,
    "container_hostname": _fact_hostname,
    "pid1_command": _fact_pid1,
    "container_id": _fact_container_id,
}


@kind("answer_matches_fact", "what you recorded in {path} matches the daemon's {fact}")
def answer_matches_fact(ctx: CheckContext, *, path: str, fact: str, container: str | None = None, key: str | None = None) -> Outcome:
    """Compare a recorded answer with a fact the daemon (or an exec inside `container`) reports."""
    if fact not in FACTS:
        return fail(f"Unknown fact {fact!r}.", f"use one of: {', '.join(FACTS)}")
    answer, problem = recorded(ctx, path, key)
    if problem:
        return problem
    return FACTS[fact](ctx, answer or "", container)


@kind("answer_matches_logs", "what you recorded in {path} matches the logs of {container}")
def answer_matches_logs(ctx: CheckContext, *, path: str, container: str, pattern: str, key: str | None = None, wait: float = 0.0) -> Outcome:
    """The answer must hold the value that `pattern`'s first group captures in the container's logs."""
    if ctx.container(container) is None:
        return missing(container)
    matches: list[Any] = []

    def printed() -> bool:
        nonlocal matches
        matches = re.findall(pattern, ctx.api.logs(container, stdout=True, stderr=True).decode(errors="replace"))
        return bool(matches)

    if not printed() and not (wait and poll(printed, wait)):
        return fail(f"The logs of {container} hold nothing matching {pattern!r}; did it run the right command?", f"`docker logs {container}`")
    expected = matches[-1] if isinstance(matches[-1], str) else matches[-1][0]
    answer, problem = recorded(ctx, path, key)
    if problem:
        return problem
    if token_match(answer or "", expected):
        return ok(f"{expected!r}, as {container} printed.")
    return fail(
        f"Your answer {answer!r} does not match what {container} printed.",
        f"read it again with `docker logs {container}` (re-running the setup makes a new one)",
    )


# ---------------------------------------------------------------- filesystem layers


@kind("writable_layer", "the writable layer of {container} and {path}", behaviour=True)
def writable_layer(ctx: CheckContext, *, container: str, path: str, present: bool = True) -> Outcome:
    """`docker diff`: what a container changed on top of its read-only image layers."""
    if ctx.container(container) is None:
        return missing(container)
    changes = ctx.api.diff(container) or []
    changed = {c["Path"] for c in changes if c.get("Kind") in (0, 1)}  # 0 changed, 1 added
    if present and path not in changed:
        shown = ", ".join(sorted(changed)[:8]) or "nothing"
        return fail(f"{path} is not in {container}'s writable layer (`docker diff {container}` shows: {shown}).", f"create it inside the container: `docker exec {container} …`")
    if not present and path in changed:
        return fail(f"{path} is in {container}'s writable layer too: each container has its own layer, so write it in one container only.", f"`docker rm -f {container}` and start it again")
    return ok(f"{path} {'is' if present else 'is not'} in {container}'s own layer.")


# ---------------------------------------------------------------- behaviour over HTTP


def _get(url: str) -> tuple[int | None, str]:
    import requests

    try:
        response = requests.get(url, timeout=2)
        return response.status_code, response.text
    except requests.RequestException as exc:
        return None, type(exc).__name__


@kind("image_serves_http", "a container from {image} answers HTTP on port {container_port}", behaviour=True)
def image_serves_http(ctx: CheckContext, *, image: str, container_port: int, path: str = "/", contains: str | None = None, timeout: float = 10.0) -> Outcome:
    """Run the image as the learner would (labelled, on a free host port), fetch `path`, remove it."""
    if ctx.image(image) is None:
        return fail(f"There is no image {image!r}.", f"build it first: `docker build -t {image} …`")
    labels = course_labels(ctx.exercise_id)
    labels["org.dockercourse.role"] = "probe"
    container = ctx.client.containers.create(image, labels=labels, ports={f"{container_port}/tcp": ("127.0.0.1", None)}, detach=True)
    try:
        container.start()
        container.reload()
        bindings = container.attrs["NetworkSettings"]["Ports"].get(f"{container_port}/tcp") or []
        if not bindings:
            return fail(f"A container from {image} could not publish port {container_port}.")
        url = f"http://127.0.0.1:{bindings[0]['HostPort']}{path}"
        last: tuple[int | None, str] = (None, "no answer")

        def answered() -> bool:
            nonlocal last
            last = _get(url)
            return last[0] == 200 and (contains is None or contains in last[1])

        if poll(answered, timeout, PROBE_INTERVAL):
            return ok("it answered 200" + (f" with {contains!r}." if contains else "."))
        container.reload()
        seen = f"it answered {last[0]}: {last[1].strip()[:120]!r}" if last[0] else f"no answer ({last[1]})"
        logs = container.logs(tail=5).decode(errors="replace").strip() or "(no output)"
        return fail(
            f"A container from {image} did not serve {path} on port {container_port} within {timeout:g} s: {seen}. "
            f"It is {status_line(container.attrs['State'])}; last log lines:\n{logs}",
            "check the Dockerfile's CMD and the port the server listens on",
        )
    finally:
        container.remove(force=True)


@kind("bind_mount_live", "a new file in the folder mounted at {destination} is served live on port {port}", behaviour=True)
def bind_mount_live(ctx: CheckContext, *, container: str, destination: str, port: int, timeout: float = 8.0) -> Outcome:
    """Write a fresh file into the host folder, fetch it through the published port, then remove it."""
    info = ctx.container(container)
    if info is None:
        return missing(container)
    mount = next((m for m in info.get("Mounts", []) if m["Destination"] == destination), None)
    if mount is None or mount["Type"] != "bind":
        return fail(f"No host folder is bind-mounted at {destination}, so a new file on the host cannot appear inside.", f'add `-v "$PWD/FOLDER":{destination}`')
    if not info["State"]["Running"]:
        return fail(f"It is not running: {diagnosis(ctx, container)}", "start it detached with `-d`")
    folder = Path(mount["Source"])
    name = f"course-live-{secrets.token_hex(4)}.txt"
    token = secrets.token_hex(8)
    probe = folder / name
    try:
        probe.write_text(token, encoding="utf-8")
    except OSError as exc:
        return fail(f"Could not write a test file into {folder}: {exc.strerror}.", "bind a folder you own, e.g. under workspace/")
    url = f"http://127.0.0.1:{port}/{name}"
    last: tuple[int | None, str] = (None, "no answer")
    try:

        def served() -> bool:
            nonlocal last
            last = _get(url)
            return last[0] == 200 and token in last[1]

        if poll(served, timeout, PROBE_INTERVAL):
            return ok(f"a file written just now into {folder} was served at {url}.")
    finally:
        probe.unlink(missing_ok=True)
    seen = f"it answered {last[0]}" if last[0] else f"no answer ({last[1]})"
    return fail(f"A file written just now into {folder} was not served at {url}: {seen}.", f"serve {destination} and publish the server's port on {port}")


# ---------------------------------------------------------------- the event stream


def _describe(event: dict[str, Any]) -> str:
    action = str(event.get("Action", "")).split(":", 1)[0]
    signal = (event.get("Actor", {}).get("Attributes") or {}).get("signal")
    return f"{action} ({SIGNALS.get(signal, 'signal ' + signal)})" if signal else action


def container_history(ctx: CheckContext, info: dict[str, Any]) -> list[dict[str, Any]]:
    """Events of this very container (by ID, so an earlier one with the same name does not count)."""
    now = time.time()
    created = parse_time(info["Created"])
    since = int(created.timestamp() if created else now - EVENT_LOOKBACK) - 1
    # A fractional `until` (the Engine accepts seconds.nanoseconds) ends the stream now instead of at the next whole second.
    events = ctx.client.events(since=since, until=f"{now:.6f}", filters={"container": info["Id"], "type": "container"}, decode=True)
    return list(events)


def _is_subsequence(wanted: list[str], actions: list[str]) -> tuple[bool, str | None]:
    position = 0
    for step in wanted:
        try:
            position = actions.index(step, position) + 1
        except ValueError:
            return False, step
    return True, None


@kind("container_events", "the Engine's events for {container} show {sequence}")
def container_events(ctx: CheckContext, *, container: str, sequence: list[str], absent: list[str] | None = None, explain: str = "", fix: str = "") -> Outcome:
    """Prove what happened to a container (restart, stop, kill) from the daemon's event stream."""
    info = ctx.container(container)
    if info is None:
        return missing(container)
    events = container_history(ctx, info)
    if not events:
        return fail(f"The daemon reports no events for {container}.", "`docker events --since 10m --filter container=NAME`")
    actions = [str(e.get("Action", "")).split(":", 1)[0] for e in events]
    seen = ", ".join(_describe(e) for e in events if not str(e.get("Action", "")).startswith("exec_"))
    found, lacking = _is_subsequence(sequence, actions)
    extra = f" {explain}" if explain else ""
    if not found:
        return fail(f"No `{lacking}` in the expected order {' → '.join(sequence)}; the daemon saw: {seen}.{extra}", fix or "`docker events --since 10m --filter container=NAME` shows the same stream")
    unwanted = [a for a in (absent or []) if a in actions]
    if unwanted:
        return fail(f"The daemon saw `{unwanted[0]}` but should not have; it saw: {seen}.{extra}", fix)
    return ok(f"the daemon saw: {seen}.")


# ---------------------------------------------------------------- cleaning up by label


@kind("no_labelled_containers", "no container labelled {label} is left")
def no_labelled_containers(ctx: CheckContext, *, label: str) -> Outcome:
    """Among this exercise's containers, none carries `label` any more (stopped and created ones count)."""
    left = ctx.api.containers(all=True, filters={"label": [label, f"{EXERCISE}={ctx.exercise_id}"]})
    if left:
        names = ", ".join(f"{c['Names'][0].lstrip('/')} ({c['State']})" for c in left)
        return fail(f"{len(left)} container(s) labelled {label} still exist: {names}.", f"`docker ps -a --filter label={label}` lists stopped ones too (`-a`)")
    return ok(f"none labelled {label} is left.")


@kind("image_tagged", "image {image} exists with that tag")
def image_tagged(ctx: CheckContext, *, image: str) -> Outcome:
    """Like image_exists, but says which tags of the same repository do exist (a wrong `-t`)."""
    info = ctx.image(image)
    if info is not None:
        return ok(f"found ({info['Id'][7:19]}).")
    repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    others = sorted(t for i in ctx.client.images.list(name=repository) for t in i.tags)
    if others:
        return fail(f"There is no image {image!r}; found {', '.join(others)} instead.", f"the tag goes after the colon: `-t {image}`")
    return fail(f"There is no image {image!r}.", f"build and tag it: `docker build -f … -t {image} FOLDER`; `docker images` lists yours")
