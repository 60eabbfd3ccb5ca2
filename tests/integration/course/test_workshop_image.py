"""The workshop's single-user image (course/workshop/image): built here from the course's own base image, then run.

What a hub does with it is simulated by hand: the entry point and command it would run, the server it
would reach over HTTP, the user it would run as. The learner's Docker daemon (a sidecar in the pod, see
docs/scaling.md) is stood in for by this machine's daemon, mounted at the image's DOCKER_HOST for one
read-only test. Nothing of Kubernetes runs here.

The build downloads the Python packages once (cached under COURSE_BUILD_TMP/docker-course-wheels) and is
skipped when an image of the same content exists, so a rerun costs seconds; a changed checkout costs the
last two build steps. Every container and volume carries the suite's labels and is removed afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import time
from collections.abc import Iterator

import pytest
import requests

from checker import labels
from checker.registry import default_registry
from course.workshop.image import build

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.image]

HOME = "/home/jovyan"
WORK = f"{HOME}/course"
SOCKET_IN_IMAGE = "/run/user/1000/docker.sock"


@pytest.fixture(scope="module")
def image(docker_client) -> build.Built:
    built = build.build(docker_client, log=print)
    print(f"image {built.exact_tag}: {'reused' if built.reused else 'built'} in {built.seconds:.1f} s")
    return built


def _labels() -> dict[str, str]:
    return labels.course_labels()


@pytest.fixture(scope="module")
def shell(docker_client, image: build.Built) -> Iterator[object]:
    """One running container of the image (its entry point, then `sleep`), to exec commands in."""
    container = docker_client.containers.run(
        image.exact_tag, ["sleep", "600"], detach=True, labels=_labels(), stop_signal="SIGKILL"
    )
    try:
        yield container
    finally:
        container.remove(force=True)


def _exec(container, command: list[str], **kwargs) -> str:
    code, output = container.exec_run(command, **kwargs)
    text = output.decode(errors="replace")
    assert code == 0, f"{command} exited with {code}: {text}"
    return text


def test_the_image_is_labelled_and_runs_as_jovyan_by_default(docker_client, image: build.Built) -> None:
    config = docker_client.api.inspect_image(image.exact_tag)["Config"]
    assert config["Labels"][labels.MANAGED] == "true"
    assert config["Labels"][build.CONTENT] in image.exact_tag
    assert "jupyterhub==6.1.1" in config["Labels"]["org.dockercourse.pins"]
    assert config["User"] == "1000:100"  # numeric: Kubernetes' runAsNonRoot can check it
    assert config["Cmd"] == ["jupyterhub-singleuser"]
    assert f"DOCKER_HOST=unix://{SOCKET_IN_IMAGE}" in config["Env"]
    assert docker_client.api.inspect_image(image.tag)["Id"] == image.image_id


def test_the_servers_tools_and_the_course_work_inside(shell) -> None:
    assert _exec(shell, ["id", "-u"]).strip() == "1000"
    assert _exec(shell, ["id", "-un"]).strip() == "jovyan"
    assert _exec(shell, ["jupyterhub-singleuser", "--version"]).strip() == "6.1.1"
    assert "Docker version" in _exec(shell, ["docker", "--version"])
    assert "Docker Compose version v2." in _exec(shell, ["docker", "compose", "version"])
    _exec(shell, ["python", "-c", "import checker.api, course.notebook"])
    listed = json.loads(_exec(shell, ["python", "-m", "course", "list", "--json"]))
    assert [one["id"] for one in listed] == [one.id for one in default_registry().exercises]
    # The learner's copy of the notebooks, in their home: the server's root and the work folder.
    assert "00-start-here.ipynb" in _exec(shell, ["ls", WORK]).split()
    where = "import checker.settings as s; print(s.workdir(), s.progress_path())"
    assert _exec(shell, ["python", "-c", where]).split() == [WORK, f"{WORK}/workspace/.progress.json"]
    # The course itself is root's: a learner cannot change the checks.
    assert "Permission denied" in shell.exec_run(["touch", "/opt/docker-course/src/checker/api.py"])[1].decode()


def test_jupyter_lab_serves_http_with_its_token(docker_client, image: build.Built) -> None:
    token = secrets.token_hex(16)
    server = docker_client.containers.run(
        image.exact_tag,
        ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", f"--ServerApp.token={token}"],
        detach=True,
        labels=_labels(),
        ports={"8888/tcp": ("127.0.0.1", None)},
    )
    try:
        server.reload()
        port = int(server.attrs["NetworkSettings"]["Ports"]["8888/tcp"][0]["HostPort"])
        url = f"http://127.0.0.1:{port}/api/status"
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                answer = requests.get(url, headers={"Authorization": f"token {token}"}, timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        logs = server.logs().decode(errors="replace")[-2000:]
        assert answer is not None and answer.status_code == 200, logs
        assert "started" in answer.json(), answer.text
        assert requests.get(url, timeout=5).status_code == 403  # no token, no server
        lab = requests.get(f"http://127.0.0.1:{port}/lab/tree/00-start-here.ipynb?token={token}", timeout=10)
        assert lab.status_code == 200, logs
    finally:
        server.remove(force=True)


def test_a_learners_edits_survive_a_restart_and_missing_notebooks_come_back(docker_client, tracker, image) -> None:
    """The entry point copies the image's notebooks into the home volume, never over the learner's."""
    volume = docker_client.volumes.create(labels=_labels())
    tracker.volumes.append(volume.name)

    def run(script: str) -> str:
        output = docker_client.containers.run(
            image.exact_tag,
            ["sh", "-c", script],
            volumes={volume.name: {"bind": HOME, "mode": "rw"}},
            labels=_labels(),
            remove=True,
        )
        return output.decode()

    run("echo my-answer > 00-start-here.ipynb && rm 01-containers.ipynb && touch workspace/mine.txt")
    after = run("cat 00-start-here.ipynb; ls; ls workspace")
    assert after.splitlines()[0] == "my-answer"
    assert "01-containers.ipynb" in after.split()
    assert "mine.txt" in after.split()


def test_docker_in_a_notebook_reaches_the_daemon_at_docker_host(docker_client, image: build.Built) -> None:
    """This machine's daemon mounted where the pod's sidecar puts its socket: the CLI, Compose and `doctor`
    find it through the image's DOCKER_HOST alone. Only reads the daemon."""
    socket = "/var/run/docker.sock"
    if not os.path.exists(socket) or not stat.S_ISSOCK(os.stat(socket).st_mode):
        pytest.skip(f"this daemon is not on {socket}")
    output = docker_client.containers.run(
        image.exact_tag,
        ["sh", "-c", "docker version --format '{{.Server.Version}}' && python -m course doctor --json"],
        volumes={socket: {"bind": SOCKET_IN_IMAGE, "mode": "rw"}},
        group_add=[str(os.stat(socket).st_gid)],
        labels=_labels(),
        remove=True,
    ).decode()
    version, _, report = output.partition("\n")
    assert version == docker_client.version()["Version"]
    checks = {one["name"]: one for one in json.loads(report)["checks"]}
    assert checks["Docker daemon"]["ok"], checks["Docker daemon"]
    assert checks["Compose v2"]["ok"] and "v1" not in checks["Compose v2"]["detail"], checks["Compose v2"]
