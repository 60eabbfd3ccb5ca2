"""Check kinds about the services of a Compose project together: all of them up, and data kept in a named volume.

Split from checker.kinds.compose_services (one service at a time), which keeps `not_up`, the one
"the project has no containers" message every Compose kind returns.
"""

from __future__ import annotations

import time
import uuid

from checker.context import CheckContext, poll
from checker.facts.containers import Container
from checker.facts.logs import diagnosis
from checker.facts.services import project_containers
from checker.facts.times import seconds_since
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.compose_services import not_up
from checker.kinds.mounts import require_mount, volume_words
from checker.probes import exec_in, run_probe


def _settle(containers: list[Container], settle: float) -> None:
    """Wait until the project's youngest container has run `settle` s: a crash at start shows by then."""
    ages = [seconds_since(c.state.get("StartedAt")) for c in containers if c.running]
    known = [age for age in ages if age is not None]
    if known and min(known) < settle:
        time.sleep(settle - max(min(known), 0.0))


@kind("project_services_up", N_("Compose project {project} runs services {services}"))
def project_services_up(
    ctx: CheckContext,
    *,
    project: str,
    services: list[str],
    service_images: dict[str, str] | None = None,
    wait: float = 10.0,
    settle: float = 2.0,
) -> Outcome:
    """Every listed service has a running container (polled, and up for `settle` s), from the image it should run."""

    def states() -> dict[str, str]:
        found = {}
        for name in services:
            containers = ctx.service(project, name).containers
            found[name] = (
                "running"
                if any(c.up for c in containers)
                else (containers[-1].status_line if containers else N_("missing"))
            )
        return found

    if not all(v == "running" for v in states().values()):
        poll(lambda: all(v == "running" for v in states().values()), wait)
    _settle(project_containers(ctx.api, project), settle)
    seen = states()
    if not project_containers(ctx.api, project):
        return not_up(project)
    down = {s: v for s, v in seen.items() if v != "running"}
    if down:
        detail = "; ".join(
            _("{service} is {state}").format(service=s, state=_(v) if v == "missing" else v) for s, v in down.items()
        )
        first = ctx.service(project, next(iter(down))).container
        more = "\n" + diagnosis(ctx, first.name) if first else ""
        return fail(
            _("Not every service is up: {detail}.").format(detail=detail) + more,
            _(
                "each service needs an entry under `services:`; `docker compose ps -a` and "
                "`docker compose logs SERVICE` say why one stopped"
            ),
        )
    for name, wanted in (service_images or {}).items():
        image = ctx.image(wanted)
        container = ctx.service(project, name).container
        if container and (image is None or container.image_id != image.id):
            return fail(
                _("Service {name} runs {actual!r}, not the image {wanted!r}.").format(
                    name=name, actual=container.image_name, wanted=wanted
                ),
                _("give the service `build: .` and `image: {wanted}` so Compose builds and names it").format(
                    wanted=wanted
                ),
            )
    return ok(_("{services} are running.").format(services=", ".join(services)))


@kind(
    "project_volume_keeps_data", N_("service {service} of {project} keeps {destination} in the named volume {volume}")
)
def project_volume_keeps_data(
    ctx: CheckContext, *, project: str, service: str, volume: str, destination: str
) -> Outcome:
    """Named volume at `destination`, and data written there is seen by a new container: it outlives a recreate."""
    found = ctx.service(project, service)
    container = found.container
    if container is None:
        return (
            not_up(project)
            if not found.others
            else fail(
                _("Project {project} has no service {service!r}.").format(project=project, service=service),
                _("add `{service}:` under `services:`").format(service=service),
            )
        )
    fix = _(
        "declare `volumes: {{{volume}: {{}}}}` at the top level "
        "and mount it with `- {volume}:{destination}` under the service"
    ).format(volume=volume, destination=destination)
    mount = require_mount(container, destination, fix, _(" in {name}").format(name=service))
    if mount.type == "bind":
        return fail(
            _("{destination} in {service} is a bind mount of {source}, not a named volume that Docker manages.").format(
                destination=destination, service=service, source=mount.source
            ),
            fix,
        )
    stored = ctx.volume(mount.name)
    if stored is None or stored.compose_volume != volume:
        return fail(
            _("{destination} in {service} is {what}, not the named volume {volume!r}.").format(
                destination=destination, service=service, what=volume_words(mount), volume=volume
            ),
            fix,
        )
    if not container.running:
        return fail(
            _("Cannot write into {service}: {diagnosis}").format(
                service=service, diagnosis=diagnosis(ctx, container.name)
            ),
            _("the service must be running"),
        )
    token = uuid.uuid4().hex[:12]
    marker = f".course-volume-check-{token}"
    wrote = exec_in(ctx, container.name, f"printf %s {token} > {destination}/{marker}")
    if wrote.exit_code != 0:
        return fail(
            _("Could not write into {destination} inside {service}: {output}").format(
                destination=destination, service=service, output=wrote.output.strip()[-200:]
            ),
            _("is the mount read-only?"),
        )
    try:
        probe = run_probe(
            ctx, ["cat", f"/probe/{marker}"], volumes={mount.name: {"bind": "/probe", "mode": "ro"}}, timeout=15
        )
    finally:
        exec_in(ctx, container.name, f"rm -f {destination}/{marker}")
    if probe.exit_code != 0 or token not in probe.output:
        return fail(
            _(
                "A new container on volume {volume} did not see what {service} wrote to {destination}: {output!r}."
            ).format(volume=mount.name, service=service, destination=destination, output=probe.output.strip()[-200:]),
            fix,
        )
    return ok(
        _("{destination} lives in {volume}; a new container reads what {service} wrote.").format(
            destination=destination, volume=mount.name, service=service
        )
    )
