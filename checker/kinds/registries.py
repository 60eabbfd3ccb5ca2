"""Check kinds for shipping: what a registry holds (asked through its own v2 API) and what a pull left behind.

A check never trusts what the learner printed (checker.facts.distribution).
A pull is proven by state, not by output: the daemon marks an image that came
from a pull with a zero LastTagTime, and the registry logs the download of
the image's config blob, which only happens when the image was not on the
machine any more.
"""

from __future__ import annotations

import re

from checker.context import CheckContext
from checker.facts.distribution import Manifest, catalog, is_registry, manifest, registry_address, registry_url, tags
from checker.facts.http import wait_for_http
from checker.facts.logs import logs
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.workspace import require_answer
from checker.outcome import Unmet

PUSH_HINT = (
    "tag it with the registry's address (`docker tag IMAGE localhost:{port}/{repository}:{tag}`), "
    "then `docker push localhost:{port}/{repository}:{tag}`"
)


def unreachable(port: int, problem: str) -> Outcome:
    return fail(
        f"The registry on port {port} did not answer: {problem}.",
        f"is the registry container running with `-p {port}:5000`? `docker ps` shows it; run the exercise's setup cell "
        f"again if it was started there",
    )


def require_manifest(port: int, repository: str, tag: str, host: str, what: str, hint: str) -> Manifest:
    """The manifest the registry serves, or end the check: unreachable, or `what` (a template for the reason)."""
    served, problem = manifest(port, repository, tag, host)
    if served is None:
        raise Unmet(
            unreachable(port, problem) if problem.startswith("nothing answers") else fail(what.format(problem), hint)
        )
    return served


@kind("registry_answers", "a registry answers the v2 API on port {port}")
def registry_answers(ctx: CheckContext, *, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> Outcome:  # noqa: ARG001
    """Poll `/v2/` until a registry answers (it needs a moment after `docker run`)."""
    url = registry_url(port, "/v2/", host)
    polled = wait_for_http(url, timeout=timeout, accept=is_registry, interval=0.25)
    answer = polled.last
    if polled.ok:
        return ok(f"{url} answered 200 ({answer.headers['Docker-Distribution-Api-Version']}).")
    if answer.status is None:
        return unreachable(port, f"nothing answers at {url} ({answer.error})")
    return fail(
        f"Something answers on port {port}, but not the registry v2 API: /v2/ answered {answer.status} without a "
        f"registry/2.0 header.",
        "publish the registry's port 5000 (`-p 5000:5000`); another server holds this port",
    )


@kind("registry_has_repository", "the registry on port {port} lists repository {repository}")
def registry_has_repository(ctx: CheckContext, *, port: int, repository: str, host: str = "127.0.0.1") -> Outcome:  # noqa: ARG001
    repositories, problem = catalog(port, host)
    if repositories is None:
        return unreachable(port, problem)
    if repository not in repositories:
        held = ", ".join(repr(r) for r in repositories) or "nothing yet"
        return fail(
            f"The registry's catalog has no {repository!r} (it holds: {held}). A tag alone stays on your machine; only "
            f"`docker push` uploads.",
            PUSH_HINT.format(port=port, repository=repository, tag="TAG"),
        )
    return ok(f"/v2/_catalog lists {repository!r}.")


@kind("registry_has_tag", "{repository} in the registry on port {port} has tag {tag}")
def registry_has_tag(ctx: CheckContext, *, port: int, repository: str, tag: str, host: str = "127.0.0.1") -> Outcome:  # noqa: ARG001
    found, problem = tags(port, repository, host)
    if found is None:
        return unreachable(port, problem)
    if tag not in found:
        if not found:
            return fail(
                f"The registry has no repository {repository!r} yet.",
                PUSH_HINT.format(port=port, repository=repository, tag=tag),
            )
        return fail(
            f"{repository!r} has tags {sorted(found)}, not {tag!r}. A name without `:TAG` means `:latest`.",
            PUSH_HINT.format(port=port, repository=repository, tag=tag),
        )
    return ok(f"tags: {sorted(found)}.")


@kind("registry_digest_matches", "the registry's {repository}:{tag} is your local image {image} (same digest)")
def registry_digest_matches(
    ctx: CheckContext,
    *,
    port: int,
    repository: str,
    tag: str,
    image: str,
    address: str | None = None,
    host: str = "127.0.0.1",
) -> Outcome:
    """Same image on both sides: manifest digest in RepoDigests, and config digest equal to the image id."""
    served = require_manifest(
        port,
        repository,
        tag,
        host,
        "Nothing to compare: {}.",
        PUSH_HINT.format(port=port, repository=repository, tag=tag),
    )
    local = ctx.require_image(
        image,
        fail(
            f"The registry serves {repository}:{tag} ({served.digest[:19]}…), but there is no local image {image!r} to "
            f"compare it with.",
            f"build or pull `{image}`",
        ),
    )
    if served.config_digest and served.config_digest != local.id:
        return fail(
            f"The registry's {repository}:{tag} is image {served.config_digest[7:19]}, but your {image} is "
            f"{local.short_id}: a different image was pushed under that name.",
            f"tag the image you mean (`docker tag {image} {registry_address(port, address)}/{repository}:{tag}`) and "
            f"push again",
        )
    wanted = f"{registry_address(port, address)}/{repository}@{served.digest}"
    repo_digests = local.repo_digests
    if wanted not in repo_digests:
        return fail(
            f"The registry's digest for {repository}:{tag} is {served.digest}, but {image}'s RepoDigests are "
            f"{repo_digests or 'empty'}: this copy was never pushed or pulled as it is now.",
            "push it again; `docker inspect --format '{{json .RepoDigests}}' IMAGE` shows the digests the daemon knows",
        )
    return ok(f"{served.digest[:19]}… on both sides.")


@kind(
    "image_pulled_from_registry", "{image} was removed and pulled back from the registry on port {port}", behaviour=True
)
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
    served = require_manifest(
        port,
        repository,
        tag,
        host,
        "There is nothing to pull: {}.",
        "run the exercise's setup cell again; it pushes the image",
    )
    local = ctx.require_image(
        image, fail(f"There is no local image {image!r}: it was removed but not pulled back.", f"`docker pull {image}`")
    )
    wanted = f"{registry_address(port, address)}/{repository}@{served.digest}"
    repo_digests = local.repo_digests
    if wanted not in repo_digests or (served.config_digest and served.config_digest != local.id):
        return fail(
            f"Your {image} is not the image the registry serves (registry digest {served.digest[:19]}…, your "
            f"RepoDigests {repo_digests or 'empty'}).",
            f"remove your copy (`docker rmi {image}`) and `docker pull {image}`",
        )
    tagged_at = local.last_tag_time
    other_tags = [t for t in local.repo_tags if t != image]
    if not tagged_at.startswith("0001-01-01"):
        also = f" It is also tagged {other_tags}, which kept it on this machine." if other_tags else ""
        return fail(
            f"Your {image} never left this machine: it was built or tagged here at {tagged_at[:19]}Z and not removed, "
            f"so `docker pull` only said 'Image is up to date'.{also}",
            f"remove every local tag of it first (`docker rmi {image}`; `docker images` shows what is left), then "
            f"`docker pull {image}`",
        )
    if registry_container is not None:
        ctx.require_container(registry_container)
        printed = logs(ctx, registry_container)
        blob = served.config_digest or ""
        if not re.search(rf'"GET /v2/{re.escape(repository)}/blobs/{re.escape(blob)} HTTP/[\d.]+" 200', printed):
            return fail(
                f"The registry's log shows no download of {repository}:{tag} (its config blob {blob[7:19]} was never "
                f"fetched): the image was not pulled from this registry.",
                f"`docker pull {image}` after removing it",
            )
    return ok(f"pulled: RepoDigests has {served.digest[:19]}…, and it was not built or tagged here.")


@kind("digest_recorded", "{path} holds the registry's digest of {repository}:{tag}")
def digest_recorded(
    ctx: CheckContext,
    *,
    path: str,
    port: int,
    repository: str,
    tag: str,
    image: str | None = None,
    host: str = "127.0.0.1",
) -> Outcome:
    """The learner found the manifest digest (`docker push` output, RepoDigests), not the image id."""
    written = require_answer(ctx, path).strip()
    recorded = written.rsplit("@", 1)[-1]
    served = require_manifest(
        port, repository, tag, host, "Cannot compare: {}.", PUSH_HINT.format(port=port, repository=repository, tag=tag)
    )
    if recorded == served.digest:
        return ok(f"{served.digest[:19]}…")
    if not written:
        return fail(f"{path} is empty.", "write the digest into it")
    local = ctx.image(image) if image else None
    ids = {served.config_digest, local.id if local else None} - {None}
    if recorded in ids or (
        len(recorded) >= 12 and any(i.split(":")[-1].startswith(recorded.split(":")[-1]) for i in ids)
    ):
        return fail(
            f"{path} holds the image ID ({recorded[:19]}…), which is the digest of the image's config. The registry "
            f"names the image by its manifest digest.",
            "the digest `docker push` printed, or the part after @ in `docker inspect --format "
            "'{{index .RepoDigests 0}}' IMAGE`",
        )
    return fail(
        f"{path} holds {written[:80]!r}, which is not the digest the registry serves for {repository}:{tag}.",
        "`docker inspect --format '{{json .RepoDigests}}' IMAGE`",
    )
