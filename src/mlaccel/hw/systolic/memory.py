"""SRAM and DRAM traffic of a mapped GEMM, and the stalls that DRAM bandwidth causes.

SRAM counts are exact element counts of the schedule in :mod:`.pe_array` (the tests compare the
two). DRAM traffic follows the loop order of each dataflow and the buffer capacities:

* ws: ``for n-fold: for k-fold: stream M``. Weights are read once. A (M x K) is read once if it fits
  in the ifmap SRAM, else once per n-fold. Partial sums of an n-fold (M x C) stay in the ofmap
  SRAM if they fit; otherwise every k-fold after the first spills them to DRAM and reads them back.
* os: ``for m-fold: for n-fold: stream K``. An R x K strip of A is kept across n-folds if it fits
  (else A is re-read per n-fold); B is read once if it fits, else once per m-fold. No partial sums.
* is: ``for m-fold: for k-fold: stream N``. A is read once; B is read once if it fits, else once per
  m-fold; partial sums (N x C) spill like ws.

"Fits" means fits in one buffer half when double buffering is on. Outputs are written once.

Stalls: the layer's DRAM traffic is spread evenly over its folds. Without double buffering every
transfer waits for the array; with it, a fold's transfer overlaps the previous fold's compute, so
only the first fold's fill and any excess of transfer over compute are exposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from .config import SystolicConfig
from .dataflow import Mapping

__all__ = ["Traffic", "gemm_traffic", "dram_traffic", "stall_cycles"]


@dataclass(frozen=True)
class Traffic:
    """Bytes moved by one GEMM (one inference).

    Attributes
    ----------
    sram_reads, sram_writes : dict
        Bytes per buffer: ``{"ifmap": ..., "filter": ..., "ofmap": ...}``.
    dram_reads, dram_writes : dict
        Bytes per operand: ``{"ifmap": ..., "filter": ..., "psum": ...}`` and
        ``{"ofmap": ..., "psum": ...}``.
    elements : dict
        SRAM element counts ``ifmap_reads``, ``filter_reads``, ``ofmap_writes``, ``ofmap_reads``.
    """

    sram_reads: dict
    sram_writes: dict
    dram_reads: dict
    dram_writes: dict
    elements: dict

    @property
    def dram_bytes(self) -> int:
        return sum(self.dram_reads.values()) + sum(self.dram_writes.values())

    @property
    def psum_spill_bytes(self) -> int:
        return self.dram_reads.get("psum", 0) + self.dram_writes.get("psum", 0)


def _element_counts(mp: Mapping) -> dict:
    m, k, n = mp.m, mp.k, mp.n
    fr, fc = mp.row_folds, mp.col_folds
    if mp.dataflow == "ws":
        return dict(ifmap_reads=m * k * fc, filter_reads=k * n, ofmap_writes=m * n * fr,
                    ofmap_reads=m * n * (fr - 1))
    if mp.dataflow == "os":
        return dict(ifmap_reads=m * k * fc, filter_reads=k * n * fr, ofmap_writes=m * n, ofmap_reads=0)
    return dict(ifmap_reads=m * k, filter_reads=k * n * fc, ofmap_writes=m * n * fr,
                ofmap_reads=m * n * (fr - 1))


def gemm_traffic(mp: Mapping, cfg: SystolicConfig, weight_bits: int = 8) -> Traffic:
    """SRAM and DRAM bytes of one mapped GEMM on ``cfg``; 4-bit weights travel from DRAM packed two
    to a byte (TFLite's INT4) and are widened as they enter the filter SRAM."""
    e = _element_counts(mp)
    wb, ab = cfg.word_bytes, cfg.acc_bytes
    m, k, n = mp.m, mp.k, mp.n
    out_bytes = m * n * wb
    partial_writes = e["ofmap_writes"] - m * n  # writes of non-final partial sums
    sram_reads = {"ifmap": e["ifmap_reads"] * wb, "filter": e["filter_reads"] * wb,
                  "ofmap": e["ofmap_reads"] * ab}
    sram_writes = {"ofmap": partial_writes * ab + out_bytes}
    dram_reads, dram_writes = dram_traffic(mp, cfg, m * k * wb, -(-k * n * wb * weight_bits // 8))
    return Traffic(sram_reads, sram_writes, dram_reads, dram_writes, e)


def dram_traffic(mp: Mapping, cfg: SystolicConfig, a_bytes: int, b_bytes: int) -> tuple[dict, dict]:
    """DRAM ``(reads, writes)`` in bytes of a GEMM folded as ``mp`` whose A and B hold ``a_bytes`` and
    ``b_bytes`` (B may be compressed: its bytes then include the metadata)."""
    ab = cfg.acc_bytes
    m, n = mp.m, mp.n
    fr, fc = mp.row_folds, mp.col_folds
    half = {b: cfg.sram_bytes(b) // cfg.buffers for b in ("ifmap", "filter", "ofmap")}
    spill = 0
    if mp.dataflow == "ws":
        a_dram = a_bytes if a_bytes <= half["ifmap"] else a_bytes * fc
        b_dram = b_bytes
        if fr > 1 and m * min(n, cfg.cols) * ab > half["ofmap"]:
            spill = m * n * (fr - 1) * ab
    elif mp.dataflow == "os":
        a_dram = a_bytes if a_bytes * min(m, cfg.rows) // max(m, 1) <= half["ifmap"] else a_bytes * fc
        b_dram = b_bytes if b_bytes <= half["filter"] else b_bytes * fr
    else:
        a_dram = a_bytes
        b_dram = b_bytes if b_bytes <= half["filter"] else b_bytes * fc
        if fr > 1 and n * min(m, cfg.cols) * ab > half["ofmap"]:
            spill = m * n * (fr - 1) * ab
    return {"ifmap": a_dram, "filter": b_dram, "psum": spill}, {"ofmap": m * n * cfg.word_bytes, "psum": spill}


def stall_cycles(compute_cycles: int, folds: int, dram_bytes: int, cfg: SystolicConfig) -> int:
    """Cycles the array waits for DRAM, given the layer's compute cycles and folds."""
    if dram_bytes == 0 or folds == 0:
        return 0
    per_fold_dram = dram_bytes / (folds * cfg.dram_bw)
    if not cfg.double_buffering:
        return ceil(per_fold_dram * folds)
    per_fold_compute = compute_cycles / folds
    return ceil(per_fold_dram + max(0.0, per_fold_dram - per_fold_compute) * (folds - 1))
