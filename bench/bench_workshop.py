"""Workshop capacity: memory per idle learner, login → JupyterLab ready, and ten logins at once.

    sudo .venv/bin/python bench/bench_workshop.py [--learners 10]

Starts a real workshop (`course workshop up`) in a temporary folder on a free
port, and removes it at the end (`down`). Method:

- after `up`, wait until its warm seats are ready (ten, the default);
- one learner in real Chromium: from the click on "Sign in" until the notebook
  00-start-here is open with its kernel idle (the first login makes the seat:
  user, daemon, link; a returning login after a server stop reuses it);
- N learners logging in at once over HTTP (threads, the hub's login form), each
  until their JupyterLab page is served, then a kernel started in each;
- memory, after 20 s idle: each seat's cgroup (server, kernel, daemon tree:
  RSS, and PSS, which counts shared pages once) and the hub + proxy + services.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from course.sandbox import cgroups, processes  # noqa: E402

CODE = "bench-2468"
MIB = 1 << 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def course(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "course", *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=900
    )


def login(url: str, name: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/hub/login", timeout=60)
    xsrf = next(cookie.value for cookie in session.cookies if cookie.name == "_xsrf")
    session.post(f"{url}/hub/login", data={"username": name, "password": CODE, "_xsrf": xsrf}, timeout=120)
    return session


def lab_ready(session: requests.Session, url: str, name: str, timeout: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            reply = session.get(f"{url}/user/{name}/lab", timeout=60)
            if reply.status_code == 200 and f"/user/{name}/lab" in reply.url:
                return time.monotonic()
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{name}'s JupyterLab was not ready in {timeout} s")


def start_kernel(session: requests.Session, url: str, name: str) -> None:
    xsrf = next((c.value for c in session.cookies if c.name == "_xsrf" and c.path == f"/user/{name}/"), "")
    reply = session.post(f"{url}/user/{name}/api/kernels", json={"name": "python3"}, headers={"X-XSRFToken": xsrf})
    reply.raise_for_status()


def browser_login(url: str, name: str) -> float:
    """Seconds from the click on Sign in to the notebook open with an idle kernel, in Chromium."""
    from lab_page import NotebookPage
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/hub/login")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", CODE)
        started = time.monotonic()
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{name}/lab/**", timeout=120_000)
        notebook = NotebookPage(page)
        notebook.cell(0).wait_for(timeout=120_000)
        notebook.wait_for_idle_kernel()
        elapsed = time.monotonic() - started
        browser.close()
    return elapsed


def wait_warm(folder: Path, count: int, timeout: float = 180) -> float:
    """Seconds until `up`'s warm seats are ready: the room opens once they are."""
    os.environ["COURSE_WORKSHOP_DIR"] = str(folder)
    from course.workshop import state

    started = time.monotonic()
    while len([seat for seat in state.warm_seats() if seat.home]) < count:
        if time.monotonic() - started > timeout:
            raise TimeoutError("the warm seats were not ready")
        time.sleep(0.5)
    return time.monotonic() - started


def seat_memory(folder: Path, name: str) -> dict[str, int]:
    os.environ["COURSE_WORKSHOP_DIR"] = str(folder)
    from course.workshop import state

    seat = state.learner(name)
    pids = cgroups.pids(seat.sandbox)
    stats = cgroups.memory(seat.sandbox)
    return {"rss": stats.get("rss", 0), "pss": processes.pss_total(pids), "usage": stats.get("usage", 0)}


def hub_memory(folder: Path) -> dict[str, int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd") == str(folder):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return {"pss": processes.pss_total(pids), "processes": len(pids)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-workshop-")) / "state"
    env = {"COURSE_WORKSHOP_DIR": str(folder)}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    results: dict[str, object] = {"learners": args.learners}
    started = time.monotonic()
    up = course("workshop", "up", "--port", str(port), "--seats", str(args.learners + 2), "--code", CODE, env=env)
    results["up_s"] = round(time.monotonic() - started, 1)
    if up.returncode != 0:
        print(up.stdout, up.stderr)
        return 1
    try:
        results["warm_seats_ready_s"] = round(wait_warm(folder, 10), 1)
        results["first_login_browser_s"] = round(browser_login(url, "first"), 2)
        results["second_learner_browser_s"] = round(browser_login(url, "second"), 2)

        sessions: dict[str, requests.Session] = {}
        ready: dict[str, float] = {}
        names = [f"learner{i:02d}" for i in range(args.learners)]

        def one(name: str) -> None:
            sessions[name] = login(url, name)
            ready[name] = lab_ready(sessions[name], url, name)

        started = time.monotonic()
        threads = [threading.Thread(target=one, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        waits = sorted(ready[name] - started for name in names)
        results["simultaneous_all_ready_s"] = round(waits[-1], 1)
        results["simultaneous_median_ready_s"] = round(statistics.median(waits), 1)
        for name in names:
            start_kernel(sessions[name], url, name)
        time.sleep(20)
        memory = [seat_memory(folder, name) for name in names]
        results["seat_rss_mib_median"] = round(statistics.median(m["rss"] for m in memory) / MIB)
        results["seat_pss_mib_median"] = round(statistics.median(m["pss"] for m in memory) / MIB)
        results["seat_rss_mib_max"] = round(max(m["rss"] for m in memory) / MIB)
        results["hub_proxy_services_pss_mib"] = round(hub_memory(folder)["pss"] / MIB)
    finally:
        down = course("workshop", "down", "--out", str(folder.parent), env=env)
        results["down_ok"] = down.returncode == 0
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
