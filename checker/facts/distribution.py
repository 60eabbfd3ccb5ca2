"""A registry's own v2 HTTP API (`/v2/`, `/v2/_catalog`, tags, manifests): what it holds, asked directly.

A pushed image is the same image when the manifest's digest is in the local
image's RepoDigests and the manifest's config digest is the local image id.
Nothing here raises for a learner's registry that is down or not a registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from checker.facts.http import Answer, http_get
from checker.i18n import _

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


def registry_url(port: int, path: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}{path}"


class Unanswered(str):
    """A reason that means nothing answered at all (a check then says the registry is unreachable)."""


def unanswered(url: str, answer: Answer) -> Unanswered:
    return Unanswered(_("nothing answers at {url} ({error})").format(url=url, error=answer.error))


def as_json(answer: Answer) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        return answer.body


def is_registry(answer: Answer) -> bool:
    return answer.status == 200 and answer.headers.get("Docker-Distribution-Api-Version", "").startswith("registry/2")


def _listing(
    port: int, path: str, key: str, host: str, *, absent_is_empty: bool = False
) -> tuple[list[str] | None, str]:
    url = registry_url(port, path, host)
    answer = http_get(url, timeout=5.0)
    body = as_json(answer)
    if answer.status is None:
        return None, unanswered(url, answer)
    if answer.status == 404 and absent_is_empty:
        return [], ""
    if answer.status != 200 or not isinstance(body, dict):
        return None, _("{path} answered {status}").format(path=path, status=answer.status)
    return list(body.get(key) or []), ""


def catalog(port: int, host: str = "127.0.0.1") -> tuple[list[str] | None, str]:
    return _listing(port, "/v2/_catalog", "repositories", host)


def tags(port: int, repository: str, host: str = "127.0.0.1") -> tuple[list[str] | None, str]:
    return _listing(port, f"/v2/{repository}/tags/list", "tags", host, absent_is_empty=True)


@dataclass(frozen=True)
class Manifest:
    digest: str  # Docker-Content-Digest: what `docker push` prints and RepoDigests records
    config_digest: str | None  # the image id of the image it describes


def manifest(port: int, repository: str, tag: str, host: str = "127.0.0.1") -> tuple[Manifest | None, str]:
    """The manifest digest of repository:tag as the registry serves it, or why there is none."""
    url = registry_url(port, f"/v2/{repository}/manifests/{tag}", host)
    answer = http_get(url, timeout=5.0, headers={"Accept": MANIFEST_TYPES})
    if answer.status is None:
        return None, unanswered(url, answer)
    if answer.status == 404:
        found, _problem = tags(port, repository, host)
        if not found:
            return None, _("the registry has no repository {repository!r}").format(repository=repository)
        return None, _("{repository!r} has tags {tags}, not {tag!r}").format(
            repository=repository, tags=sorted(found), tag=tag
        )
    digest = answer.headers.get("Docker-Content-Digest")
    if answer.status != 200 or not digest:
        return None, _("the manifest request answered {status} without a Docker-Content-Digest header").format(
            status=answer.status
        )
    body = as_json(answer)
    config = (body.get("config") or {}).get("digest") if isinstance(body, dict) else None
    return Manifest(digest, config), ""


def registry_address(port: int, address: str | None) -> str:
    """How the daemon names the registry in tags and RepoDigests."""
    return address or f"localhost:{port}"
