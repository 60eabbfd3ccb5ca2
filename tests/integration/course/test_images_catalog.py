"""course.images against the real Docker daemon: stand-ins, status, idempotence, bundles.

Fast tests work on throwaway `dockercourse-test/...` tags and never touch the
real catalog images. The `slow` test provisions the real catalog (what CI does
anyway; idempotent) and proves each stand-in behaves like its upstream image.
Everything a test creates is removed in a finalizer, even when it fails.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from checker.errors import CourseError
from checker.labels import MANAGED, NAMESPACE, STANDIN
from course import images
from course.images import BaseImage

pytestmark = pytest.mark.docker

TEST_BUSYBOX = BaseImage("dockercourse-test/busybox:1.35", "throwaway busybox stand-in", "busybox")
TEST_PLAIN = "dockercourse-test/plain:1.0"
TEST_LABELS = {MANAGED: "true", f"{NAMESPACE}.test": "test_images"}


@pytest.fixture(scope="module")
def client():
    from checker.docker_client import get_client

    try:
        docker_client = get_client()
        docker_client.ping()
    except Exception as exc:  # noqa: BLE001 - no daemon: nothing here can run
        pytest.skip(f"no Docker daemon: {exc}")
    return docker_client


class Created:
    """What a test made; removed in reverse dependency order whatever happened."""

    def __init__(self, client) -> None:
        self.client = client
        self.containers: list[str] = []
        self.networks: list[str] = []
        self.tags: list[str] = []
        self.repos: list[str] = []  # push/pull leaves digest references (repo@sha256:…) on images

    def tag(self, name: str) -> str:
        self.tags.append(name)
        return name

    def remove_all(self) -> None:
        import docker.errors

        for container in reversed(self.containers):
            try:
                self.client.api.remove_container(container, force=True, v=True)
            except docker.errors.NotFound:
                pass
        for network in reversed(self.networks):
            try:
                self.client.api.remove_network(network)
            except docker.errors.NotFound:
                pass
        digests = [
            ref
            for image in (self.client.api.images() if self.repos else [])
            for ref in image.get("RepoDigests") or []
            if ref.split("@")[0] in self.repos
        ]
        for tag in [*reversed(self.tags), *digests]:
            try:
                self.client.api.remove_image(tag, force=True)
            except docker.errors.NotFound:
                pass


@pytest.fixture
def created(client) -> Iterator[Created]:
    tracker = Created(client)
    try:
        yield tracker
    finally:
        tracker.remove_all()


@pytest.fixture
def busybox(client, created) -> Iterator[BaseImage]:
    """A freshly built throwaway busybox stand-in (removed afterwards)."""
    created.tag(TEST_BUSYBOX.name)
    _forget(client, TEST_BUSYBOX.name)
    images.provision(client, offline=True, catalog=(TEST_BUSYBOX,), log=lambda _line: None)
    yield TEST_BUSYBOX


def _forget(client, name: str) -> None:
    import docker.errors

    try:
        client.api.remove_image(name, force=True)
    except docker.errors.NotFound:
        pass


def _run(client, created: Created, image: str, command, **kwargs) -> tuple[int, str]:
    """Run a labelled container to completion; returns (exit code, output)."""
    container = client.containers.run(image, command, detach=True, labels=TEST_LABELS, **kwargs)
    created.containers.append(container.id)
    code = container.wait(timeout=120)["StatusCode"]
    return code, container.logs().decode(errors="replace")


def _plain_image(client, created: Created) -> str:
    """An image without the stand-in label and without digests: a `docker import` of one file."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = b"plain\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    repo, tag = TEST_PLAIN.split(":")
    created.tag(TEST_PLAIN)
    client.api.import_image(src=buffer.getvalue(), repository=repo, tag=tag)
    return TEST_PLAIN


# --------------------------------------------------------------------------- fast tests


def test_busybox_standin_builds_from_static_binary_and_runs(client, created):
    created.tag(TEST_BUSYBOX.name)
    _forget(client, TEST_BUSYBOX.name)
    lines: list[str] = []
    result = images.provision(client, offline=True, catalog=(TEST_BUSYBOX,), log=lines.append)

    assert [s.state for s in result] == ["standin"]
    assert any("building a local stand-in" in line for line in lines), lines
    labels = client.api.inspect_image(TEST_BUSYBOX.name)["Config"]["Labels"]
    assert labels[STANDIN] == "true"
    assert labels[f"{STANDIN}.source"] == "debian-bookworm"
    code, output = _run(
        client, created, TEST_BUSYBOX.name, ["sh", "-c", "echo hello from busybox && stat -c %a /tmp && whoami"]
    )
    assert code == 0, output
    assert output.split() == ["hello", "from", "busybox", "1777", "root"]


def test_status_reports_missing_standin_and_present(client, created, busybox):
    ghost = BaseImage("dockercourse-test/never-built:0.0", "absent on purpose", "busybox")
    plain = BaseImage(_plain_image(client, created), "imported without labels", "busybox")

    started = time.monotonic()
    result = images.status(client, (ghost, busybox, plain))
    assert time.monotonic() - started < 1.0

    assert [s.state for s in result] == ["missing", "standin", "present"]
    assert result[0].to_dict() == {"name": ghost.name, "state": "missing", "image_id": None, "size": None}
    assert result[1].image_id == client.api.inspect_image(busybox.name)["Id"]
    assert result[1].size and result[1].size > 1_000_000


def test_present_image_is_left_alone_and_second_run_is_fast(client, busybox):
    before = client.api.inspect_image(busybox.name)["Id"]
    lines: list[str] = []
    started = time.monotonic()
    result = images.provision(client, catalog=(busybox,), log=lines.append)
    took = time.monotonic() - started

    assert took < 2.0, f"second provisioning took {took:.2f}s"
    assert lines == [f"✔ {busybox.name} present (standin)"]
    assert result[0].image_id == before == client.api.inspect_image(busybox.name)["Id"]


def test_export_remove_import_round_trip_restores_tags(client, created, busybox, tmp_path):
    plain = BaseImage(_plain_image(client, created), "second image in the same bundle", "busybox")
    pair = (busybox, plain)
    ids = {s.name: s.image_id for s in images.status(client, pair)}

    bundle = images.export_bundle(client, tmp_path / "test.images.tar", catalog=pair, log=lambda _line: None)
    assert bundle.is_file() and bundle.stat().st_size > 1_000_000
    for image in pair:
        client.api.remove_image(image.name, force=True)
    assert [s.state for s in images.status(client, pair)] == ["missing", "missing"]

    loaded = images.import_bundle(client, bundle, log=lambda _line: None)

    assert set(loaded) >= {busybox.name, plain.name}
    after = images.status(client, pair)
    assert [s.state for s in after] == ["standin", "present"]
    assert {s.name: s.image_id for s in after} == ids


def test_export_of_missing_image_explains_what_to_do(client, tmp_path):
    ghost = BaseImage("dockercourse-test/never-built:0.0", "absent on purpose", "busybox")
    with pytest.raises(CourseError) as caught:
        images.export_bundle(client, tmp_path / "x.images.tar", catalog=(ghost,), log=lambda _line: None)
    assert ghost.name in caught.value.problem and caught.value.fix
    assert not (tmp_path / "x.images.tar").exists()


@pytest.mark.parametrize(
    "content", [None, b"", b"this is not a tar archive\n" * 100], ids=["missing", "empty", "garbage"]
)
def test_import_of_missing_or_corrupt_bundle_is_a_course_error(client, tmp_path, content):
    path = tmp_path / "broken.images.tar"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CourseError) as caught:
        images.import_bundle(client, path, log=lambda _line: None)
    assert str(path) in caught.value.problem
    assert caught.value.fix and "\n" not in caught.value.fix


def test_import_of_truncated_bundle_is_a_course_error(client, busybox, tmp_path):
    whole = images.export_bundle(client, tmp_path / "whole.images.tar", catalog=(busybox,), log=lambda _line: None)
    cut = tmp_path / "cut.images.tar"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(CourseError):
        images.import_bundle(client, cut, log=lambda _line: None)


class _FakeRegistry:
    """A TCP listener on 127.0.0.1 that counts connections: the daemon's pull attempts land here."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


def test_offline_never_attempts_a_pull(client, created):
    fake = _FakeRegistry()
    try:
        image = BaseImage(
            f"127.0.0.1:{fake.port}/dockercourse-test/busybox:1.35", "pull target that counts attempts", "busybox"
        )
        created.tag(image.name)

        offline_lines: list[str] = []
        images.provision(client, offline=True, catalog=(image,), log=offline_lines.append)
        assert fake.connections == 0, "offline provisioning contacted the registry"
        assert not any("pull" in line for line in offline_lines), offline_lines

        client.api.remove_image(image.name, force=True)
        online_lines: list[str] = []
        result = images.provision(client, offline=False, catalog=(image,), log=online_lines.append)
        assert fake.connections >= 1, "online provisioning should have tried the registry"
        assert any("pull failed" in line for line in online_lines), online_lines
        assert result[0].state == "standin"
    finally:
        fake.close()


# --------------------------------------------------------------------------- the real catalog


def _wait_http(url: str, timeout: float = 30.0) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.slow
def test_real_catalog_provisions_and_behaves_like_upstream(client, created):
    lines: list[str] = []
    result = images.provision(client, offline=True, log=lambda line: (lines.append(line), print(line)))
    assert {s.name: s.state for s in result}.keys() == {i.name for i in images.CATALOG}
    assert all(s.state != "missing" for s in result), result

    started = time.monotonic()
    images.provision(client, log=lambda _line: None)
    assert time.monotonic() - started < 2.0, "a warm provisioning run must be quick"

    # python:3.11-slim: full standard library, `python` on PATH.
    code, output = _run(
        client,
        created,
        "python:3.11-slim",
        ["python", "-c", "import http.server, sqlite3, json, sys; print(sys.version_info[:2])"],
    )
    assert code == 0 and output.strip() == "(3, 11)", output

    # redis:7.0 answers PING from another container on a user network.
    suffix = uuid.uuid4().hex[:8]
    network = client.networks.create(f"dockercourse-test-net-{suffix}", labels=TEST_LABELS)
    created.networks.append(network.id)
    server = client.containers.run(
        "redis:7.0", detach=True, name=f"dockercourse-test-redis-{suffix}", network=network.name, labels=TEST_LABELS
    )
    created.containers.append(server.id)
    answer = ""
    for _attempt in range(30):
        code, answer = _run(
            client, created, "redis:7.0", ["redis-cli", "-h", server.name, "ping"], network=network.name
        )
        if answer.strip() == "PONG":
            break
        time.sleep(0.5)
    assert answer.strip() == "PONG", answer

    # registry:2.8 on :5000 with storage in /var/lib/registry: push, list, pull back.
    registry = client.containers.run(
        "registry:2.8",
        detach=True,
        name=f"dockercourse-test-registry-{suffix}",
        ports={"5000/tcp": ("127.0.0.1", None)},
        labels=TEST_LABELS,
    )
    created.containers.append(registry.id)
    registry.reload()
    port = registry.attrs["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"]
    assert json.loads(_wait_http(f"http://127.0.0.1:{port}/v2/_catalog")) == {"repositories": []}

    pushed = created.tag(f"localhost:{port}/dockercourse-test/busybox:1.35")
    created.repos.append(pushed.rsplit(":", 1)[0])
    client.api.tag("busybox:1.35", pushed.rsplit(":", 1)[0], "1.35")
    for chunk in client.api.push(pushed.rsplit(":", 1)[0], tag="1.35", stream=True, decode=True):
        assert "error" not in chunk, chunk
    listing = json.loads(_wait_http(f"http://127.0.0.1:{port}/v2/_catalog"))
    assert "dockercourse-test/busybox" in listing["repositories"]
    stored = registry.exec_run(["ls", "/var/lib/registry/docker/registry/v2/repositories/dockercourse-test"])
    assert stored.output.decode().split() == ["busybox"]

    client.api.remove_image(pushed)
    for chunk in client.api.pull(pushed.rsplit(":", 1)[0], tag="1.35", stream=True, decode=True):
        assert "error" not in chunk, chunk
    pulled = client.api.inspect_image(pushed)
    assert pulled["Id"] == client.api.inspect_image("busybox:1.35")["Id"]
    assert pulled["RepoDigests"], "a pulled image has a registry digest"
