"""Sandboxes: time to ready (user + netns + cgroups + rootless daemon + chapter 1's images), idle memory, destroy.

Usage (root): python bench/bench_sandbox.py [--rounds N]
Writes the "Sandboxes" section of docs/performance.md.

Three ways of making a chapter-1 sandbox are measured side by side, round-robin:
the default (home on its own loop-mounted disk, images loaded from the cached
bundle file), the same with the home as a plain folder of the host's disk, and
the default disk with the images streamed from the main daemon
(`docker save | docker load`) instead of the bundle file. The main daemon is only
read (the bundle is exported from it once, before timing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(__file__))
from common import machine, write_section  # noqa: E402

SETTLE_S = 3.0  # idle time before memory is read
MIB = 1024 * 1024


def measure(make: Callable[[], Any]) -> dict[str, float]:
    started = time.perf_counter()
    sandbox = make()
    row = {
        "ready_s": time.perf_counter() - started,
        "daemon_s": sandbox.timings.get("daemon_s", 0.0),
        "images_s": sandbox.timings.get("images_s", 0.0),
    }
    try:
        assert sandbox.docker("run", "--rm", "busybox:1.35", "true").returncode == 0
        time.sleep(SETTLE_S)
        usage = sandbox.usage()
        row["rss_mib"] = usage["memory"].get("rss", 0) / MIB
        row["usage_mib"] = usage["memory"].get("usage", 0) / MIB
        row["pss_mib"] = usage["pss"] / MIB
    finally:
        started = time.perf_counter()
        sandbox.destroy()
        row["destroy_s"] = time.perf_counter() - started
    return row


def main() -> None:
    import docker

    from course.sandbox import Limits, Sandbox, bundles, clean_up_leftovers, ensure_installed

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    ensure_installed()
    clean_up_leftovers()
    names = bundles.chapter_images(1)
    bundle = bundles.bundle(docker.from_env(), names)

    def streamed() -> Any:
        sandbox = Sandbox.create()
        started = time.monotonic()
        save = subprocess.Popen(["docker", "save", *names], stdout=subprocess.PIPE)
        load = subprocess.run(
            ["docker", "-H", sandbox.docker_host, "load", "-q"], stdin=save.stdout, capture_output=True
        )
        save.wait()
        assert save.returncode == 0 and load.returncode == 0, load.stderr
        sandbox.timings["images_s"] = time.monotonic() - started
        return sandbox

    cases: dict[str, Callable[[], Any]] = {
        "bundle file, own disk (default)": lambda: Sandbox.create(bundle=bundle),
        "bundle file, home on the host's disk": lambda: Sandbox.create(bundle=bundle, limits=Limits(disk_gb=0)),
        "docker save piped into docker load, own disk": streamed,
    }
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, make in cases.items():
            rows[name].append(measure(make))
            print(name, {k: round(v, 2) for k, v in rows[name][-1].items()}, flush=True)

    def med(name: str, key: str) -> float:
        return statistics.median(row[key] for row in rows[name])

    table = (
        "| case | ready | daemon up | images | idle RSS | idle PSS | cgroup usage (with page cache) | destroy |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    table += "\n".join(
        f"| {name} | **{med(name, 'ready_s'):.2f} s** | {med(name, 'daemon_s'):.2f} s | {med(name, 'images_s'):.2f} s "
        f"| {med(name, 'rss_mib'):.0f} MiB | **{med(name, 'pss_mib'):.0f} MiB** | {med(name, 'usage_mib'):.0f} MiB "
        f"| {med(name, 'destroy_s'):.2f} s |"
        for name in cases
    )
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}; median of {rounds} rounds, cases interleaved.\n\n"
        "Method: `python bench/bench_sandbox.py` (root). *Ready* is `Sandbox.create()` until the rootless daemon "
        f"answers and chapter 1's images ({', '.join(names)}) are loaded: user, home, netns, cgroups, daemon, "
        "images. The bundle is exported from the main daemon once beforehand and cached. *Idle* is read "
        f"{SETTLE_S:g} s after one `docker run --rm`: RSS from the sandbox's memory cgroup (page cache excluded), PSS "
        "summed over its processes, and the cgroup's whole charge including the page cache of the loaded images "
        "(reclaimable). Targets: ready ≤ 3 s, idle ≤ 200 MiB.\n\n" + table + "\n"
    )
    write_section("Sandboxes", body)
    print(body)


if __name__ == "__main__":
    main()
