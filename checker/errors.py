"""One place that turns Docker SDK, connection and OS errors into messages a learner can act on.

Every message says what is wrong and ends with what to do. Nothing below the
CLI or the notebook ever shows a traceback to a learner.
"""

from __future__ import annotations

import re

from checker.i18n import N_, _


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


DAEMON_FIX = N_(
    "start Docker (e.g. `sudo systemctl start docker` or `sudo dockerd &`), then run `python -m course doctor`"
)


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
        if port is None:
            return _(
                "host port that port is already in use by something else; "
                "publish another host port or stop what uses it"
            )
        return _(
            "host port {port} is already in use by something else; publish another host port or stop what uses it"
        ).format(port=port.group(1))
    if "executable file not found" in text or "no such file or directory" in text:
        return _(
            "{error} — the command does not exist in the image; check CMD/ENTRYPOINT or the command you passed"
        ).format(error=text.strip())
    return text.strip()


def explain(exc: BaseException) -> CourseError:
    """Translate any exception raised while talking to Docker into a CourseError."""
    if isinstance(exc, CourseError):
        return exc
    import docker.errors
    import requests

    if isinstance(exc, PermissionError) or "Permission denied" in str(exc):
        return DaemonUnavailable(
            _("Permission denied on the Docker socket."),
            _("add yourself to the `docker` group (`sudo usermod -aG docker $USER`, then log in again) or run as root"),
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return CheckTimeout(
            _("The Docker daemon did not answer in time."),
            _("check that it is not overloaded (`docker info`), then retry"),
        )
    if isinstance(exc, docker.errors.DockerException) and not isinstance(exc, docker.errors.APIError):
        if _is_connection_error(exc) or "Error while fetching server API version" in str(exc):
            return DaemonUnavailable(_("The Docker daemon is not running or cannot be reached."), _(DAEMON_FIX))
    if _is_connection_error(exc):
        return DaemonUnavailable(_("The Docker daemon is not running or cannot be reached."), _(DAEMON_FIX))
    if isinstance(exc, docker.errors.ImageNotFound):
        return CourseError(
            _("Image not found: {error}.").format(error=_api_text(exc)),
            _("check the image name and tag for typos; `docker images` lists what you have"),
        )
    if isinstance(exc, docker.errors.NotFound):
        return CourseError(
            _("Not found: {error}.").format(error=_api_text(exc)),
            _("check the name for typos; `docker ps -a` lists containers"),
        )
    if isinstance(exc, docker.errors.BuildError):
        tail = "\n".join(
            str(chunk.get("stream", chunk.get("error", ""))).rstrip() for chunk in list(exc.build_log)[-8:]
        )
        return CourseError(
            _("The build failed: {error}\n{log}").format(error=exc.msg, log=tail).rstrip(),
            _("fix the failing Dockerfile instruction shown above, then rebuild"),
        )
    if isinstance(exc, docker.errors.APIError):
        text = _api_text(exc)
        pull = re.search(r"images/create\?tag=([^&\s]+)&fromImage=([^&\s\":]+)", str(exc))
        if pull or "pull access denied" in text or "manifest unknown" in text:
            image = f"{pull.group(2)}:{pull.group(1)}" if pull else _("that image")
            return CourseError(
                _("The image {image} is not on this machine and cannot be pulled ({error}).").format(
                    image=image, error=text.strip()[:160]
                ),
                _(
                    "check the name and tag for typos (`docker images` lists what you have); `python -m course images` "
                    "provisions the course's images"
                ),
            )
        if "port is already allocated" in text or "address already in use" in text:
            port = re.search(r"0\.0\.0\.0:(\d+)|:(\d+) failed", text)
            which = next((g for g in port.groups() if g), None) if port else None
            if which is None:
                return CourseError(
                    _("Host port that port is already in use."),
                    _("stop whatever uses it (`docker ps --filter publish=that port`) or publish another host port"),
                )
            return CourseError(
                _("Host port {port} is already in use.").format(port=which),
                _("stop whatever uses it (`docker ps --filter publish={port}`) or publish another host port").format(
                    port=which
                ),
            )
        if exc.status_code == 409 or "Conflict" in text:
            return CourseError(
                _("Name conflict: {error}").format(error=text),
                _("remove the old one first (`docker rm -f NAME`) or choose another name"),
            )
        return CourseError(
            _("Docker refused the request: {error}").format(error=text),
            _("read the message above; `python -m course doctor` checks the set-up"),
        )
    if isinstance(exc, TimeoutError):
        return CheckTimeout(
            str(exc) or _("Timed out."), _("retry; if it keeps happening, run `python -m course doctor`")
        )
    return CourseError(
        _("Unexpected error: {kind}: {error}").format(kind=type(exc).__name__, error=exc),
        _("retry; if it persists, report it with this message"),
    )
