"""`python -m course images` on an empty daemon: every base image built offline as a stand-in.

Usage: python bench/bench_images_cold.py
Writes the "Cold images" section of docs/performance.md.

The main daemon keeps its images and its build cache: the command runs
against a fresh isolated daemon (course.isolation, the same kind grading
uses), which has no image and no cache, so every step really runs. That
needs root; the daemon and its namespace are removed afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import REPO, machine, write_section  # noqa: E402


def main() -> None:
    import docker

    from course.grading.isolation import WorkerPool, isolation_problem

    problem = isolation_problem()
    if problem:
        raise SystemExit(f"cannot measure a cold build here: {problem}")
    with WorkerPool(1, main_client=docker.from_env(), images=(), log=print) as pool:
        worker = pool.workers[0]
        started = time.perf_counter()
        proc = subprocess.run(
            worker.command([sys.executable, "-m", "course", "images", "--offline"]),
            cwd=REPO,
            env=worker.env(),
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        print(proc.stdout[-3000:], proc.stderr[-2000:], sep="\n")
        if proc.returncode != 0:
            raise SystemExit(f"`course images --offline` failed with {proc.returncode}")
        sizes = {tag: image.attrs["Size"] for image in worker.client().images.list() for tag in image.tags}
    per_image = re.findall(r"✔ (\S+) built \(standin\) in (\S+)", proc.stdout)
    table = "| image | built in | size |\n|---|---|---|\n" + "\n".join(
        f"| {name} | {took} | {sizes.get(name, 0) / 1e6:.0f} MB |" for name, took in per_image
    )
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
        "Method: `python bench/bench_images_cold.py`: `python -m course images --offline` timed as a child process "
        "against "
        "a fresh isolated daemon (no image, no build cache), so every stand-in is built from nothing: busybox from the "
        "host's busybox-static, Debian by debootstrap, the others by Dockerfile with `apt-get` from the package "
        "mirror.\n\n"
        f"All five: **{seconds:.0f} s** (the learner runs this once; `--export`/`--import` moves the result to other "
        "machines).\n\n" + table
    )
    write_section("Cold images", body)
    print(body)


if __name__ == "__main__":
    main()
