"""The Backend contract that every target implements, and what the session hands it."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Protocol

import numpy as np

from .lower import WorkItem
from .stats import Stats

__all__ = ["Backend", "OpResult", "BoundKernel"]


class OpResult(NamedTuple):
    """What a backend returns for one work item: output arrays (with the sample axis) and their cost.

    A named tuple: one is made per item and run, and a frozen dataclass costs a microsecond more.
    """

    outputs: list[np.ndarray]
    stats: Stats


class BoundKernel(NamedTuple):
    """An op's golden kernel with its prepared parameters (:mod:`mlaccel.kernels`): ``kernel(inputs)``
    computes the op's outputs bit-exactly. The session prepares it once per model, for every target."""

    eval: Callable[[Any, list], np.ndarray]
    params: Any

    def __call__(self, inputs: list) -> np.ndarray:
        return self.eval(self.params, inputs)


class Backend(Protocol):
    """A target that runs work items (:mod:`mlaccel.lower`).

    ``prepare(item, kernel)`` does the per-model work once (it raises UnsupportedOpError for items
    the target cannot run); ``kernel`` is the op's golden kernel, bound to its parameters.
    ``begin(batch)`` starts a run of ``batch`` samples (a family with state, such as the SoC's
    caches, resets it here, so that every run gives the same Stats). ``run(item, prepared,
    inputs)`` runs one item on arrays that carry a leading sample axis and returns an
    :class:`OpResult` whose Stats describe one inference.

    A backend may also offer ``price(item) -> Stats | None``: the item's costs without running it,
    or None where they follow the data (design sweeps price thousands of configs this way).

    Attributes
    ----------
    name : str
        The resolved target, e.g. ``"systolic:edge-16x16-os"``.
    config : object
        The family's Config (None for ``reference``).
    columns : tuple of str
        The per-op table's columns, by the names of :mod:`mlaccel.report.tables`.
    notes : tuple of str
        Caveats of this configuration a report should show (e.g. an extrapolated energy table).
    """

    name: str
    config: Any
    columns: tuple[str, ...]
    notes: tuple[str, ...]

    def begin(self, batch: int) -> None: ...

    def prepare(self, item: WorkItem, kernel: BoundKernel) -> Any: ...

    def run(self, item: WorkItem, prepared: Any, inputs: list) -> OpResult: ...
