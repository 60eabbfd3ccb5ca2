"""Foundation timings: a state-only check vs its bare-SDK floor, doctor, warm `images`,
checker import (interpreter and kernel).

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
from checker import settings  # noqa: E402

from common import REPO, interleaved, machine, median_ms, run_cli, timed, write_section  # noqa: E402

EXERCISE = "warmup-hello"
CONTAINER = "hello-course"


KERNEL_IMPORT = "import time\nstarted = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)\n"


def import_in_fresh_kernel(statement: str) -> float:
    """Seconds `statement` takes in a just-started notebook kernel (what a learner's first cell pays)."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(REPO), stderr=subprocess.DEVNULL)
    try:
        output: list[str] = []
        client.execute_interactive(
            KERNEL_IMPORT.format(statement=statement),
            timeout=60,
            output_hook=lambda msg: output.append(msg["content"].get("text", "")),
        )
        return float("".join(output).strip().splitlines()[-1])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-")
    os.environ.update(
        {
            settings.WORKDIR.name: workdir,
            settings.PROGRESS.name: f"{workdir}/progress.json",
            settings.NO_PROGRESS.name: "1",
        }
    )
    import docker

    from checker import api

    api.solve(EXERCISE)
    try:
        client = docker.from_env()
        client.api.trust_env = False  # as the course's own client: no proxy scan on a Unix socket

        def floor() -> None:
            """The same daemon calls the check makes, done bare: inspect container + image, read logs."""
            info = client.api.inspect_container(CONTAINER)
            client.api.inspect_image("busybox:1.35")
            client.api.logs(CONTAINER, stdout=True, stderr=True)
            assert info["State"]["ExitCode"] == 0

        def check() -> None:
            assert api.check(EXERCISE).passed

        check()  # warm the client and the kind registry, as a notebook's first check does
        samples = interleaved({"check": check, "floor": floor}, args.repeat)
        check_ms, floor_ms = median_ms(samples["check"]), median_ms(samples["floor"])
    finally:
        api.reset(EXERCISE)

    doctor = timed(lambda: run_cli("doctor"), 5)
    images_warm = timed(lambda: run_cli("images"), 5)
    python_start = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 5)
    import_checker = timed(
        lambda: subprocess.run([sys.executable, "-c", "import checker.api"], check=True, cwd=REPO), 5
    )
    kernel_checker = [import_in_fresh_kernel("import checker.api") for _ in range(5)]
    kernel_notebook = [
        import_in_fresh_kernel("from course.notebook import check, hint, reset, setup") for _ in range(5)
    ]

    rows = [
        (
            "in-process `check` of warmup-hello (state + logs, 4 checks)",
            f"{check_ms:.1f} ms",
            f"floor {floor_ms:.1f} ms → {check_ms / floor_ms:.2f}×",
            "< 50 ms",
        ),
        ("`python -m course doctor`", f"{median_ms(doctor):.0f} ms", "", "< 2 s"),
        ("`python -m course images`, everything present", f"{median_ms(images_warm):.0f} ms", "", "< 2 s"),
        (
            "`import checker.api` in a fresh interpreter",
            f"{median_ms(import_checker):.0f} ms",
            f"bare interpreter start {median_ms(python_start):.0f} ms",
            "< 500 ms",
        ),
        (
            "`import checker.api` in a fresh notebook kernel",
            f"{median_ms(kernel_checker):.0f} ms",
            "timed inside the kernel",
            "< 500 ms",
        ),
        (
            "a notebook's first cell, `from course.notebook import …`, in a fresh kernel",
            f"{median_ms(kernel_notebook):.0f} ms",
            "timed inside the kernel (widgets included)",
            "< 500 ms",
        ),
    ]
    table = "| case | median | side by side | target |\n|---|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows
    )
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
        f"Method: `python bench/bench_foundation.py --repeat {args.repeat}`. The check and its floor (the same "
        "inspect and log "
        "calls made bare with the Docker SDK) run interleaved in one process, so noise hits both alike; "
        "CLI commands are timed as child processes, 5 runs each, medians shown; imports in a kernel are timed inside 5 "
        "freshly started `python3` kernels each.\n\n" + table
    )
    write_section("Foundation", body)
    print(body)


if __name__ == "__main__":
    main()
