"""How a model's run uses the machine's cores: batch chunks on our own threads, BLAS on one.

OpenBLAS's worker threads spin while they wait for work. On a two-core machine with another
process busy, those spinning threads and the busy process fight for the cores, and batched
throughput fell from 13x TFLite-Micro to 0.9x. So a batch of at least ``2 * MIN_CHUNK`` samples is
split into chunks that a pool of ordinary threads (which block, not spin) runs in parallel, the
compiled kernels and BLAS releasing the GIL, while BLAS is held to one thread. A machine whose
cores are busy loses only its share of them. Smaller runs stay in the calling thread and leave
BLAS as it is: changing OpenBLAS's thread count costs 30 to 200 us per run, more than a single
kws inference gains from it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

__all__ = ["Runtime", "available_cpus", "MIN_CHUNK"]

MIN_CHUNK = 8  # samples; below this a chunk's thread hand-off costs more than it saves


def available_cpus() -> int:
    """Cores this process may run on (its affinity mask), or ``$MLACCEL_THREADS`` when set."""
    env = os.environ.get("MLACCEL_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _getter(lib):
    """A fast ``get_num_threads`` for a threadpoolctl controller (its own looks the symbol up per call)."""
    symbol = getattr(lib, "_get_symbol", None)
    fn = symbol("openblas_get_num_threads") if symbol and lib.internal_api == "openblas" else None
    return fn if fn is not None else lib.get_num_threads


class Runtime:
    """A thread pool for batch chunks and a handle on BLAS's thread count, made when first needed.

    Parameters
    ----------
    threads : int
        Worker threads for batch chunks (1: run in the calling thread only).
    """

    def __init__(self, threads: int):
        self.threads = max(1, int(threads))
        self._pool: ThreadPoolExecutor | None = None
        self._blas: list | None = None

    def chunks(self, batch: int) -> list[tuple[int, int]]:
        """``[(start, stop), ...]`` covering ``range(batch)``: one chunk when parallel work would not
        pay, otherwise one per thread (more, smaller chunks cost more in per-op overhead than a busy
        core costs in waiting)."""
        if self.threads == 1 or batch < 2 * MIN_CHUNK:
            return [(0, batch)]
        n = min(batch // MIN_CHUNK, self.threads)
        edges = [batch * i // n for i in range(n + 1)]
        return list(zip(edges[:-1], edges[1:]))

    def map(self, fn, items: list) -> list:
        """``[fn(item) for item in items]``, on the pool when there is more than one item."""
        if len(items) == 1:
            return [fn(items[0])]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="mlaccel")
        return list(self._pool.map(fn, items))

    @contextmanager
    def single_blas(self):
        """Hold BLAS to one thread (restoring its setting after): no spinning worker threads."""
        changed = []
        for lib, get in self._blas_libs():
            n = get()
            if n is not None and n != 1:
                lib.set_num_threads(1)
                changed.append((lib, n))
        try:
            yield
        finally:
            for lib, n in changed:
                lib.set_num_threads(n)

    def _blas_libs(self) -> list:
        """``(controller, get_num_threads)`` of each BLAS threadpoolctl finds, looked up once."""
        if self._blas is None:
            try:
                from threadpoolctl import ThreadpoolController

                libs = ThreadpoolController().select(user_api="blas").lib_controllers
                self._blas = [(lib, _getter(lib)) for lib in libs]
            except Exception:  # noqa: BLE001 - no threadpoolctl or no BLAS it knows: leave BLAS alone
                self._blas = []
        return self._blas

    def close(self) -> None:
        """Stop the worker threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def __del__(self):
        self.close()
