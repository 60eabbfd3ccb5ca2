"""This tree against an earlier revision, side by side in one run: did a restructure cost speed?

For each case, one process per tree and round, the trees alternating, so that the
machine's drift falls on both. Each process imports the engine, loads the
registry and checks a few solved exercises several times; it reports each part.
The exercises are solved once, with this tree, before the rounds.

Usage: python bench/bench_against_revision.py REV [--rounds N] [--checks N]
Prints a table (median ms per tree and their ratio); writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import REPO, run_cli  # noqa: E402

# State-only checks, a build-free behaviour check, and Compose services: the engine's common paths.
EXERCISES = ("warmup-hello", "one-image-two-containers", "serve-folder", "compose-first-stack")

PROBE = """
import json, sys, time
t0 = time.perf_counter()
from checker import api
from checker.registry import default_registry
t1 = time.perf_counter()
default_registry()
t2 = time.perf_counter()
out = {"import checker.api": t1 - t0, "load the registry": t2 - t1}
for exercise in sys.argv[2:]:
    api.check(exercise)  # warm: the client, the kind modules
    samples = []
    for _ in range(int(sys.argv[1])):
        started = time.perf_counter()
        result = api.check(exercise)
        samples.append(time.perf_counter() - started)
        assert result.passed, result
    out[f"check {exercise}"] = sorted(samples)[len(samples) // 2]
print(json.dumps(out))
"""


def measure(tree: Path, checks: int, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(checks), *EXERCISES],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("revision")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checks", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rev-") as scratch:
        old = Path(scratch) / "old"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), args.revision], check=True)
        workdir = Path(scratch) / "work"
        env = {
            **os.environ,
            "COURSE_WORKDIR": str(workdir),
            "COURSE_PROGRESS": str(workdir / "progress.json"),
            "COURSE_NO_PROGRESS": "1",
        }
        try:
            for exercise in EXERCISES:
                run_cli("solve", exercise, env=env).check_returncode()
            trees = {"this tree": REPO, args.revision[:10]: old}
            samples: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    for part, seconds in measure(tree, args.checks, env).items():
                        samples[name].setdefault(part, []).append(seconds)
            print(f"| part | this tree (ms) | {args.revision[:10]} (ms) | ratio |")
            print("|---|---|---|---|")
            new, before = samples["this tree"], samples[args.revision[:10]]
            for part in new:
                a, b = statistics.median(new[part]) * 1000, statistics.median(before[part]) * 1000
                print(f"| {part} | {a:.1f} | {b:.1f} | {a / b:.2f}× |")
        finally:
            for exercise in EXERCISES:
                run_cli("reset", exercise, env=env)
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], check=False)


if __name__ == "__main__":
    main()
