"""Closed-form mapping of a GEMM onto an R x C systolic array for the WS, OS and IS dataflows.

A GEMM ``C[M, N] = A[M, K] @ B[K, N]`` maps as (SCALE-Sim's S_r, S_c, T):

==========  ==============  ==============  ================
dataflow    array rows Sr   array cols Sc   streamed T
==========  ==============  ==============  ================
ws          K (B stays)     N               M rows of A
os          M (C stays)     N               K
is          K (A stays)     M               N columns of B
==========  ==============  ==============  ================

The operands are folded into ``ceil(Sr/R) * ceil(Sc/C)`` tiles. Per fold, the register-level
schedule of :mod:`.pe_array` takes, for a tile of ``r`` used rows and ``c`` used columns,

* ws, is: ``R`` cycles to shift the stationary tile in, then ``T + R + c - 2`` cycles until the
  last skewed operand has entered row 0, its partial sum has passed all R rows and the last used
  column has emitted it: ``2R + c + T - 2``;
* os: ``T + r + c - 2`` cycles until PE (r-1, c-1) has its last product; the outputs drain through
  shadow registers under the next fold.

SCALE-Sim 3.0.0 charges every fold as if it used the whole array (``c = C``, ``r = R``) and reports
the sum minus one; :attr:`Mapping.scalesim_cycles` reproduces that, :attr:`Mapping.compute_cycles`
is the schedule's own count.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

__all__ = ["Mapping", "map_gemm", "fold_cycles"]


def fold_cycles(dataflow: str, rows: int, cols: int, t: int) -> int:
    """Cycles of one fold that streams ``t`` operand vectors through a fully used R x C array."""
    if dataflow == "os":
        return t + rows + cols - 2
    return 2 * rows + cols + t - 2


@dataclass(frozen=True)
class Mapping:
    """How one GEMM folds onto the array, and its compute timing.

    Attributes
    ----------
    dataflow : str
    m, k, n : int
        GEMM dimensions.
    sr, sc, t : int
        Spatial rows, spatial columns and temporal extent (see the module table).
    row_folds, col_folds : int
    fold_cycles : int
        Cycles of a fold that uses the whole array.
    compute_cycles : int
        Sum of the per-fold cycles of the schedule, with partial tiles finishing early.
    scalesim_cycles : int
        SCALE-Sim 3.0.0's "Total Cycles": every fold charged for the whole array, minus one.
    mapping_efficiency : float
        Mean fraction of PEs holding a mapped element, over folds.
    compute_utilization : float
        SCALE-Sim's "compute util": useful PE-cycles over PE-cycles of each fold including the
        fill of the last column (``fold_cycles + C - 1`` for ws/is).
    utilization : float
        MACs over (compute cycles x R x C): the array's overall busy fraction.
    """

    dataflow: str
    rows: int
    cols: int
    m: int
    k: int
    n: int
    sr: int
    sc: int
    t: int
    row_folds: int
    col_folds: int
    fold_cycles: int

    @property
    def folds(self) -> int:
        return self.row_folds * self.col_folds

    @property
    def compute_cycles(self) -> int:
        fr, fc, t = self.row_folds, self.col_folds, self.t
        if self.dataflow == "os":  # sum over folds of T + r_used + c_used - 2
            return fr * fc * (t - 2) + fc * self.sr + fr * self.sc
        return fr * (fc * (2 * self.rows + t - 2) + self.sc)  # sum of 2R + c_used + T - 2

    @property
    def scalesim_cycles(self) -> int:
        return self.folds * self.fold_cycles - 1

    @property
    def macs(self) -> int:
        return self.m * self.k * self.n

    @property
    def mapping_efficiency(self) -> float:
        return self.sr * self.sc / (self.folds * self.rows * self.cols)

    @property
    def compute_utilization(self) -> float:
        span = self.fold_cycles + (0 if self.dataflow == "os" else self.cols - 1)
        return self.sr * self.sc * self.t / (self.rows * self.cols * self.folds * span)

    @property
    def utilization(self) -> float:
        return self.macs / (self.compute_cycles * self.rows * self.cols) if self.compute_cycles else 0.0


def map_gemm(m: int, k: int, n: int, rows: int, cols: int, dataflow: str) -> Mapping:
    """Fold an (M x K) @ (K x N) GEMM onto an R x C array."""
    sr, sc, t = {"ws": (k, n, m), "os": (m, n, k), "is": (k, m, n)}[dataflow]
    return Mapping(dataflow, rows, cols, m, k, n, sr, sc, t, ceil(sr / rows), ceil(sc / cols),
                   fold_cycles(dataflow, rows, cols, t))
