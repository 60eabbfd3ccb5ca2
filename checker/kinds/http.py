"""Check kinds that prove behaviour over HTTP through a published port, and the ports themselves."""

from __future__ import annotations

from checker.context import CheckContext
from checker.facts.http import answers_with, wait_for_http
from checker.facts.logs import diagnosis
from checker.kinds import Outcome, fail, kind, ok


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
    url = f"http://{host}:{port}{path}"
    watch = (lambda: ctx.fresh_container(container)) if container is not None else None
    polled = wait_for_http(url, timeout=timeout, accept=answers_with(status, contains), watch=watch)
    if polled.ok:
        return ok(f"{url} answered {polled.last.status}" + (f" with {contains!r}." if contains else "."))
    why = f" Container {container}: {diagnosis(ctx, container)}" if container else ""
    wanted = f"{status}" + (f" with {contains!r}" if contains else "")
    return fail(
        f"{url} did not answer {wanted} within {timeout:g} s: {polled.seen()}.{why}",
        f"is the port published (`-p {port}:…`) and the server listening on 0.0.0.0?",
    )


@kind("port_publishes", "container {container} publishes container port {container_port} on host port {host_port}")
def port_publishes(
    ctx: CheckContext, *, container: str, container_port: int, host_port: int, protocol: str = "tcp"
) -> Outcome:
    info = ctx.require_container(container)
    key = f"{container_port}/{protocol}"
    host_ports = info.host_ports(container_port, protocol)
    if host_port in host_ports:
        return ok(f"host port {host_port} → container port {container_port}.")
    bindings = info.port_bindings.get(key) or []
    published = {k: [b.get("HostPort") for b in (v or [])] for k, v in info.port_bindings.items()}
    flip = f"use `-p {host_port}:{container_port}` (HOST:CONTAINER, host first)"
    if host_ports:
        chosen = (
            " (`-p CONTAINER` alone lets Docker pick a random host port)"
            if bindings and not any(b.get("HostPort") for b in bindings)
            else ""
        )
        return fail(
            f"Container port {container_port} is published on host port(s) {host_ports}, not {host_port}{chosen}.", flip
        )
    if published:
        return fail(f"Container port {container_port} is not published; published: {published}.", flip)
    return fail("No port is published.", f"add `-p {host_port}:{container_port}`; EXPOSE alone publishes nothing")
