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
from checker.facts.distribution import (
    Manifest,
    Unanswered,
    catalog,
    is_registry,
    manifest,
    registry_address,
    registry_url,
    tags,
    unanswered,
)
from checker.facts.http import wait_for_http
from checker.facts.logs import logs
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.workspace import require_answer
from checker.outcome import Unmet

PUSH_HINT = N_(
    "tag it with the registry's address (`docker tag IMAGE localhost:{port}/{repository}:{tag}`), "
    "then `docker push localhost:{port}/{repository}:{tag}`"
)


def push_hint(port: int, repository: str, tag: str) -> str:
    return _(PUSH_HINT).format(port=port, repository=repository, tag=tag)


def unreachable(port: int, problem: str) -> Outcome:
    return fail(
        _("The registry on port {port} did not answer: {problem}.").format(port=port, problem=problem),
        _(
            "is the registry container running with `-p {port}:5000`? `docker ps` shows it; run the exercise's setup "
            "cell again if it was started there"
        ).format(port=port),
    )


def require_manifest(port: int, repository: str, tag: str, host: str, what: str, hint: str) -> Manifest:
    """The manifest the registry serves, or end the check: unreachable, or `what` (a template for the reason,
    `{problem}` in it, already translated)."""
    served, problem = manifest(port, repository, tag, host)
    if served is None:
        raise Unmet(
            unreachable(port, problem) if isinstance(problem, Unanswered) else fail(what.format(problem=problem), hint)
        )
    return served


@kind("registry_answers", N_("a registry answers the v2 API on port {port}"))
def registry_answers(ctx: CheckContext, *, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> Outcome:  # noqa: ARG001
    """Poll `/v2/` until a registry answers (it needs a moment after `docker run`)."""
    url = registry_url(port, "/v2/", host)
    polled = wait_for_http(url, timeout=timeout, accept=is_registry, interval=0.25)
    answer = polled.last
    if polled.ok:
        return ok(
            _("{url} answered 200 ({version}).").format(
                url=url, version=answer.headers["Docker-Distribution-Api-Version"]
            )
        )
    if answer.status is None:
        return unreachable(port, unanswered(url, answer))
    return fail(
        _(
            "Something answers on port {port}, but not the registry v2 API: /v2/ answered {status} without a "
            "registry/2.0 header."
        ).format(port=port, status=answer.status),
        _("publish the registry's port 5000 (`-p 5000:5000`); another server holds this port"),
    )


@kind("registry_has_repository", N_("the registry on port {port} lists repository {repository}"))
def registry_has_repository(ctx: CheckContext, *, port: int, repository: str, host: str = "127.0.0.1") -> Outcome:  # noqa: ARG001
    repositories, problem = catalog(port, host)
    if repositories is None:
        return unreachable(port, problem)
    if repository not in repositories:
        held = ", ".join(repr(r) for r in repositories) or _("nothing yet")
        return fail(
            _(
                "The registry's catalog has no {repository!r} (it holds: {held}). A tag alone stays on your machine; "
                "only `docker push` uploads."
            ).format(repository=repository, held=held),
            push_hint(port, repository, "TAG"),
        )
    return ok(_("/v2/_catalog lists {repository!r}.").format(repository=repository))


@kind("registry_has_tag", N_("{repository} in the registry on port {port} has tag {tag}"))
def registry_has_tag(ctx: CheckContext, *, port: int, repository: str, tag: str, host: str = "127.0.0.1") -> Outcome:  # noqa: ARG001
    found, problem = tags(port, repository, host)
    if found is None:
        return unreachable(port, problem)
    if tag not in found:
        if not found:
            return fail(
                _("The registry has no repository {repository!r} yet.").format(repository=repository),
                push_hint(port, repository, tag),
            )
        return fail(
            _("{repository!r} has tags {tags}, not {tag!r}. A name without `:TAG` means `:latest`.").format(
                repository=repository, tags=sorted(found), tag=tag
            ),
            push_hint(port, repository, tag),
        )
    return ok(_("tags: {tags}.").format(tags=sorted(found)))


@kind("registry_digest_matches", N_("the registry's {repository}:{tag} is your local image {image} (same digest)"))
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
        _("Nothing to compare: {problem}."),
        push_hint(port, repository, tag),
    )
    local = ctx.require_image(
        image,
        fail(
            _(
                "The registry serves {repository}:{tag} ({digest}…), but there is no local image {image!r} to "
                "compare it with."
            ).format(repository=repository, tag=tag, digest=served.digest[:19], image=image),
            _("build or pull `{image}`").format(image=image),
        ),
    )
    if served.config_digest and served.config_digest != local.id:
        return fail(
            _(
                "The registry's {repository}:{tag} is image {served}, but your {image} is {local}: a different image "
                "was pushed under that name."
            ).format(
                repository=repository, tag=tag, served=served.config_digest[7:19], image=image, local=local.short_id
            ),
            _("tag the image you mean (`docker tag {image} {address}/{repository}:{tag}`) and push again").format(
                image=image, address=registry_address(port, address), repository=repository, tag=tag
            ),
        )
    wanted = f"{registry_address(port, address)}/{repository}@{served.digest}"
    repo_digests = local.repo_digests
    if wanted not in repo_digests:
        return fail(
            _(
                "The registry's digest for {repository}:{tag} is {digest}, but {image}'s RepoDigests are "
                "{repo_digests}: this copy was never pushed or pulled as it is now."
            ).format(
                repository=repository,
                tag=tag,
                digest=served.digest,
                image=image,
                repo_digests=repo_digests or _("empty"),
            ),
            _(
                "push it again; `docker inspect --format '{{json .RepoDigests}}' IMAGE` shows the digests the "
                "daemon knows"
            ),
        )
    return ok(_("{digest}… on both sides.").format(digest=served.digest[:19]))


@kind(
    "image_pulled_from_registry",
    N_("{image} was removed and pulled back from the registry on port {port}"),
    behaviour=True,
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
        _("There is nothing to pull: {problem}."),
        _("run the exercise's setup cell again; it pushes the image"),
    )
    local = ctx.require_image(
        image,
        fail(
            _("There is no local image {image!r}: it was removed but not pulled back.").format(image=image),
            f"`docker pull {image}`",
        ),
    )
    wanted = f"{registry_address(port, address)}/{repository}@{served.digest}"
    repo_digests = local.repo_digests
    if wanted not in repo_digests or (served.config_digest and served.config_digest != local.id):
        return fail(
            _(
                "Your {image} is not the image the registry serves (registry digest {digest}…, your "
                "RepoDigests {repo_digests})."
            ).format(image=image, digest=served.digest[:19], repo_digests=repo_digests or _("empty")),
            _("remove your copy (`docker rmi {image}`) and `docker pull {image}`").format(image=image),
        )
    tagged_at = local.last_tag_time
    other_tags = [t for t in local.repo_tags if t != image]
    if not tagged_at.startswith("0001-01-01"):
        also = (
            _(" It is also tagged {tags}, which kept it on this machine.").format(tags=other_tags) if other_tags else ""
        )
        return fail(
            _(
                "Your {image} never left this machine: it was built or tagged here at {when}Z and not removed, "
                "so `docker pull` only said 'Image is up to date'."
            ).format(image=image, when=tagged_at[:19])
            + also,
            _(
                "remove every local tag of it first (`docker rmi {image}`; `docker images` shows what is left), then "
                "`docker pull {image}`"
            ).format(image=image),
        )
    if registry_container is not None:
        ctx.require_container(registry_container)
        printed = logs(ctx, registry_container)
        blob = served.config_digest or ""
        if not re.search(rf'"GET /v2/{re.escape(repository)}/blobs/{re.escape(blob)} HTTP/[\d.]+" 200', printed):
            return fail(
                _(
                    "The registry's log shows no download of {repository}:{tag} (its config blob {blob} was never "
                    "fetched): the image was not pulled from this registry."
                ).format(repository=repository, tag=tag, blob=blob[7:19]),
                _("`docker pull {image}` after removing it").format(image=image),
            )
    return ok(
        _("pulled: RepoDigests has {digest}…, and it was not built or tagged here.").format(digest=served.digest[:19])
    )


@kind("digest_recorded", N_("{path} holds the registry's digest of {repository}:{tag}"))
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
        port, repository, tag, host, _("Cannot compare: {problem}."), push_hint(port, repository, tag)
    )
    if recorded == served.digest:
        return ok(f"{served.digest[:19]}…")
    if not written:
        return fail(_("{path} is empty.").format(path=path), _("write the digest into it"))
    local = ctx.image(image) if image else None
    ids = {served.config_digest, local.id if local else None} - {None}
    if recorded in ids or (
        len(recorded) >= 12 and any(i.split(":")[-1].startswith(recorded.split(":")[-1]) for i in ids)
    ):
        return fail(
            _(
                "{path} holds the image ID ({recorded}…), which is the digest of the image's config. The registry "
                "names the image by its manifest digest."
            ).format(path=path, recorded=recorded[:19]),
            _(
                "the digest `docker push` printed, or the part after @ in `docker inspect --format "
                "'{{index .RepoDigests 0}}' IMAGE`"
            ),
        )
    return fail(
        _("{path} holds {written!r}, which is not the digest the registry serves for {repository}:{tag}.").format(
            path=path, written=written[:80], repository=repository, tag=tag
        ),
        "`docker inspect --format '{{json .RepoDigests}}' IMAGE`",
    )
