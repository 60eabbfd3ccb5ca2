"""One place that turns Docker SDK, connection and OS errors into messages a learner can act on.

Every message says what is wrong and ends with what to do. Nothing below the
CLI or the notebook ever shows a traceback to a learner.
"""

from __future__ import annotations

import re


class CourseError(Exception):
    """An error with a problem statement and a fix, both for humans."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.problem} → {self.fix}" if self.fix else self.problem


class DaemonUnavailable(CourseError):
    """The Docker daemon cannot be reached, so nothing can be checked."""


class ExerciseNotFound(CourseError):
    """An exercise id that the registry does not know."""


class CheckTimeout(CourseError):
    """Something did not become ready in time; the message carries the diagnosis."""


class CheckBusy(CourseError):
    """Another check of the same exercise is still running."""


class StepFailed(CourseError):
    """A setup, solution or wrong-answer step exited non-zero."""


class RegistryError(CourseError):
    """The exercise registry itself is malformed (a course author's mistake)."""


DAEMON_FIX = "start Docker (e.g. `sudo systemctl start docker` or `sudo dockerd &`), then run `python -m course doctor`"


def _api_text(exc: BaseException) -> str:
    explanation = getattr(exc, "explanation", None)
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return str(explanation or exc)


def _is_connection_error(exc: BaseException) -> bool:
    import requests

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (requests.exceptions.ConnectionError, ConnectionError, FileNotFoundError)):
            return True
        text = str(current)
        if "Connection aborted" in text or "Error while fetching server API version" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def explain_daemon_message(text: str) -> str:
    """A daemon error string (e.g. a container's State.Error) in plain words, with what to do."""
    if "port is already allocated" in text or "address already in use" in text:
        port = re.search(r":(\d+)(?: failed|:)", text)
        which = port.group(1) if port else "that port"
        return f"host port {which} is already in use by something else; publish another host port or stop what uses it"
    if "executable file not found" in text or "no such file or directory" in text:
        return (
            f"{text.strip()} — the command does not exist in the image; check CMD/ENTRYPOINT or the command you passed"
        )
    return text.strip()


def explain(exc: BaseException) -> CourseError:
    """Translate any exception raised while talking to Docker into a CourseError."""
    if isinstance(exc, CourseError):
        return exc
    import docker.errors
    import requests

    if isinstance(exc, PermissionError) or "Permission denied" in str(exc):
        return DaemonUnavailable(
            "Permission denied on the Docker socket.",
            "add yourself to the `docker` group (`sudo usermod -aG docker $USER`, then log in again) or run as root",
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return CheckTimeout(
            "The Docker daemon did not answer in time.", "check that it is not overloaded (`docker info`), then retry"
        )
    if isinstance(exc, docker.errors.DockerException) and not isinstance(exc, docker.errors.APIError):
        if _is_connection_error(exc) or "Error while fetching server API version" in str(exc):
            return DaemonUnavailable("The Docker daemon is not running or cannot be reached.", DAEMON_FIX)
    if _is_connection_error(exc):
        return DaemonUnavailable("The Docker daemon is not running or cannot be reached.", DAEMON_FIX)
    if isinstance(exc, docker.errors.ImageNotFound):
        return CourseError(
            f"Image not found: {_api_text(exc)}.",
            "check the image name and tag for typos; `docker images` lists what you have",
        )
    if isinstance(exc, docker.errors.NotFound):
        return CourseError(f"Not found: {_api_text(exc)}.", "check the name for typos; `docker ps -a` lists containers")
    if isinstance(exc, docker.errors.BuildError):
        tail = "\n".join(
            str(chunk.get("stream", chunk.get("error", ""))).rstrip() for chunk in list(exc.build_log)[-8:]
        )
        return CourseError(
            f"The build failed: {exc.msg}\n{tail}".rstrip(),
            "fix the failing Dockerfile instruction shown above, then rebuild",
        )
    if isinstance(exc, docker.errors.APIError):
        text = _api_text(exc)
        pull = re.search(r"images/create\?tag=([^&\s]+)&fromImage=([^&\s\":]+)", str(exc))
        if pull or "pull access denied" in text or "manifest unknown" in text:
            image = f"{pull.group(2)}:{pull.group(1)}" if pull else "that image"
            return CourseError(
                f"The image {image} is not on this machine and cannot be pulled ({text.strip()[:160]}).",
                "check the name and tag for typos (`docker images` lists what you have); `python -m course images` "
                "provisions the course's images",
            )
        if "port is already allocated" in text or "address already in use" in text:
            port = re.search(r"0\.0\.0\.0:(\d+)|:(\d+) failed", text)
            which = next((g for g in port.groups() if g), "that port") if port else "that port"
            return CourseError(
                f"Host port {which} is already in use.",
                f"stop whatever uses it (`docker ps --filter publish={which}`) or publish another host port",
            )
        if exc.status_code == 409 or "Conflict" in text:
            return CourseError(
                f"Name conflict: {text}", "remove the old one first (`docker rm -f NAME`) or choose another name"
            )
        return CourseError(
            f"Docker refused the request: {text}", "read the message above; `python -m course doctor` checks the set-up"
        )
    if isinstance(exc, TimeoutError):
        return CheckTimeout(str(exc) or "Timed out.", "retry; if it keeps happening, run `python -m course doctor`")
    return CourseError(
        f"Unexpected error: {type(exc).__name__}: {exc}", "retry; if it persists, report it with this message"
    )
