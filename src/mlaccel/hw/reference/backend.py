"""The reference backend: the golden kernels (int8 bit-exact, or float32), with MACs and bytes moved but no timing."""

from __future__ import annotations

from typing import Any

from ...backend import BoundKernel, OpResult
from ...lower import WorkItem
from .cost import flat_memory_stats

__all__ = ["ReferenceBackend"]


class ReferenceBackend:
    """Runs every work item with the bit-exact NumPy kernels of :mod:`mlaccel.kernels`."""

    name = "reference"
    config = None
    parallel = True  # runs are independent per sample and the Stats do not depend on the data
    runs_float = True  # float32 Graphs run here with the float kernels
    columns = ("output", "macs", "share", "params", "mem")
    notes: tuple[str, ...] = ()

    def begin(self, batch: int) -> None:
        """Nothing to reset: the kernels keep no state."""

    def prepare(self, item: WorkItem, kernel: BoundKernel) -> Any:
        return kernel, flat_memory_stats(item)

    def price(self, item: WorkItem):
        return flat_memory_stats(item)

    def run(self, item: WorkItem, prepared: Any, inputs: list) -> OpResult:
        kernel, stats = prepared
        return OpResult([kernel(inputs)], stats)
