"""Wall time of `verify` per chapter and in all, and grading throughput with 1 and 2 jobs.

Usage: python bench/bench_verify_grade.py [--submissions 10] [--skip-verify]
Writes the "Verify" and "Grading throughput" sections of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from checker import settings  # noqa: E402

from common import machine, run_cli, write_section  # noqa: E402


def bench_verify() -> None:
    from checker.registry import default_registry

    rows = []
    total = 0.0
    for chapter in sorted({e.chapter for e in default_registry().exercises}):
        started = time.perf_counter()
        proc = run_cli("verify", "--chapter", str(chapter), "--json")
        seconds = time.perf_counter() - started
        total += seconds
        report = json.loads(proc.stdout)
        notebooks = sum(n.get("seconds", 0) for n in report.get("notebooks", []))
        rows.append((chapter, len(report["exercises"]), report["ok"], seconds, notebooks))
        print(f"chapter {chapter}: {seconds:.0f} s ({'ok' if report['ok'] else 'FAILED'})", flush=True)
    table = "| chapter | exercises | ok | wall time | of which headless notebook |\n|---|---|---|---|---|\n"
    table += "\n".join(f"| {c:02d} | {n} | {'✔' if ok else '✘'} | {s:.0f} s | {nb:.0f} s |" for c, n, ok, s, nb in rows)
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
        "Method: `python bench/bench_verify_grade.py`: `python -m course verify --chapter N --json` for each chapter "
        "in turn, "
        "timed as a child process. Each includes the headless run of the chapter's notebook with the reference "
        "solutions. "
        "The daemon's build cache is as the previous runs left it (reset keeps cache layers), which is the author's "
        "usual "
        "case; the very first verify on a fresh machine also downloads the Debian packages its images install.\n\n"
        f"All chapters: **{total / 60:.1f} min** (target < 10 min on 2 cores).\n\n" + table
    )
    write_section("Verify", body)


ORDER = (1, 2, 2, 1)


def bench_grading(count: int) -> None:
    import nbformat

    from checker.registry import default_registry
    from course.grading.headless import solved_copy

    notebook = settings.NOTEBOOKS_DIR / "00-start-here.ipynb"
    folder = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        solved = solved_copy(nbformat.read(str(notebook), as_version=4), default_registry().chapter(0))
        subs = []
        for i in range(count):
            path = folder / f"learner{i:02d}.ipynb"
            nbformat.write(solved, str(path))
            subs.append(str(path))
        samples: dict[int, list[float]] = {1: [], 2: []}
        isolation: dict[str, object] = {}
        for round_index, jobs in enumerate(ORDER):  # 1 2 2 1: drift in the machine's speed hits both alike
            out = folder / f"out{round_index}"
            started = time.perf_counter()
            proc = run_cli("grade", *subs, "--out", str(out), "--jobs", str(jobs))
            samples[jobs].append(time.perf_counter() - started)
            book = json.loads((out / "gradebook.json").read_text())
            full = sum(1 for learner in book["learners"] if learner["total"] == learner["max"])
            print(
                f"--jobs {jobs}: {samples[jobs][-1]:.1f} s, {full}/{count} full marks, exit {proc.returncode}",
                flush=True,
            )
            if proc.returncode != 0 or full != count:
                raise SystemExit(proc.stdout + proc.stderr)
            isolation = book.get("isolation") or isolation
        timings = {jobs: statistics.median(values) for jobs, values in samples.items()}
        speedup = timings[1] / timings[2]
        body = (
            f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
            f"Method: `python bench/bench_verify_grade.py --submissions {count}`: {count} solved copies of "
            "00-start-here graded by "
            "`python -m course grade … --jobs N`, timed as child processes in one run, in the order --jobs 1, 2, 2, 1; "
            "medians shown.\n\n"
            "| jobs | wall time (median) | runs | per submission |\n|---|---|---|---|\n"
            + "".join(
                f"| {jobs} | {timings[jobs]:.1f} s | {', '.join(f'{v:.1f}' for v in samples[jobs])} s | "
                f"{timings[jobs] / count:.1f} s |\n"
                for jobs in (1, 2)
            )
            + "\n"
            f"Speed-up of 2 jobs over 1: **{speedup:.2f}×** (target ≥ 1.6×). Worker start-up for 2 jobs: "
            f"{json.dumps({k: v for k, v in isolation.items() if isinstance(v, (int, float))})}.\n"
        )
        write_section("Grading throughput", body)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--skip-verify", action="store_true")
    args = parser.parse_args()
    if not args.skip_verify:
        bench_verify()
    bench_grading(args.submissions)


if __name__ == "__main__":
    main()
