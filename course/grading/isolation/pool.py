"""The workers of one grading run: started once (loading images is the cost), handed out, torn down."""

from __future__ import annotations

import contextlib
import queue
import shutil
import signal
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from course.grading.isolation.worker import Worker

Log = Callable[[str], None]


def storage_driver(main_client: Any) -> str:
    """The main daemon's storage driver: the one known to work on this machine's filesystem."""
    try:
        return str(main_client.info().get("Driver") or "overlay2")
    except Exception:  # noqa: BLE001 - fall back to Docker's default
        return "overlay2"


class WorkerPool:
    """Start N workers once per grading run (the image load is the cost), hand them out, tear them down."""

    def __init__(
        self,
        count: int,
        *,
        main_client: Any,
        images: Sequence[Any] = (),
        outside_network: bool = True,
        log: Log = print,
        on_daemon_ready: Callable[[Worker], None] | None = None,
    ) -> None:
        self.count = count
        self.on_daemon_ready = on_daemon_ready  # runs in the worker's start thread, while images still load
        self.outside_network = outside_network
        self.main_client = main_client
        self.catalog = list(images)
        self.log = log
        self.run_id = uuid.uuid4().hex[:6]
        self.scratch: Path | None = None
        self.workers: list[Worker] = []
        self._idle: queue.Queue[Worker] = queue.Queue()
        self.timings: dict[str, float] = {}

    def describe(self) -> dict[str, Any]:
        """What this run creates (for the gradebook, and to prove teardown): timings, namespaces, scratch."""
        return {
            **self.timings,
            "namespaces": [w.name for w in self.workers],
            "scratch": str(self.scratch),
            "uplinks": [w.uplink for w in self.workers if w.uplink is not None],
        }

    def __enter__(self) -> "WorkerPool":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        from course import images

        started = time.monotonic()
        # Short paths: a dockerd's exec-root and sockets hit the 108-byte Unix socket limit otherwise.
        self.scratch = Path(tempfile.mkdtemp(prefix="cg", dir="/tmp"))
        driver = storage_driver(self.main_client)
        self.workers = [Worker(f"cg{self.run_id}w{i}", self.scratch / f"w{i}", driver) for i in range(self.count)]

        def start_one(worker: Worker) -> None:
            worker.start(self.outside_network)
            if self.on_daemon_ready is not None:
                self.on_daemon_ready(worker)

        _in_parallel(start_one, [(worker,) for worker in self.workers])
        self.timings["daemons_s"] = round(time.monotonic() - started, 2)

        present = [image for image in images.status(self.main_client, self.catalog) if image.state != "missing"]
        loaded_at = time.monotonic()
        if present:
            bundle = self.scratch / "base-images.tar"
            names = {image.name for image in present}
            images.export_bundle(
                self.main_client, bundle, catalog=[c for c in self.catalog if c.name in names], log=lambda _line: None
            )
            self.timings["bundle_mb"] = round(bundle.stat().st_size / 1e6, 1)
            self.timings["save_s"] = round(time.monotonic() - loaded_at, 2)
            load_started = time.monotonic()
            # All at once: a small bundle loads in well under a second, a large one is disk-bound either way.
            _in_parallel(lambda worker: worker.load_images(bundle), [(worker,) for worker in self.workers])
            self.timings["load_s"] = round(time.monotonic() - load_started, 2)
            bundle.unlink(missing_ok=True)
        else:
            for worker in self.workers:
                worker.base_images = set()
        self.timings["ready_s"] = round(time.monotonic() - started, 2)
        for worker in self.workers:
            self._idle.put(worker)

    @contextlib.contextmanager
    def acquire(self) -> Iterator[Worker]:
        """An idle worker, wiped clean before it is handed out and after it comes back."""
        worker = self._idle.get()
        try:
            worker.wipe()
            yield worker
        finally:
            try:
                worker.wipe()
            finally:
                self._idle.put(worker)

    def stop(self) -> None:
        # Ctrl-C during teardown would leave namespaces behind: finish it first.
        previous = _ignore_sigint()
        try:

            def stop_one(worker: Worker) -> None:
                try:
                    worker.stop()
                except Exception as exc:  # noqa: BLE001 - stop the others anyway, then say what is left
                    self.log(f"! could not fully remove worker {worker.name}: {exc}")

            _in_parallel(stop_one, [(worker,) for worker in self.workers])
            if self.scratch is not None:
                for _attempt in range(3):  # a child killed a moment ago may still be closing files
                    shutil.rmtree(self.scratch, ignore_errors=True)
                    if not self.scratch.exists():
                        break
                    time.sleep(0.5)
                self.scratch = None
        finally:
            _restore_sigint(previous)


def _in_parallel(func: Callable[..., None], calls: Sequence[tuple[Any, ...]]) -> None:
    """func(*args) for every args at once, one thread each; the first error is raised after all are done."""
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        futures = [pool.submit(func, *args) for args in calls]
    for future in futures:
        future.result()


def _ignore_sigint() -> Any:
    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    return None


def _restore_sigint(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
