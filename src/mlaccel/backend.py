"""The Backend contract that every target implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .graph import Op
from .stats import Stats

__all__ = ["Backend", "OpResult"]


@dataclass(frozen=True)
class OpResult:
    """What a backend returns for one op: output arrays (with the sample axis) and their cost."""

    outputs: list[np.ndarray]
    stats: Stats


class Backend(Protocol):
    """A target that runs ops.

    ``prepare(op)`` does the per-model work once (it raises UnsupportedOpError for ops the target
    cannot run); ``run(op, prepared, inputs)`` runs one op on arrays that carry a leading sample
    axis and returns an :class:`OpResult` whose Stats describe one inference.
    """

    name: str
    config: Any

    def prepare(self, op: Op) -> Any: ...

    def run(self, op: Op, prepared: Any, inputs: list) -> OpResult: ...
