"""Check kinds for shipping: what a registry holds (its own v2 HTTP API) and what a pull left behind.

The registry is asked directly (`/v2/`, `/v2/_catalog`, `/v2/NAME/tags/list`,
`/v2/NAME/manifests/TAG`) so a check never trusts what the learner printed.
A pushed image is the same image when the manifest's digest is in the local
image's RepoDigests and the manifest's config digest is the local image id.
A pull is proven by state, not by output: the daemon marks an image that came
from a pull with a zero LastTagTime, and the registry logs the download of
the image's config blob, which only happens when the image was not on the
machine any more.

The second half holds the kinds the shipping capstone grades a Compose
project with (services up, a shared user-defined network, a named volume
whose data outlives the container). They find containers by Compose labels.
"""
from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from checker.compose_project import project_containers
from checker.context import CheckContext, poll
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.containers import diagnosis, missing, seconds_since, status_line
from checker.probes import exec_in, run_probe

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)
ZERO_TIME = "0001-01-01T00:00:00Z"
PUSH_HINT = "tag it with the registry's address (`docker tag IMAGE localhost:{port}/{repository}:{tag}`), then `docker push localhost:{port}/{repository}:{tag}`"


# ---------------------------------------------------------------- the registry's HTTP API


@dataclass(frozen=True)
class Answer:
    """One registry request: the response, or why there was none."""

    status: int | None
    headers: dict[str, str]
    body: Any
    problem: str = ""


def registry_get(port: int, path: str, *, host: str = "127.0.0.1", accept: str | None = None, timeout: float = 5.0) -> Answer:
    """GET a registry API path; never raises (a learner's registry may be down, or not a registry)."""
    import requests

    url = f"http://{host}:{port}{path}"
    try:
        response = requests.get(url, headers={"Accept": accept} if accept else {}, timeout=timeout, proxies={"http": "", "https": ""})
    except requests.RequestException as exc:
        return Answer(None, {}, None, f"nothing answers at {url} ({type(exc).__name__})")
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return Answer(response.status_code, dict(response.headers), body)


def is_registry(answer: Answer) -> bool:
    return answer.status == 200 and answer.headers.get("Docker-Distribution-Api-Version", "").startswith("registry/2")


def catalog(port: int, host: str = "127.0.0.1") -> tuple[list[str] | None, str]:
    answer = registry_get(port, "/v2/_catalog", host=host)
    if answer.status != 200 or not isinstance(answer.body, dict):
        return None, answer.problem or f"/v2/_catalog answered {answer.status}"
    return list(answer.body.get("repositories") or []), ""


def tags(port: int, repository: str, host: str = "127.0.0.1") -> tuple[list[str] | None, str]:
    answer = registry_get(port, f"/v2/{repository}/tags/list", host=host)
    if answer.status == 404:
        return [], ""
    if answer.status != 200 or not isinstance(answer.body, dict):
        return None, answer.problem or f"/v2/{repository}/tags/list answered {answer.status}"
    return list(answer.body.get("tags") or []), ""


@dataclass(frozen=True)
class Manifest:
    digest: str  # Docker-Content-Digest: what `docker push` prints and RepoDigests records
    config_digest: str | None  # the image id of the image it describes


def manifest(port: int, repository: str, tag: str, host: str = "127.0.0.1") -> tuple[Manifest | None, str]:
    """The manifest digest of repository:tag as the registry serves it, or why there is none."""
    answer = registry_get(port, f"/v2/{repository}/manifests/{tag}", host=host, accept=MANIFEST_TYPES)
    if answer.problem:
        return None, answer.problem
    if answer.status == 404:
        found, _ = tags(port, repository, host)
        if not found:
            return None, f"the registry has no repository {repository!r}"
        return None, f"{repository!r} has tags {sorted(found)}, not {tag!r}"
    digest = answer.headers.get("Docker-Content-Digest")
    if answer.status != 200 or not digest:
        return None, f"the manifest request answered {answer.status} without a Docker-Content-Digest header"
    config = (answer.body.get("config") or {}).get("digest") if isinstance(answer.body, dict) else None
    return Manifest(digest, config), ""


def registry_address(port: int, address: str | None) -> str:
    """How the daemon names the registry in tags and RepoDigests."""
    return address or f"localhost:{port}"


def unreachable(port: int, problem: str) -> Outcome:
    return fail(
        f"The registry on port {port} did not answer: {problem}.",
        f"is the registry container running with `-p {port}:5000`? `docker ps` shows it; run the exercise's setup cell again if it was started there",
    )


@kind("registry_answers", "a registry answers the v2 API on port {port}")
def registry_answers(ctx: CheckContext, *, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> Outcome:
    """Poll `/v2/` until a registry answers (it needs a moment after `docker run`)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = registry_get(port, "/v2/", host=host, timeout=2)
        if is_registry(answer):
            return ok(f"http://{host}:{port}/v2/ answered 200 ({answer.headers['Docker-Distribution-Api-Version']}).")
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    if answer.status is None:
        return unreachable(port, answer.problem)
    return fail(
        f"Something answers on port {port}, but not the registry v2 API: /v2/ answered {answer.status} without a registry/2.0 header.",
        "publish the registry's port 5000 (`-p 5000:5000`); another server holds this port",
    )


@kind("registry_has_repository", "the registry on port {port} lists repository {repository}")
def registry_has_repository(ctx: CheckContext, *, port: int, repository: str, host: str = "127.0.0.1") -> Outcome:
    repositories, problem = catalog(port, host)
    if repositories is None:
        return unreachable(port, problem)
    if repository not in repositories:
        held = ", ".join(repr(r) for r in repositories) or "nothing yet"
        return fail(
            f"The registry's catalog has no {repository!r} (it holds: {held}). A tag alone stays on your machine; only `docker push` uploads.",
            PUSH_HINT.format(port=port, repository=repository, tag="TAG"),
        )
    return ok(f"/v2/_catalog lists {repository!r}.")


@kind("registry_has_tag", "{repository} in the registry on port {port} has tag {tag}")
def registry_has_tag(ctx: CheckContext, *, port: int, repository: str, tag: str, host: str = "127.0.0.1") -> Outcome:
    found, problem = tags(port, repository, host)
    if found is None:
        return unreachable(port, problem)
    if tag not in found:
        if not found:
            return fail(f"The registry has no repository {repository!r} yet.", PUSH_HINT.format(port=port, repository=repository, tag=tag))
        return fail(
            f"{repository!r} has tags {sorted(found)}, not {tag!r}. A name without `:TAG` means `:latest`.",
            PUSH_HINT.format(port=port, repository=repository, tag=tag),
        )
    return ok(f"tags: {sorted(found)}.")


@kind("registry_digest_matches", "the registry's {repository}:{tag} is your local image {image} (same digest)")
def registry_digest_matches(
    ctx: CheckContext, *, port: int, repository: str, tag: str, image: str, address: str | None = None, host: str = "127.0.0.1"
) -> Outcome:
    """Same image on both sides: manifest digest in RepoDigests, and config digest equal to the image id."""
    served, problem = manifest(port, repository, tag, host)
    if served is None:
        if problem.startswith("nothing answers"):
            return unreachable(port, problem)
        return fail(f"Nothing to compare: {problem}.", PUSH_HINT.format(port=port, repository=repository, tag=tag))
    local = ctx.image(image)
    if local is None:
        return fail(f"The registry serves {repository}:{tag} ({served.digest[:19]}…), but there is no local image {image!r} to compare it with.", f"build or pull `{image}`")
    if served.config_digest and served.config_digest != local["Id"]:
        return fail(
            f"The registry's {repository}:{tag} is image {served.config_digest[7:19]}, but your {image} is {local['Id'][7:19]}: a different image was pushed under that name.",
            f"tag the image you mean (`docker tag {image} {registry_address(port, address)}/{repository}:{tag}`) and push again",
        )
    wanted = f"{registry_address(port, address)}/{repository}@{served.digest}"
    repo_digests = local.get("RepoDigests") or []
    if wanted not in repo_digests:
        return fail(
            f"The registry's digest for {repository}:{tag} is {served.digest}, but {image}'s RepoDigests are {repo_digests or 'empty'}: this copy was never pushed or pulled as it is now.",
            "push it again; `docker inspect --format '{{json .RepoDigests}}' IMAGE` shows the digests the daemon knows",
        )
    return ok(f"{served.digest[:19]}… on both sides.")


@kind("image_pulled_from_registry", "{image} was removed and pulled back from the registry on port {port}", behaviour=True)
def image_pulled_from_registry(
    ctx: CheckContext,
    *,
    image: str,
    port: int,
    repository: str,
    tag: str,
    registry_container: str | None = None,
    address: str | None = None,
    host: str = "127.0.0.1",
) -> Outcome:
    """A real pull, proven by state: matching RepoDigests, a zero LastTagTime, the registry's download log."""
    served, problem = manifest(port, repository, tag, host)
    if served is None:
        if problem.startswith("nothing answers"):
            return unreachable(port, problem)
        return fail(f"There is nothing to pull: {problem}.", "run the exercise's setup cell again; it pushes the image")
    local = ctx.image(image)
    if local is None:
        return fail(f"There is no local image {image!r}: it was removed but not pulled back.", f"`docker pull {image}`")
    wanted = f"{registry_address(port, address)}/{repository}@{served.digest}"
    repo_digests = local.get("RepoDigests") or []
    if wanted not in repo_digests or (served.config_digest and served.config_digest != local["Id"]):
        return fail(
            f"Your {image} is not the image the registry serves (registry digest {served.digest[:19]}…, your RepoDigests {repo_digests or 'empty'}).",
            f"remove your copy (`docker rmi {image}`) and `docker pull {image}`",
        )
    tagged_at = (local.get("Metadata") or {}).get("LastTagTime") or ZERO_TIME
    other_tags = [t for t in local.get("RepoTags") or [] if t != image]
    if not tagged_at.startswith("0001-01-01"):
        also = f" It is also tagged {other_tags}, which kept it on this machine." if other_tags else ""
        return fail(
            f"Your {image} never left this machine: it was built or tagged here at {tagged_at[:19]}Z and not removed, so `docker pull` only said 'Image is up to date'.{also}",
            f"remove every local tag of it first (`docker rmi {image}`; `docker images` shows what is left), then `docker pull {image}`",
        )
    if registry_container is not None:
        if ctx.container(registry_container) is None:
            return missing(registry_container)
        logs = ctx.api.logs(registry_container, stdout=True, stderr=True).decode(errors="replace")
        blob = served.config_digest or ""
        if not re.search(rf'"GET /v2/{re.escape(repository)}/blobs/{re.escape(blob)} HTTP/[\d.]+" 200', logs):
            return fail(
                f"The registry's log shows no download of {repository}:{tag} (its config blob {blob[7:19]} was never fetched): the image was not pulled from this registry.",
                f"`docker pull {image}` after removing it",
            )
    return ok(f"pulled: RepoDigests has {served.digest[:19]}…, and it was not built or tagged here.")


@kind("digest_recorded", "{path} holds the registry's digest of {repository}:{tag}")
def digest_recorded(ctx: CheckContext, *, path: str, port: int, repository: str, tag: str, image: str | None = None, host: str = "127.0.0.1") -> Outcome:
    """The learner found the manifest digest (`docker push` output, RepoDigests), not the image id."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it")
    written = target.read_text(encoding="utf-8", errors="replace").strip()
    recorded = written.rsplit("@", 1)[-1]
    served, problem = manifest(port, repository, tag, host)
    if served is None:
        if problem.startswith("nothing answers"):
            return unreachable(port, problem)
        return fail(f"Cannot compare: {problem}.", PUSH_HINT.format(port=port, repository=repository, tag=tag))
    if recorded == served.digest:
        return ok(f"{served.digest[:19]}…")
    if not written:
        return fail(f"{path} is empty.", "write the digest into it")
    local = ctx.image(image) if image else None
    ids = {served.config_digest, local["Id"] if local else None} - {None}
    if recorded in ids or (len(recorded) >= 12 and any(i.split(":")[-1].startswith(recorded.split(":")[-1]) for i in ids)):
        return fail(
            f"{path} holds the image ID ({recorded[:19]}…), which is the digest of the image's config. The registry names the image by its manifest digest.",
            "the digest `docker push` printed, or the part after @ in `docker inspect --format '{{index .RepoDigests 0}}' IMAGE`",
        )
    return fail(f"{path} holds {written[:80]!r}, which is not the digest the registry serves for {repository}:{tag}.", "`docker inspect --format '{{json .RepoDigests}}' IMAGE`")


# ---------------------------------------------------------------- volumes

ANONYMOUS = "an anonymous volume (a new, empty one for every new container)"


def is_anonymous(volume_name: str) -> bool:
    """Docker names a volume nobody named with 64 hex digits."""
    return bool(re.fullmatch(r"[0-9a-f]{64}", volume_name))


@kind("mount_is_named_volume", "container {container} keeps {destination} in the named volume {volume}")
def mount_is_named_volume(ctx: CheckContext, *, container: str, destination: str, volume: str) -> Outcome:
    """Data that must outlive the container (a registry's storage) sits in a volume with a name."""
    info = ctx.container(container)
    if info is None:
        return missing(container)
    mounts = {m["Destination"]: m for m in info.get("Mounts") or []}
    mount = mounts.get(destination)
    fix = f"mount it with `-v {volume}:{destination}` (NAME:PATH; a name, not a path, on the left)"
    if mount is None:
        return fail(f"Nothing is mounted at {destination} (mounts: {', '.join(mounts) or 'none'}).", fix)
    if mount["Type"] != "volume":
        return fail(f"{destination} is a {mount['Type']} mount of {mount.get('Source')}, not a named volume.", fix)
    if mount.get("Name") != volume:
        what = ANONYMOUS if is_anonymous(mount.get("Name", "")) else f"the volume {mount.get('Name')!r}"
        return fail(f"{destination} is {what}, not the volume {volume!r}.", fix)
    return ok(f"volume {volume} → {destination}.")


# ---------------------------------------------------------------- the capstone's Compose project


def _service_containers(ctx: CheckContext, project: str, service: str) -> list[dict[str, Any]]:
    return project_containers(ctx, project, service)


def _not_up(project: str) -> Outcome:
    return fail(f"Compose project {project!r} has no containers.", f"`docker compose up -d` in the project's folder (the project is named after the folder, or `-p {project}`)")


def _settle(ctx: CheckContext, project: str, settle: float) -> None:
    """Wait until the project's youngest container has run `settle` s: a crash at start shows by then."""
    ages = [seconds_since(c["State"].get("StartedAt") or "") for c in project_containers(ctx, project) if c["State"]["Running"]]
    known = [age for age in ages if age is not None]
    if known and min(known) < settle:
        time.sleep(settle - max(min(known), 0.0))


@kind("project_services_up", "Compose project {project} runs services {services}")
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
        for service in services:
            containers = _service_containers(ctx, project, service)
            running = [c for c in containers if c["State"]["Running"] and not c["State"].get("Restarting")]
            found[service] = "running" if running else (status_line(containers[-1]["State"]) if containers else "missing")
        return found

    seen = states()
    if not all(v == "running" for v in seen.values()):
        poll(lambda: all(v == "running" for v in states().values()), wait)
    _settle(ctx, project, settle)
    seen = states()
    if not project_containers(ctx, project):
        return _not_up(project)
    down = {s: v for s, v in seen.items() if v != "running"}
    if down:
        detail = "; ".join(f"{s} is {v}" for s, v in down.items())
        name = next(iter(down))
        logs = ""
        containers = _service_containers(ctx, project, name)
        if containers:
            logs = "\n" + diagnosis(ctx, containers[-1]["Name"].lstrip("/"))
        return fail(f"Not every service is up: {detail}.{logs}", "each service needs an entry under `services:`; `docker compose ps -a` and `docker compose logs SERVICE` say why one stopped")
    for service, wanted in (service_images or {}).items():
        image = ctx.image(wanted)
        container = _service_containers(ctx, project, service)[-1]
        if image is None or container["Image"] != image["Id"]:
            return fail(
                f"Service {service} runs {container['Config']['Image']!r}, not the image {wanted!r}.",
                f"give the service `build: .` and `image: {wanted}` so Compose builds and names it",
            )
    return ok(f"{', '.join(services)} are running.")


def _compose_networks(ctx: CheckContext, project: str, key: str) -> list[dict[str, Any]]:
    return ctx.api.networks(filters={"label": [f"com.docker.compose.project={project}", f"com.docker.compose.network={key}"]})


@kind("project_network_shared", "services {services} of {project} share the user-defined network {network}")
def project_network_shared(
    ctx: CheckContext,
    *,
    project: str,
    network: str,
    services: list[str],
    reach_host: str | None = None,
    reach_port: int | None = None,
) -> Outcome:
    """Both services are attached to the network declared under `networks:`, and a name on it answers."""
    if not project_containers(ctx, project):
        return _not_up(project)
    declared = [n for n in _compose_networks(ctx, project, network) if network != "default"]
    attached: dict[str, list[str]] = {}
    for service in services:
        containers = _service_containers(ctx, project, service)
        attached[service] = sorted((containers[-1]["NetworkSettings"].get("Networks") or {}).keys()) if containers else []
    if not declared:
        seen = sorted({n for names in attached.values() for n in names}) or ["none"]
        return fail(
            f"There is no network {network!r} in project {project} (its services are on {', '.join(seen)}): the default network is not a user-defined network of your own.",
            f"declare `networks: {{{network}: {{}}}}` at the top level and list `networks: [{network}]` under each service",
        )
    name = declared[0]["Name"]
    outside = [s for s, names in attached.items() if name not in names]
    if outside:
        return fail(f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not on {name} (on: {attached}).", f"add `networks: [{network}]` to every service that must talk")
    if reach_host and reach_port:
        result = run_probe(ctx, ["sh", "-c", f"nc -w 3 {reach_host} {int(reach_port)} </dev/null"], network=name, timeout=15)
        if result.exit_code != 0:
            return fail(f"On {name}, {reach_host}:{reach_port} did not answer a connection ({result.output.strip()[-200:] or 'no output'}).", f"is the service named {reach_host!r} running and listening on {reach_port}?")
    return ok(f"{', '.join(services)} are on {name}" + (f"; {reach_host}:{reach_port} answers there." if reach_host else "."))


@kind("project_volume_keeps_data", "service {service} of {project} keeps {destination} in the named volume {volume}")
def project_volume_keeps_data(ctx: CheckContext, *, project: str, service: str, volume: str, destination: str) -> Outcome:
    """Named volume at `destination`, and data written there is seen by a new container: it outlives a recreate."""
    containers = _service_containers(ctx, project, service)
    if not containers:
        return _not_up(project) if not project_containers(ctx, project) else fail(f"Project {project} has no service {service!r}.", f"add `{service}:` under `services:`")
    container = containers[-1]
    mounts = {m["Destination"]: m for m in container.get("Mounts") or []}
    mount = mounts.get(destination)
    fix = f"declare `volumes: {{{volume}: {{}}}}` at the top level and mount it with `- {volume}:{destination}` under the service"
    if mount is None:
        return fail(f"Nothing is mounted at {destination} in {service} (mounts: {', '.join(mounts) or 'none'}).", fix)
    if mount["Type"] == "bind":
        return fail(f"{destination} in {service} is a bind mount of {mount['Source']}, not a named volume that Docker manages.", fix)
    info = ctx.volume(mount.get("Name", "")) or {}
    labels = info.get("Labels") or {}
    if labels.get("com.docker.compose.volume") != volume:
        what = ANONYMOUS if is_anonymous(mount.get("Name", "")) else f"the volume {mount.get('Name')!r}"
        return fail(f"{destination} in {service} is {what}, not the named volume {volume!r}.", fix)
    if not container["State"]["Running"]:
        return fail(f"Cannot write into {service}: {diagnosis(ctx, container['Name'].lstrip('/'))}", "the service must be running")
    token = uuid.uuid4().hex[:12]
    marker = f".course-volume-check-{token}"
    name = container["Name"].lstrip("/")
    wrote = exec_in(ctx, name, f"printf %s {token} > {destination}/{marker}")
    if wrote.exit_code != 0:
        return fail(f"Could not write into {destination} inside {service}: {wrote.output.strip()[-200:]}", "is the mount read-only?")
    try:
        probe = run_probe(ctx, ["cat", f"/probe/{marker}"], volumes={mount["Name"]: {"bind": "/probe", "mode": "ro"}}, timeout=15)
        exit_code, output = probe.exit_code, probe.output
    finally:
        exec_in(ctx, name, f"rm -f {destination}/{marker}")
    if exit_code != 0 or token not in output:
        return fail(f"A new container on volume {mount['Name']} did not see what {service} wrote to {destination}: {output.strip()[-200:]!r}.", fix)
    return ok(f"{destination} lives in {mount['Name']}; a new container reads what {service} wrote.")
