"""The workshop's settings, seats' addresses, names and the hub's configuration: pure logic, no hub."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from course.workshop import hub, state
from course.workshop.state import Learner, Workshop


@pytest.fixture(autouse=True)
def workshop_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_WORKSHOP_DIR", str(tmp_path / "workshop"))
    return tmp_path / "workshop"


def test_every_learner_gets_a_link_of_their_own_apart_from_the_hub() -> None:
    ws = Workshop(code="harbor-1234", admin_password="x" * 32)
    seen = set()
    for index in range(500):
        learner, host = ws.learner_ip(index), ws.learner_host_ip(index)
        assert learner.rsplit(".", 1)[0] == host.rsplit(".", 1)[0]  # the same /30
        assert int(learner.rsplit(".", 1)[1]) % 4 == 2 and int(host.rsplit(".", 1)[1]) % 4 == 1
        assert not {learner, host} & seen and ws.hub_ip not in (learner, host)
        seen |= {learner, host}
    with pytest.raises(ValueError):
        ws.learner_ip(255 * 64)


@pytest.mark.parametrize("name", ["ada", "grace.h", "linus_t", "김민수", "a1"])
def test_names_learners_type_are_accepted(name: str) -> None:
    assert state.valid_name(name)


@pytest.mark.parametrize("name", ["", "../etc", "a b", "-rf", "_x", "x" * 33, "a/b"])
def test_names_that_could_become_paths_or_flags_are_refused(name: str) -> None:
    assert not state.valid_name(name)


def test_settings_round_trip_and_unknown_keys_are_ignored(workshop_folder) -> None:
    assert Workshop.load() is None
    ws = Workshop(code="harbor-1234", admin_password="x" * 32, port=8123)
    ws.save()
    saved = json.loads((workshop_folder / "workshop.json").read_text())
    saved["from_a_later_version"] = True
    (workshop_folder / "workshop.json").write_text(json.dumps(saved))
    assert Workshop.load() == ws


def test_a_progress_file_is_read_only_from_inside_the_learners_home(tmp_path) -> None:
    home = tmp_path / "home"
    seat = Learner(name="ada", sandbox="dcsb-abcdef", index=0, home=str(home), created=0)
    seat.progress_file.parent.mkdir(parents=True)
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"passed": {"warmup-hello": "stolen"}}))
    seat.progress_file.symlink_to(secret)
    assert state.read_progress(seat)["passed"] == {}
    seat.progress_file.unlink()
    seat.progress_file.write_text(json.dumps({"passed": 5, "checks": [], "current": "x"}))
    assert state.read_progress(seat) == {"passed": {}, "hints": {}, "checks": {}}
    seat.progress_file.write_text(" " * (state.PROGRESS_MAX_BYTES + 10) + "{}")
    assert state.read_progress(seat)["passed"] == {}


def test_learners_are_listed_from_their_files(workshop_folder) -> None:
    Learner(name="ada", sandbox="dcsb-aaaaaa", index=0, home="/home/dcsb-aaaaaa", created=1).save()
    Learner(name="grace", sandbox="dcsb-bbbbbb", index=1, home="/home/dcsb-bbbbbb", created=2).save()
    (workshop_folder / "learners" / "broken.json").write_text("{")
    assert [one.name for one in state.learners()] == ["ada", "grace"]
    assert state.learner("grace").index == 1
    state.learner("ada").forget()
    assert state.learner("ada") is None


def test_the_hub_configuration_sets_every_port_the_code_and_the_services(workshop_folder) -> None:
    ws = Workshop(code="harbor-1234", admin_password="y" * 32, port=8123, seats=7, cull_after=900)
    c = Config()
    hub.configure(c, ws)
    assert (c.JupyterHub.port, c.JupyterHub.hub_ip, c.JupyterHub.hub_port) == (8123, ws.hub_ip, ws.hub_port)
    assert c.ConfigurableHTTPProxy.api_url == f"http://127.0.0.1:{ws.proxy_api_port}"
    assert c.SharedPasswordAuthenticator.user_password == "harbor-1234"
    assert c.Authenticator.admin_users == {"instructor"}
    services = {service["name"]: service for service in c.JupyterHub.services}
    assert "--timeout=900" in services["idle-culler"]["command"]
    assert services["dashboard"]["url"].endswith(f":{ws.dashboard_port}")
    assert oct(os.stat(workshop_folder / "api_token").st_mode & 0o777) == "0o600"
    admin = SimpleNamespace(current_user=SimpleNamespace(admin=True))
    learner = SimpleNamespace(current_user=SimpleNamespace(admin=False))
    assert c.JupyterHub.default_url(admin) == "/services/dashboard/"
    assert c.JupyterHub.default_url(learner) == ""


def test_a_returning_learner_keeps_their_seat_and_a_full_room_says_so(workshop_folder) -> None:
    from course.workshop import seats

    ws = Workshop(code="harbor-1234", admin_password="x" * 32, seats=2)
    Learner(name="ada", sandbox="dcsb-aaaaaa", index=0, home="/home/dcsb-aaaaaa", created=1).save()
    assert seats._claim(ws, "ada")[1] == 0
    assert seats._claim(ws, "grace") == (None, 1)
    Learner(name="grace", sandbox="dcsb-bbbbbb", index=1, home="/home/dcsb-bbbbbb", created=2).save()
    with pytest.raises(seats.SeatsFull, match="All 2 seats"):
        seats._claim(ws, "linus")


def test_a_new_learner_takes_a_ready_warm_seat_and_never_a_half_made_one(workshop_folder) -> None:
    from course.workshop import seats

    ws = Workshop(code="harbor-1234", admin_password="x" * 32, seats=4)
    Learner(name=f"{state.WARM_PREFIX}0", sandbox="dcsb-aaaaaa", index=0, home="", created=1).save()
    assert seats._claim(ws, "ada") == (None, 1)  # the warm seat is still being made
    Learner(name=f"{state.WARM_PREFIX}0", sandbox="dcsb-aaaaaa", index=0, home="/home/dcsb-aaaaaa", created=1).save()
    taken, index = seats._claim(ws, "grace")
    assert (taken.name, taken.sandbox, index) == ("grace", "dcsb-aaaaaa", 0)
    assert [one.name for one in state.learners()] == ["grace"] and state.warm_seats() == []
