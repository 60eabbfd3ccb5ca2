"""Shared timing helpers: measure cases side by side in one run and write a markdown table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Callable

from checker import settings

REPO = settings.REPO_ROOT
RESULTS = REPO / "docs" / "performance.md"


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of each call, in seconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def interleaved(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Run the cases round-robin so machine noise hits them alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, func in cases.items():
            started = time.perf_counter()
            func()
            samples[name].append(time.perf_counter() - started)
    return samples


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "course", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def machine() -> str:
    import docker

    info = docker.from_env().version()
    return (
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Docker engine {info.get('Version')} (API {info.get('ApiVersion')})"
    )


def write_section(title: str, body: str) -> None:
    """Replace (or append) one `## title` section of docs/performance.md."""
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else "# Performance\n\nMeasured by the scripts in `bench/`. Re-run them to refresh.\n"
    )
    header = f"## {title}\n"
    start = text.find(header)
    if start >= 0:
        end = text.find("\n## ", start + len(header))
        text = text[:start] + header + body.rstrip() + "\n" + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + header + body.rstrip() + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
