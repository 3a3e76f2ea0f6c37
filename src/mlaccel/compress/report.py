"""Per-layer compression figures: sparsity, bits, and the bytes of dense and sparse encodings.

Encodings of a weight tensor seen as a matrix of ``rows`` output channels by ``cols`` reduction
elements, ``b`` bits per value and ``nnz`` non-zeros (metadata counted):

- dense: ``rows * cols * b / 8``;
- bitmask: ``nnz * b / 8`` values plus one bit per element;
- CSR: ``nnz * b / 8`` values, a column index per value (1, 2 or 4 bytes, as ``cols`` needs) and
  ``rows + 1`` row pointers (2 or 4 bytes, as ``nnz`` needs);
- 2:4: half the values plus a 2-bit position per kept value, for tensors that hold the pattern
  (every group of 4 along the reduction axis has at most 2 non-zeros); None otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph import Graph

__all__ = ["LayerFigures", "layer_figures", "encoded_bytes", "weight_counts"]


@dataclass(frozen=True)
class LayerFigures:
    """One weighted layer's compression figures (bytes)."""

    op: str
    shape: tuple
    bits: int
    params: int
    nonzero: int
    dense: int
    bitmask: int
    csr: int
    nm24: int | None

    @property
    def sparsity(self) -> float:
        return 1.0 - self.nonzero / self.params if self.params else 0.0


def _width(n: int) -> int:
    return 1 if n <= 1 << 8 else 2 if n <= 1 << 16 else 4


def encoded_bytes(w: np.ndarray, bits: int) -> tuple[int, int, int, int | None]:
    """``(dense, bitmask, csr, 2:4)`` bytes of a weight tensor with the reduction on its last axis."""
    rows = w.shape[0] if w.ndim > 1 else 1
    mat = np.asarray(w).reshape(rows, -1)
    if w.ndim == 4 and w.shape[0] == 1:  # depthwise (1, H, W, C): channels are the rows
        mat = np.asarray(w).reshape(-1, w.shape[-1]).T
    rows, cols = mat.shape
    size, nnz = mat.size, int(np.count_nonzero(mat))
    value_bytes = (nnz * bits + 7) // 8
    dense = (size * bits + 7) // 8
    bitmask = value_bytes + (size + 7) // 8
    csr = value_bytes + nnz * _width(cols) + (rows + 1) * (2 if nnz < 1 << 16 else 4)
    nm = None
    if cols % 4 == 0 and np.all(np.count_nonzero(mat.reshape(rows, -1, 4), axis=2) <= 2):
        kept = size // 2
        nm = (kept * bits + 7) // 8 + (kept * 2 + 7) // 8
    return dense, bitmask, csr, nm


def layer_figures(graph: Graph) -> list[LayerFigures]:
    """Figures for every weighted layer (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED)."""
    out = []
    for op in graph.ops:
        if op.type not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") or op.inputs[1].data is None:
            continue
        w = op.inputs[1]
        bits = w.bits or w.dtype.itemsize * 8
        dense, bitmask, csr, nm = encoded_bytes(w.data, bits)
        out.append(LayerFigures(op.label, w.shape, bits, w.size, int(np.count_nonzero(w.data)), dense, bitmask,
                                csr, nm))
    return out


def weight_counts(graph: Graph) -> tuple[int, int]:
    """``(weights, non-zero weights)`` over the weighted layers."""
    figs = layer_figures(graph)
    return sum(f.params for f in figs), sum(f.nonzero for f in figs)
