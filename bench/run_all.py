"""Run every benchmark in turn; each writes its section of docs/performance.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in (
    "bench_foundation.py",
    "bench_checks.py",
    "bench_images_cold.py",
    "bench_verify_grade.py",
    "bench_sandbox.py",
    "bench_classroom.py",
):
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
