"""A CONV_2D or FULLY_CONNECTED layer on a sparse array: its weights checked and encoded once, its
per-sample counts from the activations of each run (:mod:`.sparse`).

A layer whose weights break the array's N:M pattern runs dense, at dense cost, and says so (the
report's ``sparse`` column and the run's notes): it is never costed as if it were N:M.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

import numpy as np

from ...graph import Op
from ...kernels.conv import ConvParams, gemm_nonzeros
from .sparse import COUNT_NAMES, nm_violations, sparse_gemm_counts, units_of
from .sparsity import SparseSpec, metadata_bits

__all__ = ["SparseLayer", "prepare_sparse_layer"]

_CHUNK = 16  # samples whose im2col zero masks are held at once


@dataclass(frozen=True)
class SparseLayer:
    """Attributes
    ----------
    spec : SparseSpec
        What the layer runs with (dense weights when they break N:M).
    mode : str
        For reports: ``"2:4"``, ``"unstructured"``, ``"dense"``, or why the layer runs dense.
    weights : tuple of ndarray
        The K x N weight matrix of each group, integers.
    m : int
        GEMM rows (output pixels) per sample.
    fixed : dict or None
        The counts when they do not depend on the activations (no gating or skipping).
    act_positions : int
        Activation positions the feeders examine per sample without skipping (zero-flag bits of ``skip``).
    weight_bytes : int
        Weights in their storage format, metadata included, all groups.
    k_slots : int
        The reduction length the array sees: K, or K * N / M for N:M.
    weight_density : float
        Non-zero fraction of the weights.
    """

    rows: int
    cols: int
    dataflow: str
    spec: SparseSpec
    mode: str
    weights: tuple
    m: int
    fixed: dict | None
    act_positions: int
    weight_bytes: int
    k_slots: int
    weight_density: float

    def counts(self, params, x: np.ndarray) -> tuple[dict, float]:
        """Mean per-sample counts over the batch ``x`` (summed over groups), and the activations' density."""
        totals = dict.fromkeys(COUNT_NAMES, 0.0)
        density = 0.0
        for s0 in range(0, x.shape[0], _CHUNK):
            nz = gemm_nonzeros(params, x[s0:s0 + _CHUNK])
            density += float(nz.mean()) * nz.shape[0]
            if self.fixed is not None:
                continue
            for g, b in enumerate(self.weights):
                for name, v in sparse_gemm_counts(nz[:, g], b, self.rows, self.cols, self.dataflow, self.spec).items():
                    totals[name] += float(v.sum())
        n = x.shape[0]
        return (self.fixed or {k: v / n for k, v in totals.items()}), density / n


def _weight_matrices(p) -> tuple:
    if isinstance(p, ConvParams):
        return tuple(np.rint(w).astype(np.int64) for w in p.weights)
    return (np.rint(p.weights).astype(np.int64),)


def _encoded_bytes(b: np.ndarray, spec: SparseSpec, word_bytes: int) -> int:
    u = units_of(b, spec)
    values = int(u.values.sum())
    k, n = b.shape
    along_k = spec.format == "csc"
    bits = metadata_bits(spec.format, values, k * n, n if along_k else k, k if along_k else n, spec.m)
    return values * word_bytes + ceil(bits / 8)


def prepare_sparse_layer(op: Op, params, rows: int, cols: int, dataflow: str, spec: SparseSpec,
                         word_bytes: int) -> tuple[SparseLayer, str | None]:
    """The layer, and a note when it cannot use the array's N:M support."""
    weights = _weight_matrices(params)
    note = None
    mode = f"{spec.n}:{spec.m}" if spec.structured else ("unstructured" if spec.unstructured else "dense")
    if spec.structured:
        bad = [nm_violations(b, spec.n, spec.m) for b in weights]
        over, groups = sum(b[0] for b in bad), sum(b[1] for b in bad)
        if over:
            mode = f"not {spec.n}:{spec.m}"
            note = (f"{op.label} runs dense: its weights are not {spec.n}:{spec.m} ({over:,} of {groups:,} groups "
                    f"of {spec.m} have more than {spec.n} non-zeros); prune it with mlaccel prune --sparsity "
                    f"{spec.n}:{spec.m}")
            spec = spec.dense_weights()
    k, n = weights[0].shape
    m = op.outputs[0].size // (n * len(weights))
    ones = np.ones((1, m, k), bool)
    still = SparseSpec(spec.n, spec.m, spec.unstructured, "none", spec.format)
    base = [sparse_gemm_counts(ones, b, rows, cols, dataflow, still) for b in weights]
    base_sum = {name: float(sum(c[name][0] for c in base)) for name in COUNT_NAMES}
    u = units_of(weights[0], spec)
    nnz = sum(int(np.count_nonzero(b)) for b in weights)
    layer = SparseLayer(rows, cols, dataflow, spec, mode, weights, m,
                        base_sum if spec.activations == "none" else None,
                        int(base_sum["ifmap_reads"]), sum(_encoded_bytes(b, spec, word_bytes) for b in weights),
                        len(u.width) * u.slots, nnz / sum(b.size for b in weights))
    return layer, note
