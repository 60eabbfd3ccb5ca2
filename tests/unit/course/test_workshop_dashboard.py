"""course/workshop/dashboard: the tornado app on a real port, with the hub's user lookup replaced by a fake.

Only `user_for_token` (the request to the hub's API) is fake: reading the token
from the request, JupyterHub's scope check and the login redirect are the real
jupyterhub.services.auth code. The real hub is tested with `workshop up`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import requests
from jupyterhub.services.auth import HubOAuth
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from checker.registry import Registry, default_registry
from course.workshop import report
from course.workshop.dashboard.app import make_app

PREFIX = "/services/dashboard/"
NOW = datetime(2025, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=9)))
SCRIPT = "<script>alert('owned')</script>"
ACCESS = "access:services!service=dashboard"

USERS: dict[str, dict[str, Any]] = {
    "instructor-token": {"name": "instructor", "kind": "user", "admin": True, "scopes": ["access:services"]},
    "learner-token": {"name": "ada", "kind": "user", "admin": False, "scopes": ["read:users:name!user=ada"]},
    # a learner given the service's scope by mistake still is not an admin
    "helper-token": {"name": "bo", "kind": "user", "admin": False, "scopes": [ACCESS]},
}


class FakeHub(HubOAuth):
    """HubOAuth whose one call to the hub (who owns this token?) answers from USERS."""

    def user_for_token(self, token, use_cache=True, session_id="", *, sync=True):  # noqa: ARG002 - HubAuth's signature
        model = json.loads(json.dumps(USERS[token])) if token in USERS else None
        if sync:
            return model

        async def answer() -> dict[str, Any] | None:
            return model

        return answer()


@pytest.fixture(scope="module")
def view() -> report.ClassView:
    registry = Registry(default_registry().exercises[:4])
    first, second = (exercise.id for exercise in registry.exercises[:2])
    stuck = {
        "passed": {first: "2025-03-01T10:00:00+0900"},
        "hints": {second: 2},
        "checks": {second: {"passed": 0, "failed": 4, "last": "2025-03-01T10:28:00+0900", "messages": [SCRIPT]}},
        "current": {"exercise": second, "since": "2025-03-01T10:05:00+0900"},
    }
    return report.build(registry, [("ada", stuck), ("bo", {}), ('"><img src=x>', {})], NOW)


@pytest.fixture(scope="module")
def base(view: report.ClassView) -> Iterator[str]:
    """The dashboard served on 127.0.0.1 by an event loop in a thread; yields its URL."""
    loop = asyncio.new_event_loop()
    sock, port = bind_unused_port()
    ready = threading.Event()
    servers: list[HTTPServer] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        hub_auth = FakeHub(
            api_token="service-token",
            api_url="http://127.0.0.1:9/hub/api",
            oauth_client_id="service-dashboard",
            base_url=PREFIX,
            hub_prefix="/hub/",
            oauth_redirect_uri=f"http://127.0.0.1:{port}{PREFIX}oauth_callback",
            access_scopes={ACCESS},
        )
        server = HTTPServer(make_app(PREFIX, lambda: view, hub_auth=hub_auth, max_age=0))
        server.add_sockets([sock])
        servers.append(server)
        loop.call_soon(ready.set)
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}{PREFIX}"
    finally:
        loop.call_soon_threadsafe(servers[0].stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def get(url: str, token: str | None = "instructor-token") -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.get(url, headers=headers, allow_redirects=False, timeout=10)


@pytest.mark.parametrize("path", ["", "live", "api/class", "export.csv", "export.json"])
@pytest.mark.parametrize("token", ["learner-token", "helper-token"])
def test_everything_is_403_for_anyone_not_an_admin(base: str, path: str, token: str) -> None:
    response = get(base + path, token)
    assert response.status_code == 403
    assert "ada" not in response.text and "instructor" in response.text


def test_without_a_login_the_browser_goes_to_the_hubs_oauth(base: str) -> None:
    response = get(base, None)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/hub/api/oauth2/authorize?")
    assert "client_id=service-dashboard" in response.headers["Location"]


def test_the_prefix_without_its_slash_redirects(base: str) -> None:
    response = get(base.rstrip("/"))
    assert (response.status_code, response.headers["Location"]) == (301, PREFIX)


def test_page_has_one_cell_per_learner_and_exercise_and_marks_the_stuck(base: str, view: report.ClassView) -> None:
    response = get(base)
    assert response.status_code == 200
    html = response.text
    cell = r'<td class="cell (\w+)" data-learner="([^"]*)" data-exercise="([^"]*)" data-status="(\w+)"'
    cells = re.findall(cell, html)
    assert len(cells) == 3 * 4
    assert all(css == status for css, _, _, status in cells)
    statuses = {(learner, exercise): status for _, learner, exercise, status in cells}
    first, second, third, _ = (column.id for column in view.exercises)
    assert [statuses["ada", ex] for ex in (first, second, third)] == ["passed", "failed", "untouched"]
    assert re.search(r'<tr class="learner stuck" data-learner="ada" data-stuck="failures">', html)
    assert re.search(r'<tr class="learner" data-learner="bo" data-stuck="">', html)
    assert '<li class="stuck-card" data-learner="ada"' in html
    assert html.count('<g class="rate"') == 4


def test_learner_text_is_escaped_everywhere(base: str) -> None:
    for path in ("", "live"):
        html = get(base + path).text
        assert SCRIPT not in html and "<img src=x>" not in html
        assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in html
        assert 'data-learner="&quot;&gt;&lt;img src=x&gt;"' in html
        assert len(re.findall(r"<script\b", html)) == (1 if path == "" else 0)  # only the page's own


def test_the_page_is_self_contained_and_its_script_carries_the_csp_nonce(base: str) -> None:
    response = get(base)
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce and f'<script nonce="{nonce.group(1)}">' in response.text
    assert f'<style nonce="{nonce.group(1)}">' in response.text
    assert "default-src 'none'" in csp
    assert not re.search(r'(src|href)="(https?:)?//', response.text)  # nothing from outside
    assert " style=" not in response.text


def test_the_live_part_says_what_it_is(base: str) -> None:
    response = get(base + "live")
    assert response.headers["X-Dashboard-Part"] == "live"
    assert "<html" not in response.text and 'class="grid"' in response.text


def test_an_unchanged_live_part_costs_the_poll_a_304(base: str) -> None:
    first = get(base + "live")
    headers = {"Authorization": "token instructor-token", "If-None-Match": first.headers["Etag"]}
    again = requests.get(base + "live", headers=headers, allow_redirects=False, timeout=10)
    assert (again.status_code, again.content) == (304, b"")


def test_api_class_is_the_views_json(base: str, view: report.ClassView) -> None:
    response = get(base + "api/class")
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data == json.loads(view.to_json())
    assert [learner["name"] for learner in data["learners"]] == ["ada", "bo", '"><img src=x>']
    assert data["learners"][0]["messages"] == [SCRIPT]  # JSON carries the text as it is: readers escape it


def test_csv_download(base: str, view: report.ClassView) -> None:
    response = get(base + "export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="workshop-\d{8}-\d{4}\.csv"', response.headers["Content-Disposition"])
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == report.CSV_COLUMNS
    assert len(rows) == 3 * 4
    assert text == view.to_csv()


def test_json_download(base: str, view: report.ClassView) -> None:
    response = get(base + "export.json")
    assert response.headers["Content-Disposition"].endswith('.json"')
    assert response.json() == json.loads(view.to_json())
