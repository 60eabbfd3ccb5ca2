"""Check kinds about Docker networks: what exists, who is attached, and what can reach what.

State comes from `docker network inspect` / `docker inspect` (checker.facts);
behaviour is proved from inside the daemon, by exec in a container or by a
labelled probe container on the network (checker.facts.reach).
"""

from __future__ import annotations

import re

from checker.context import CheckContext, missing_network
from checker.facts.logs import diagnosis
from checker.facts.networks import interface_names
from checker.facts.reach import reach_from_container, reach_from_probe
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.workspace import require_answer
from checker.probes import exec_in


@kind("network_exists", N_("network {network} exists"))
def network_exists(
    ctx: CheckContext, *, network: str, driver: str | None = None, labels: dict[str, str] | None = None, why: str = ""
) -> Outcome:
    info = ctx.network(network)
    if info is None:
        outcome = missing_network(network)
        return fail(outcome.message + (" " + _(why) if why else ""), outcome.hint)  # `why` comes from the chapter
    if driver and info.driver != driver:
        return fail(
            _("{network!r} uses the {actual!r} driver, expected {driver!r}.").format(
                network=network, actual=info.driver, driver=driver
            ),
            _("remove it and create it again with `--driver {driver}` (bridge is the default)").format(driver=driver),
        )
    actual = info.labels
    for key, value in (labels or {}).items():
        if actual.get(key) != value:
            seen = f"{key}={actual[key]}" if key in actual else _("no such label")
            return fail(
                _("{network!r} lacks the label {label} ({seen}).").format(
                    network=network, label=f"{key}={value}", seen=seen
                ),
                _("labels are set at creation: `{command}`").format(
                    command=f"docker network create --label {key}={value} {network}"
                ),
            )
    return ok(
        _("found (driver {driver}, subnet {subnets}).").format(
            driver=info.driver, subnets=", ".join(info.subnets) or _("none")
        )
    )


@kind("network_absent", N_("network {network} is gone"))
def network_absent(ctx: CheckContext, *, network: str) -> Outcome:
    info = ctx.network(network)
    if info is not None:
        users = info.container_names
        still = " " + _("It is still used by: {containers}.").format(containers=", ".join(users)) if users else ""
        return fail(
            _("The network {network!r} still exists.").format(network=network) + still,
            _("`docker network rm {network}` (or a prune whose label filter matches it)").format(network=network),
        )
    return ok(_("it no longer exists."))


@kind("network_has_container", N_("container {container} is attached to network {network}"))
def network_has_container(ctx: CheckContext, *, network: str, container: str) -> Outcome:
    ctx.require_network(network)
    info = ctx.require_container(container)
    networks = info.networks
    if network not in networks:
        mode = info.network_mode or None
        on = ", ".join(networks) or _("no network (mode {mode})").format(mode=mode)
        return fail(
            _("{container!r} is not attached to {network!r}; it is on: {on}.").format(
                container=container, network=network, on=on
            ),
            _("`docker network connect {network} {container}` attaches a running container").format(
                network=network, container=container
            ),
        )
    return ok(_("attached, IP {address}.").format(address=networks[network].get("IPAddress") or "?"))


@kind("network_lacks_container", N_("container {container} is not attached to network {network}"))
def network_lacks_container(ctx: CheckContext, *, network: str, container: str) -> Outcome:
    info = ctx.require_container(container)
    if network in info.networks:
        return fail(
            _("{container!r} is still attached to {network!r}.").format(container=container, network=network),
            f"`docker network disconnect {network} {container}`",
        )
    return ok(_("not attached (it is on: {networks}).").format(networks=", ".join(info.networks) or _("nothing")))


@kind("network_ip_recorded", N_("{path} holds the IP address of {container} on {network}"))
def network_ip_recorded(ctx: CheckContext, *, network: str, container: str, path: str) -> Outcome:
    """The learner read an address with `docker network inspect`: it must match the live one."""
    info = ctx.require_container(container)
    endpoint = info.networks.get(network)
    if endpoint is None:
        return fail(
            _("{container!r} is not attached to {network!r}, so it has no address there.").format(
                container=container, network=network
            ),
            _("run it with `--network {network}`").format(network=network),
        )
    answer = require_answer(ctx, path).strip()
    actual = endpoint.get("IPAddress", "")
    if answer != actual:
        other = [n for n, e in info.networks.items() if e.get("IPAddress") == answer]
        why = " " + _("That is its address on {network!r}.").format(network=other[0]) if other else ""
        shown = answer if re.fullmatch(r"[0-9.]{7,15}", answer) else answer[:60] + ("…" if len(answer) > 60 else "")
        return fail(
            _("{path} says {answer!r}, but {container!r} has {address} on {network!r}.").format(
                path=path, answer=shown, container=container, address=actual, network=network
            )
            + why,
            _(
                "`docker network inspect {network}` lists each attached container with its IPv4Address (drop the "
                "/prefix)"
            ).format(network=network),
        )
    return ok(f"{actual}.")


@kind("network_mode", N_("container {container} uses network mode {mode}"))
def network_mode(ctx: CheckContext, *, container: str, mode: str) -> Outcome:
    info = ctx.require_container(container)
    actual = info.network_mode or "default"
    if actual != mode:
        published = sorted(info.port_bindings)
        if published:
            message = _("{container!r} uses network mode {actual!r} and publishes {ports}, not {mode!r}.")
        else:
            message = _("{container!r} uses network mode {actual!r}, not {mode!r}.")
        return fail(
            message.format(container=container, actual=actual, ports=", ".join(published), mode=mode),
            _("create it with `--network {mode}`").format(mode=mode),
        )
    return ok(f"{mode}.")


@kind("network_interfaces", N_("container {container} has exactly the interfaces {interfaces}"))
def network_interfaces(ctx: CheckContext, *, container: str, interfaces: list[str]) -> Outcome:
    if not ctx.require_container(container).running:
        return fail(
            _("Cannot look inside {container!r}: {diagnosis}").format(
                container=container, diagnosis=diagnosis(ctx, container)
            ),
            _("it must be running (give it a long command such as `sleep 3600`)"),
        )
    result = exec_in(ctx, container, ["cat", "/proc/net/dev"], timeout=5)
    names = interface_names(result.output)
    if names != sorted(interfaces):
        return fail(
            _("{container!r} has the interfaces {names}, expected exactly {expected}.").format(
                container=container, names=names, expected=sorted(interfaces)
            ),
            _("the network decides the interfaces: `--network none` leaves only the loopback `lo`"),
        )
    return ok(f"{', '.join(names)}.")


# ---------------------------------------------------------------- behaviour


@kind("network_can_reach", N_("from {container}, {host}:{port} is reachable: {reach}"), behaviour=True)
def network_can_reach(
    ctx: CheckContext, *, container: str, host: str, port: int, reach: bool = True, path: str = "/", settle: float = 4.0
) -> Outcome:
    """Prove (or disprove) a connection from inside a running container, by name or address."""
    if not ctx.require_container(container).running:
        return fail(
            _("Cannot test from {container!r}: {diagnosis}").format(
                container=container, diagnosis=diagnosis(ctx, container)
            ),
            _("it must be running"),
        )
    seen = reach_from_container(ctx, container, host, port, path, settle=settle if reach else 0.0)
    if seen.reached == reach:
        if reach:
            return ok(_("{host}:{port} answered.").format(host=host, port=port))
        return ok(_("{host}:{port} is not reachable: {reason}.").format(host=host, port=port, reason=seen.reason))
    if reach:
        return fail(
            _("From {container!r}, {host}:{port} is not reachable: {reason}.").format(
                container=container, host=host, port=port, reason=seen.reason
            ),
            _(
                "containers find each other by name only on a shared user-defined network: `docker network connect "
                "NET CONTAINER`"
            ),
        )
    return fail(
        _("From {container!r}, {host}:{port} answered, but it must not be reachable.").format(
            container=container, host=host, port=port
        ),
        _("take one of them off the network they share (`docker network disconnect`)"),
    )


@kind("network_name_resolves", N_("on network {network}, the name {container} resolves: {resolves}"), behaviour=True)
def network_name_resolves(
    ctx: CheckContext, *, network: str, container: str, port: int, resolves: bool = True, path: str = "/"
) -> Outcome:
    """A probe on `network` tries `container` by address, then by name.

    The address must always answer: that shows the network itself connects, so a
    name that does not resolve is a fact about DNS, not a broken server.
    """
    endpoint = ctx.require_container(container).networks.get(network)
    if endpoint is None or not endpoint.get("IPAddress"):
        return fail(
            _("{container!r} is not attached to {network!r}.").format(container=container, network=network),
            _("attach it: `docker network connect {network} {container}`").format(network=network, container=container),
        )
    address = endpoint["IPAddress"]
    by_address, by_name = reach_from_probe(ctx, network, [address, container], port, path)
    if not by_address.reached:
        return fail(
            _("On {network!r}, {container!r} does not answer even by its address {address}: {reason}.").format(
                network=network, container=container, address=address, reason=by_address.reason
            )
            + f" {diagnosis(ctx, container)}",
            _("is its server running and listening on that port?"),
        )
    if by_name.reached == resolves:
        if resolves:
            return ok(
                _("by address {address} and by name {container!r}: both answered.").format(
                    address=address, container=container
                )
            )
        return ok(
            _("by address {address} it answered; by name: {reason}.").format(address=address, reason=by_name.reason)
        )
    if resolves:
        return fail(
            _("On {network!r}, {container!r} answers at {address} but not by name: {reason}.").format(
                network=network, container=container, address=address, reason=by_name.reason
            ),
            _("only user-defined networks have Docker's DNS for container names; the default `bridge` does not"),
        )
    return fail(
        _(
            "On {network!r}, the name {container!r} resolved and answered, but this network should have no DNS for "
            "names."
        ).format(network=network, container=container),
        _("use the default `bridge` network here"),
    )
