"""The one Docker SDK client a process uses, created lazily and reused.

Creating a client asks the daemon for its API version, so caching it keeps a
state-only check to a few milliseconds. Connection errors surface as
`DaemonUnavailable` through `checker.errors.explain`.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from checker.errors import explain

if TYPE_CHECKING:
    import docker

_lock = threading.Lock()
_clients: dict[tuple[str, int, float], "docker.DockerClient"] = {}

DEFAULT_TIMEOUT = 60.0


def get_client(timeout: float = DEFAULT_TIMEOUT) -> "docker.DockerClient":
    """A client for DOCKER_HOST (or the default socket); raises a CourseError if unreachable."""
    import docker

    key = (os.environ.get("DOCKER_HOST", ""), os.getpid(), timeout)
    with _lock:
        client = _clients.get(key)
        if client is not None:
            return client
        try:
            client = docker.from_env(timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a learner message
            raise explain(exc) from None
        if client.api.base_url.startswith("http+docker://"):
            # A Unix socket never goes through a proxy, yet requests would scan the whole
            # environment for proxy settings on every call: a millisecond per Engine API request.
            client.api.trust_env = False
        _clients[key] = client
        return client


def forget_clients() -> None:
    """Drop cached clients (after DOCKER_HOST changes, or in tests)."""
    with _lock:
        for client in _clients.values():
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a dead client must not fail
                pass
        _clients.clear()
