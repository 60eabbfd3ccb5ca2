"""The typed views of inspect data (checker/facts/containers.py, images.py, volumes.py, services.py)."""

from __future__ import annotations

from checker.facts.containers import Container, parse_env, status_line
from checker.facts.images import Image
from checker.facts.services import Service
from checker.facts.volumes import Volume, is_anonymous

INSPECT = {
    "Id": "c0ffee" * 10,
    "Name": "/web",
    "Image": "sha256:" + "a" * 64,
    "Created": "2024-05-01T10:00:00.5Z",
    "RestartCount": 2,
    "Config": {
        "Image": "nginx:1",
        "Env": ["A=1", "B=x=y", "BROKEN"],
        "ExposedPorts": {"80/tcp": {}},
        "Labels": {
            "com.docker.compose.service": "web",
            "com.docker.compose.depends_on": "db:service_healthy:false,seed:service_completed_successfully:false",
        },
        "Healthcheck": {"Test": ["CMD", "true"]},
    },
    "State": {
        "Status": "running",
        "Running": True,
        "Restarting": False,
        "ExitCode": 0,
        "StartedAt": "2024-05-01T10:00:01Z",
        "Health": {"Status": "healthy", "Log": [{"ExitCode": 0, "Output": "ok"}]},
    },
    "HostConfig": {
        "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "NetworkMode": "bridge",
        "AutoRemove": False,
    },
    "NetworkSettings": {
        "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8081"}]},
        "Networks": {"bridge": {"IPAddress": "172.17.0.2"}},
    },
    "Mounts": [
        {
            "Type": "volume",
            "Name": "data",
            "Source": "/var/lib/docker/volumes/data/_data",
            "Destination": "/data",
            "RW": False,
        }
    ],
}


def test_env_is_parsed_once_the_same_way() -> None:
    assert parse_env(["A=1", "B=x=y", "BROKEN"]) == {"A": "1", "B": "x=y"}
    assert parse_env(None) == {}
    assert Container(INSPECT).env == {"A": "1", "B": "x=y"}


def test_a_container_answers_by_name() -> None:
    web = Container(INSPECT)
    assert (web.name, web.image_name, web.status, web.running, web.up, web.restart_count) == (
        "web",
        "nginx:1",
        "running",
        True,
        True,
        2,
    )
    assert web.started_at is not None and web.created is not None and web.finished_at is None
    assert web.restart_policy.name == "on-failure" and web.restart_policy.max_retries == 3
    assert web.health.status == "healthy" and web.health.last_probe["Output"] == "ok"
    assert web.host_ports(80) == [8080, 8081] and web.exposed_ports == {"80"}
    assert web.networks == {"bridge": {"IPAddress": "172.17.0.2"}} and web.network_mode == "bridge"
    assert web.compose_service == "web"
    assert web.depends_on == {"db": "service_healthy", "seed": "service_completed_successfully"}


def test_mounts_are_views_too() -> None:
    mount = Container(INSPECT).mount_at("/data")
    assert mount is not None and (mount.type, mount.origin, mount.rw) == ("volume", "data", False)
    assert Container(INSPECT).mount_at("/srv") is None


def test_the_status_line_says_why_a_start_failed() -> None:
    refused = {"Status": "created", "Error": "driver failed: Bind for 0.0.0.0:8080 failed: port is already allocated"}
    assert "host port 8080 is already in use" in status_line(refused)
    assert status_line({"Status": "exited", "ExitCode": 3}) == "exited with code 3"
    assert status_line({"Status": "restarting", "ExitCode": 1}).startswith("restarting (it keeps crashing")
    assert Container({"Id": "x", "State": {"Status": "created", "Error": "boom"}}).start_error == "boom"


def test_image_and_volume_views() -> None:
    image = Image(
        {"Id": "sha256:" + "b" * 64, "Config": {"Env": ["PORT=8000"], "WorkingDir": "/app"}, "RepoTags": ["app:1"]}
    )
    assert (image.short_id, image.env, image.workdir, image.user, image.repo_tags) == (
        "b" * 12,
        {"PORT": "8000"},
        "/app",
        "",
        ["app:1"],
    )
    assert image.last_tag_time.startswith("0001-") and image.exposed_ports == []
    assert Volume({"Name": "v", "Labels": {"com.docker.compose.volume": "data"}}).compose_volume == "data"
    assert is_anonymous("f" * 64) and not is_anonymous("data")


def test_a_service_says_what_exists_instead() -> None:
    stopped = Container({"Id": "1", "Name": "/p-web-1", "State": {"Status": "exited", "ExitCode": 1}})
    assert Service("p", "web", (stopped,)).why_not_running() == "the container of service 'web' is exited (exit code 1)"
    assert Service("p", "web", (stopped,)).container is stopped and Service("p", "web", (stopped,)).running is None
    assert "(it has: db)" in Service("p", "web", (), ("db",)).why_not_running()
    assert "has no container for service 'web'" in Service("p", "web", (), ("db",)).missing().message
    assert "No container belongs to Compose project 'p'" in Service("p", "web", ()).missing().message
