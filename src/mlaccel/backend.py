"""The Backend contract that every target implements."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import numpy as np

from .graph import Op
from .stats import Stats

__all__ = ["Backend", "OpResult"]


class OpResult(NamedTuple):
    """What a backend returns for one op: output arrays (with the sample axis) and their cost.

    A named tuple: one is made per op and run, and a frozen dataclass costs a microsecond more.
    """

    outputs: list[np.ndarray]
    stats: Stats


class Backend(Protocol):
    """A target that runs ops.

    ``prepare(op)`` does the per-model work once (it raises UnsupportedOpError for ops the target
    cannot run). ``begin(batch)`` starts a run of ``batch`` samples (a family with state, such as
    the SoC's caches, resets it here, so that every run gives the same Stats). ``run(op, prepared,
    inputs)`` runs one op on arrays that carry a leading sample axis and returns an
    :class:`OpResult` whose Stats describe one inference.

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

    def prepare(self, op: Op) -> Any: ...

    def run(self, op: Op, prepared: Any, inputs: list) -> OpResult: ...
