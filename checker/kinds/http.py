"""Check kinds that prove behaviour over HTTP through a published port, and the ports themselves."""

from __future__ import annotations

from checker.context import CheckContext
from checker.facts.http import answers_with, wait_for_http
from checker.facts.logs import diagnosis
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok


@kind("http_responds", N_("http://localhost:{port}{path} answers"), behaviour=True)
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
        answered = _("{url} answered {status} with {contains!r}.") if contains else _("{url} answered {status}.")
        return ok(answered.format(url=url, status=polled.last.status, contains=contains))
    why = ""
    if container:
        why = " " + _("Container {container}: {diagnosis}").format(
            container=container, diagnosis=diagnosis(ctx, container)
        )
    wanted = _("{status} with {contains!r}").format(status=status, contains=contains) if contains else f"{status}"
    return fail(
        _("{url} did not answer {wanted} within {timeout:g} s: {seen}.").format(
            url=url, wanted=wanted, timeout=timeout, seen=polled.seen()
        )
        + why,
        _("is the port published (`-p {port}:…`) and the server listening on 0.0.0.0?").format(port=port),
    )


@kind("port_publishes", N_("container {container} publishes container port {container_port} on host port {host_port}"))
def port_publishes(
    ctx: CheckContext, *, container: str, container_port: int, host_port: int, protocol: str = "tcp"
) -> Outcome:
    info = ctx.require_container(container)
    key = f"{container_port}/{protocol}"
    host_ports = info.host_ports(container_port, protocol)
    if host_port in host_ports:
        return ok(
            _("host port {host_port} → container port {container_port}.").format(
                host_port=host_port, container_port=container_port
            )
        )
    bindings = info.port_bindings.get(key) or []
    published = {k: [b.get("HostPort") for b in (v or [])] for k, v in info.port_bindings.items()}
    flip = _("use `-p {host_port}:{container_port}` (HOST:CONTAINER, host first)").format(
        host_port=host_port, container_port=container_port
    )
    if host_ports:
        random_port = bindings and not any(b.get("HostPort") for b in bindings)
        elsewhere = (
            _(
                "Container port {container_port} is published on host port(s) {host_ports}, not {host_port} "
                "(`-p CONTAINER` alone lets Docker pick a random host port)."
            )
            if random_port
            else _("Container port {container_port} is published on host port(s) {host_ports}, not {host_port}.")
        )
        return fail(elsewhere.format(container_port=container_port, host_ports=host_ports, host_port=host_port), flip)
    if published:
        return fail(
            _("Container port {container_port} is not published; published: {published}.").format(
                container_port=container_port, published=published
            ),
            flip,
        )
    return fail(
        _("No port is published."),
        _("add `-p {host_port}:{container_port}`; EXPOSE alone publishes nothing").format(
            host_port=host_port, container_port=container_port
        ),
    )
