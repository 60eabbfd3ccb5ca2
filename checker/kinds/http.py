"""Check kinds that prove behaviour over HTTP through a published port."""
from __future__ import annotations

import time

from checker.context import PROBE_INTERVAL, CheckContext
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.containers import diagnosis


def _still_running(ctx: CheckContext, container: str) -> bool:
    ctx.refresh()
    info = ctx.container(container)
    return bool(info and info["State"]["Running"])


@kind("http_responds", "http://localhost:{port}{path} answers", behaviour=True)
def http_responds(
    ctx: CheckContext,
    *,
    port: int,
    path: str = "/",
    contains: str | None = None,
    status: int = 200,
    timeout: float = 10.0,
    container: str | None = None,
    host: str = "127.0.0.1",
) -> Outcome:
    """Poll until the URL answers as expected; on timeout, say what was seen and the container's state."""
    import requests

    url = f"http://{host}:{port}{path}"
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        if container is not None and not _still_running(ctx, container):
            break  # waiting longer cannot help: say why now
        try:
            response = requests.get(url, timeout=2)
            body = response.text
            if response.status_code == status and (contains is None or contains in body):
                return ok(f"{url} answered {response.status_code}" + (f" with {contains!r}." if contains else "."))
            last = f"it answered {response.status_code}: {body.strip()[:200]!r}"
        except requests.RequestException as exc:
            last = f"no answer ({type(exc).__name__})"
        if time.monotonic() >= deadline:
            break
        time.sleep(PROBE_INTERVAL)
    why = f" Container {container}: {diagnosis(ctx, container)}" if container else ""
    wanted = f"{status}" + (f" with {contains!r}" if contains else "")
    return fail(f"{url} did not answer {wanted} within {timeout:g} s: {last}.{why}", f"is the port published (`-p {port}:…`) and the server listening on 0.0.0.0?")
