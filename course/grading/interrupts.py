"""SIGTERM as Ctrl-C while grading, so kernels, workers and namespaces are torn down either way."""

from __future__ import annotations

import signal
import threading


class SigtermAsInterrupt:
    """SIGTERM behaves like Ctrl-C while grading, so kernels, workers and namespaces are torn down."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, raise_interrupt)

    def __exit__(self, *exc_info: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
