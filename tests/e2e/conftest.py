"""Fixtures for the browser test: a real JupyterLab server and Debian's Chromium driven by Playwright.

JupyterLab serves a temporary copy of notebooks/, with COURSE_WORKDIR and
COURSE_PROGRESS in that copy and Jupyter's own config and data folders
isolated, so the test never touches a learner's workspace or settings. The
server is always stopped, kernels included. Chromium is Debian's package: a
missing browser fails the test (CI installs it); nothing is ever downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from checker import settings

REPO = settings.REPO_ROOT
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = Path(settings.CHROMIUM.get())
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 90.0
LAB_LOCALES = {"ko": "ko_KR"}

# Lab settings for a deterministic page: every cell attached to the DOM, no news toast.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class LabServer:
    url: str
    token: str
    root: Path
    process: subprocess.Popen

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def open_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_answering(server: LabServer, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            server.api("/api/status")
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT:g} s:\n{log.read_text()[-3000:]}")


def _warm_up(server: LabServer) -> None:
    """Fetch the lab page and its theme once, so the browser's first load is not the slow one."""
    for path in ("/lab", "/lab/api/themes/@jupyterlab/theme-light-extension/index.css", "/lab/api/settings"):
        request = urllib.request.Request(f"{server.url}{path}", headers={"Authorization": f"token {server.token}"})
        try:
            with urllib.request.urlopen(request, timeout=START_TIMEOUT) as response:
                response.read()
        except OSError:
            pass  # the browser will show what is wrong


def _child_pids(pid: int) -> list[int]:
    """The server's direct children (its kernels run in their own sessions, so killpg misses them)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return children


def _stop(server: LabServer) -> None:
    """Shut the kernels down, then the server; force-kill what we started if it lingers."""
    kernels = _child_pids(server.process.pid)
    try:
        for kernel in server.api("/api/kernels") or []:
            server.api(f"/api/kernels/{kernel['id']}", method="DELETE")
    except OSError:
        pass
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _lab(base: Path, *, lang: str = "en") -> Iterator[LabServer]:
    """JupyterLab on a free port with a token, serving a temporary copy of notebooks/, in `lang`."""
    root = base / "notebooks"
    shutil.copytree(settings.NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns("workspace", ".ipynb_checkpoints"))
    jupyter_config = base / "jupyter-config"
    lab_settings = dict(LAB_SETTINGS)
    if lang != "en":  # JupyterLab's own menus too, from the language pack
        lab_settings["@jupyterlab/translation-extension/plugin.jupyterlab-settings"] = {"locale": LAB_LOCALES[lang]}
    for name, values in lab_settings.items():
        path = jupyter_config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env[settings.WORKDIR.name] = str(root)
    env[settings.PROGRESS.name] = str(base / "progress.json")
    env[settings.LANG.name] = lang
    env.update(
        JUPYTER_CONFIG_DIR=str(jupyter_config),
        JUPYTER_DATA_DIR=str(base / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
        IPYTHONDIR=str(base / "ipython"),
    )
    env.pop(settings.NO_PROGRESS.name, None)
    port, token = _free_port(), uuid.uuid4().hex
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"jupyterlab-{lang}.log"
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            argv, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, root, process)
    try:
        _wait_until_answering(server, log)
        _warm_up(server)
        yield server
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    yield from _lab(tmp_path_factory.mktemp("e2e-lab"))


@pytest.fixture(scope="module")
def korean_lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """The same, for a Korean learner: COURSE_LANG=ko and JupyterLab's interface in Korean."""
    yield from _lab(tmp_path_factory.mktemp("e2e-lab-ko"), lang="ko")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium. Missing Chromium fails the test: it is a requirement, not optional."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` (never `playwright install`)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot(page, request) -> object:
    """Save a screenshot under test-artifacts/e2e/ (git-ignored), numbered in the order taken."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(name: str) -> Path:
        counter["n"] += 1
        path = ARTIFACTS / f"{request.node.name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
