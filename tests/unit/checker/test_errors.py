"""explain() is the one place Docker errors become learner messages; each says what to do."""

from __future__ import annotations

import docker.errors
import requests

from checker.errors import CheckTimeout, DaemonUnavailable, explain


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.reason = "x"
        self.url = "http://docker/"


def _api_error(status: int, text: str) -> docker.errors.APIError:
    return docker.errors.APIError("boom", response=_Response(status), explanation=text)


def test_port_in_use_names_the_port() -> None:
    error = explain(
        _api_error(
            500,
            "driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: port is already allocated",
        )
    )
    assert "8080" in error.problem and "already in use" in error.problem
    assert error.fix


def test_name_conflict_says_how_to_remove() -> None:
    error = explain(_api_error(409, 'Conflict. The container name "/web" is already in use'))
    assert "conflict" in error.problem.lower() and "docker rm -f" in error.fix


def test_connection_refused_is_daemon_unavailable() -> None:
    error = explain(requests.exceptions.ConnectionError("refused"))
    assert isinstance(error, DaemonUnavailable) and "dockerd" in error.fix


def test_sdk_version_fetch_failure_is_daemon_unavailable() -> None:
    error = explain(
        docker.errors.DockerException(
            "Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2))"
        )
    )
    assert isinstance(error, DaemonUnavailable)


def test_permission_denied_suggests_the_docker_group() -> None:
    error = explain(PermissionError(13, "Permission denied"))
    assert isinstance(error, DaemonUnavailable) and "docker` group" in error.fix


def test_read_timeout_is_a_timeout() -> None:
    assert isinstance(explain(requests.exceptions.ReadTimeout("slow")), CheckTimeout)


def test_image_typo_points_at_the_tag() -> None:
    error = explain(docker.errors.ImageNotFound("No such image: busybx:1.35"))
    assert "busybx" in error.problem and "typos" in error.fix


def test_unknown_errors_still_get_a_message() -> None:
    error = explain(ValueError("odd"))
    assert "ValueError" in error.problem and error.fix
