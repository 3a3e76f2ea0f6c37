"""Time limits for the user's Python code that the simulator calls (a CFU's ``op``, ``cfu.py``).

A watcher thread raises :class:`TimeLimit` asynchronously in the watched thread when a guarded
call runs past its limit, so an endless Python loop in a CFU stops with a clear error instead of
hanging the run. The check in the hot path is two assignments; the thread only polls.
"""

from __future__ import annotations

import ctypes
import threading
import time

__all__ = ["TimeLimit", "Watchdog"]


class TimeLimit(BaseException):
    """Raised inside a guarded call that ran past its limit (a BaseException, so that a CFU's own
    ``except Exception`` cannot swallow it)."""


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc) if exc is not None else None)


class Watchdog:
    """Watches guarded calls made by the thread that enters it.

    Parameters
    ----------
    limit_s : float
        Seconds one guarded call may take.

    Examples
    --------
    >>> with Watchdog(10.0) as wd:      # doctest: +SKIP
    ...     wd.started = time.monotonic(); cfu.op(...); wd.started = 0.0
    """

    def __init__(self, limit_s: float):
        self.limit_s = limit_s
        self.started = 0.0  # monotonic time the current guarded call began; 0 when none runs
        self.fired = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._target = 0

    def __enter__(self) -> "Watchdog":
        self._target = threading.get_ident()
        self._thread = threading.Thread(target=self._watch, name="mlaccel-cfu-watchdog", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self.fired and not (exc and exc[0] is TimeLimit):
            _raise_in(self._target, None)  # the call ended just in time: drop the pending exception

    def guard(self):
        """A context manager guarding one call (for calls made rarely, such as an import)."""
        return _Guard(self)

    def _watch(self) -> None:
        poll = min(max(self.limit_s / 20, 0.01), 0.25)
        while not self._stop.wait(poll):
            start = self.started
            if start and time.monotonic() - start > self.limit_s:
                self.fired = True
                _raise_in(self._target, TimeLimit)
                return


class _Guard:
    def __init__(self, wd: Watchdog):
        self.wd = wd

    def __enter__(self):
        self.wd.started = time.monotonic()

    def __exit__(self, *exc):
        self.wd.started = 0.0
