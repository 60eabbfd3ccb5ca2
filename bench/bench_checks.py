"""Check time per exercise vs its floor: the same Docker API calls and probes, timed bare.

For each exercise: apply the reference solution, then run its check several
times. During each check every HTTP request (Docker Engine API calls over the
socket, and HTTP probes through published ports) and every child process
(Compose) is timed where it happens; their sum is the floor — the time the
daemon, the probes and Compose themselves take. The ratio check/floor is what
the engine adds. Both come from the same runs, so machine noise hits both.

Usage: python bench/bench_checks.py [--repeat N] [--chapter N]
Writes the "Check time per exercise" section of docs/performance.md (all chapters only; with
--chapter it just prints).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

sys.path.insert(0, os.path.dirname(__file__))
from checker import settings  # noqa: E402

from common import machine, write_section  # noqa: E402


class FloorClock:
    """Accumulates the wall time spent inside I/O calls the check makes."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        import requests

        original_request = requests.Session.request
        original_run = subprocess.run
        clock = self

        def request(session, method, url, **kwargs):  # type: ignore[no-untyped-def]
            """One HTTP request as the SDK (or a probe) makes it bare: prepared, sent, body read."""
            started = time.perf_counter()
            try:
                response = original_request(session, method, url, **kwargs)
                if not kwargs.get("stream"):
                    response.content  # noqa: B018 - reading the body is part of the call
                return response
            finally:
                clock.seconds += time.perf_counter() - started
                clock.calls += 1

        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return original_run(*args, **kwargs)
            finally:
                clock.seconds += time.perf_counter() - started
                clock.calls += 1

        import docker.api.client

        original_stream = docker.api.client.APIClient._stream_helper

        def stream(api, response, decode=False):  # type: ignore[no-untyped-def]
            """A streamed response (a build's log): the daemon's time is spent while we read it."""
            iterator = original_stream(api, response, decode=decode)
            while True:
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    clock.seconds += time.perf_counter() - started
                yield item

        original_read = docker.api.client.APIClient._read_from_socket

        def read(api, response, stream, tty=True, demux=False):  # type: ignore[no-untyped-def]
            """`exec` output is read from the raw socket after the request returned: daemon time too."""
            started = time.perf_counter()
            try:
                return original_read(api, response, stream, tty=tty, demux=demux)
            finally:
                clock.seconds += time.perf_counter() - started

        requests.Session.request = request  # type: ignore[method-assign]
        subprocess.run = run  # type: ignore[assignment]
        docker.api.client.APIClient._stream_helper = stream  # type: ignore[method-assign]
        docker.api.client.APIClient._read_from_socket = read  # type: ignore[method-assign]
        try:
            yield
        finally:
            requests.Session.request = original_request  # type: ignore[method-assign]
            subprocess.run = original_run  # type: ignore[assignment]
            docker.api.client.APIClient._stream_helper = original_stream  # type: ignore[method-assign]
            docker.api.client.APIClient._read_from_socket = original_read  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chapter", type=int)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-checks-")
    os.environ.update(
        {
            settings.WORKDIR.name: workdir,
            settings.PROGRESS.name: f"{workdir}/progress.json",
            settings.NO_PROGRESS.name: "1",
        }
    )

    from checker import api
    from checker.registry import default_registry

    registry = default_registry()
    exercises = registry.chapter(args.chapter) if args.chapter is not None else registry.exercises
    rows = []
    for ex in exercises:
        try:
            api.solve(ex.id)
            api.check(ex.id)  # warm: first client, kind modules
            checks, floors, calls = [], [], 0
            for _ in range(args.repeat):
                clock = FloorClock()
                with clock.installed():
                    started = time.perf_counter()
                    result = api.check(ex.id)
                    checks.append(time.perf_counter() - started)
                floors.append(clock.seconds)
                calls = clock.calls
                if not result.passed:
                    print(f"!! {ex.id} did not pass on a repeated check:\n{result}", flush=True)
        finally:
            api.reset(ex.id)
        check_ms = statistics.median(checks) * 1000
        floor_ms = statistics.median(floors) * 1000
        rows.append((ex.chapter, ex.id, len(ex.checks), calls, check_ms, floor_ms))
        print(
            f"{ex.id:<28} {check_ms:8.1f} ms  floor {floor_ms:8.1f} ms  {check_ms / max(floor_ms, 1e-9):5.2f}×  "
            f"({calls} calls)",
            flush=True,
        )

    table = "| ch | exercise | checks | I/O calls | check (median) | floor | ratio |\n|---|---|---|---|---|---|---|\n"
    table += "\n".join(
        f"| {c:02d} | {i} | {n} | {k} | {a:.1f} ms | {b:.1f} ms | {a / max(b, 1e-9):.2f}× |"
        for c, i, n, k, a, b in rows
    )
    ratios = sorted(a / max(b, 1e-9) for *_, a, b in rows)
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
        f"Method: `python bench/bench_checks.py --repeat {args.repeat}`. After `solve`, each exercise's check runs "
        f"{args.repeat} times in process (after one warm-up). The floor is the wall time spent inside the I/O the "
        "check "
        "makes — every Engine API request and HTTP probe as the SDK and requests make it (`requests.Session.request`: "
        "prepare, "
        "send, read the body), every exec or build stream read, every Compose process — timed where it happens in the "
        "same run. "
        "The ratio is what the engine adds on top (Python work, and the short sleeps of polls between probe "
        "attempts).\n\n"
        f"Median ratio {statistics.median(ratios):.2f}×, worst {ratios[-1]:.2f}× (target ≤ 1.5×).\n\n" + table
    )
    if args.chapter is None:  # a single chapter is a quick look, not the table of record
        write_section("Check time per exercise", body)


if __name__ == "__main__":
    main()
