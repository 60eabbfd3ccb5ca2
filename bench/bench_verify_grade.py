"""Wall time of `verify` per chapter and in all, and grading throughput: trusted, sandboxed, two sandboxes.

Usage: python bench/bench_verify_grade.py [--submissions 10] [--chapter 1] [--skip-verify]
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


# name → extra `grade` arguments; run in this order and then reversed, so drift hits every case alike.
GRADING_CASES = {
    "trusted, --jobs 1": ["--trusted"],
    "sandboxed, --jobs 1": [],
    "sandboxed, --jobs 2": ["--jobs", "2"],
}


def bench_grading(count: int, chapter: int) -> None:
    import nbformat

    from checker.registry import default_registry
    from course.grading.headless import solved_copy

    exercises = default_registry().chapter(chapter)
    notebook = settings.NOTEBOOKS_DIR / f"{exercises[0].notebook}.ipynb"
    folder = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        solved = solved_copy(nbformat.read(str(notebook), as_version=4), exercises)
        subs = []
        for i in range(count):
            path = folder / f"learner{i:02d}.ipynb"
            nbformat.write(solved, str(path))
            subs.append(str(path))
        samples: dict[str, list[float]] = {name: [] for name in GRADING_CASES}
        order = [*GRADING_CASES, *reversed(GRADING_CASES)]
        for round_index, name in enumerate(order):
            out = folder / f"out{round_index}"
            started = time.perf_counter()
            proc = run_cli("grade", *subs, "--out", str(out), *GRADING_CASES[name])
            samples[name].append(time.perf_counter() - started)
            book = json.loads((out / "gradebook.json").read_text())
            full = sum(1 for learner in book["learners"] if learner["total"] == learner["max"])
            print(f"{name}: {samples[name][-1]:.1f} s, {full}/{count} full marks, exit {proc.returncode}", flush=True)
            if proc.returncode != 0 or full != count:
                raise SystemExit(proc.stdout + proc.stderr)
        timings = {name: statistics.median(values) for name, values in samples.items()}
        trusted, sandboxed, parallel = (timings[name] for name in GRADING_CASES)
        body = (
            f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
            f"Method: `python bench/bench_verify_grade.py --submissions {count} --chapter {chapter}`: {count} solved "
            f"copies of {notebook.name} graded by `python -m course grade …`, timed as child processes in one run, "
            "each case twice (in order, then in reverse); medians shown. Trusted grades on the main daemon in the "
            "grader's process; sandboxed makes a fresh sandbox per submission (the next one while the current one "
            "grades).\n\n"
            "| case | wall time (median) | runs | per submission |\n|---|---|---|---|\n"
            + "".join(
                f"| {name} | {timings[name]:.1f} s | {', '.join(f'{v:.1f}' for v in samples[name])} s | "
                f"{timings[name] / count:.2f} s |\n"
                for name in GRADING_CASES
            )
            + "\n"
            f"Sandbox overhead, sandboxed over trusted at one job: **{sandboxed / trusted:.2f}×** (target ≤ 1.3×). "
            f"Two sandboxes at a time over one: **{sandboxed / parallel:.2f}×** faster.\n"
        )
        write_section("Grading throughput", body)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--chapter", type=int, default=1, help="the chapter whose solved notebook is graded")
    parser.add_argument("--skip-verify", action="store_true")
    args = parser.parse_args()
    if not args.skip_verify:
        bench_verify()
    bench_grading(args.submissions, args.chapter)


if __name__ == "__main__":
    main()
