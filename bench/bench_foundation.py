"""Foundation timings: a state-only check vs its bare-SDK floor, doctor, warm `images`, checker import.

Usage: python bench/bench_foundation.py [--repeat N]
Writes the "Foundation" section of docs/performance.md.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import REPO, interleaved, machine, median_ms, run_cli, timed, write_section  # noqa: E402

EXERCISE = "warmup-hello"
CONTAINER = "hello-course"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-")
    os.environ.update(COURSE_WORKDIR=workdir, COURSE_PROGRESS=f"{workdir}/progress.json", COURSE_NO_PROGRESS="1")
    import docker

    from checker import api

    api.solve(EXERCISE)
    try:
        client = docker.from_env()

        def floor() -> None:
            """The same daemon calls the check makes, done bare: inspect container + image, read logs."""
            info = client.api.inspect_container(CONTAINER)
            client.api.inspect_image("busybox:1.35")
            client.api.logs(CONTAINER, stdout=True, stderr=True)
            assert info["State"]["ExitCode"] == 0

        def check() -> None:
            assert api.check(EXERCISE, record=False).passed

        check()  # warm the client and the kind registry, as a notebook's first check does
        samples = interleaved({"check": check, "floor": floor}, args.repeat)
        check_ms, floor_ms = median_ms(samples["check"]), median_ms(samples["floor"])
    finally:
        api.reset(EXERCISE)

    doctor = timed(lambda: run_cli("doctor"), 5)
    images_warm = timed(lambda: run_cli("images"), 5)
    python_start = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 5)
    import_checker = timed(lambda: subprocess.run([sys.executable, "-c", "import checker.api"], check=True, cwd=REPO), 5)

    rows = [
        ("in-process `check` of warmup-hello (state + logs, 4 checks)", f"{check_ms:.1f} ms", f"floor {floor_ms:.1f} ms → {check_ms / floor_ms:.2f}×", "< 50 ms"),
        ("`python -m course doctor`", f"{median_ms(doctor):.0f} ms", "", "< 2 s"),
        ("`python -m course images`, everything present", f"{median_ms(images_warm):.0f} ms", "", "< 2 s"),
        ("`import checker.api` in a fresh interpreter", f"{median_ms(import_checker):.0f} ms", f"bare interpreter start {median_ms(python_start):.0f} ms", "< 500 ms"),
    ]
    table = "| case | median | side by side | target |\n|---|---|---|---|\n" + "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
        f"Method: `python bench/bench_foundation.py --repeat {args.repeat}`. The check and its floor (the same inspect and log "
        "calls made bare with the Docker SDK) run interleaved in one process, so noise hits both alike; "
        "CLI commands are timed as child processes, 5 runs each, medians shown.\n\n" + table
    )
    write_section("Foundation", body)
    print(body)


if __name__ == "__main__":
    main()
