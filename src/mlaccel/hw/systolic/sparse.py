"""Closed-form costs of a GEMM on a sparse systolic array, exact per fold, from the real operands.

The reduction dimension K is cut into *units*: one k each, or, for N:M weights, one group of M
consecutive k, which occupies N array slots (PE rows in ws/is, stream steps in os) and whose kept
weights carry indices for the PE's operand mux. A fold keeps the units and vectors that the
spec's skipping does not drop (see :mod:`.sparsity`):

==========  =====================================  ==========================================
dataflow    folds                                  skipped (lockstep, whole array)
==========  =====================================  ==========================================
ws          column fold x chunk of R/N kept units  units whose weights are zero in the column
            (stationary), streaming A rows         fold (unstructured); A rows whose chunk is
                                                   all zero (skip)
os          row fold x column fold, streaming      units whose weights are zero in the column
            kept units                             fold, or whose activations are zero in the
                                                   row fold (skip)
is          column fold of M x chunk of kept       units whose activations are zero in the
            units (stationary A), streaming B      column fold (skip); B columns zero in the
            columns                                chunk (unstructured)
==========  =====================================  ==========================================

A fold of ``r`` used rows, ``c`` used columns and ``t`` streamed steps takes the dense schedule's
cycles (``2R + c + t - 2`` for ws/is, ``t + r + c - 2`` for os); a fold with nothing to stream is
skipped whole. The counts are per sample, from the zero pattern of that sample's activations:
:func:`simulate_sparse_gemm` in :mod:`.sparse_pe` steps the same array register by register and the
tests hold the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .sparsity import SparseSpec, metadata_bits

__all__ = ["Units", "units_of", "nm_prune", "nm_violations", "sparse_gemm_counts", "COUNT_NAMES"]

COUNT_NAMES = ("cycles", "folds", "issued", "toggled", "ifmap_reads", "filter_reads", "meta_bits",
               "ofmap_writes", "ofmap_reads")


@dataclass(frozen=True)
class Units:
    """The reduction units of a K x N weight matrix under a spec.

    Attributes
    ----------
    width : ndarray (U,)
        Real k's per unit (M, or fewer in a last, padded group).
    slots : int
        Array slots per unit (N for N:M, else 1).
    w_any : ndarray (U, N) bool
        Whether the unit has a non-zero weight in each column.
    values : ndarray (U, N)
        Weight values stored per unit and column in the spec's format.
    """

    width: np.ndarray
    slots: int
    w_any: np.ndarray
    values: np.ndarray

    def act_any(self, a_nz: np.ndarray, m: int) -> np.ndarray:
        """``(..., U)`` whether each unit has a non-zero activation, from an ``(..., K)`` mask."""
        k = a_nz.shape[-1]
        if m == 1:
            return a_nz
        pad = len(self.width) * m - k
        padded = np.concatenate([a_nz, np.zeros(a_nz.shape[:-1] + (pad,), bool)], axis=-1) if pad else a_nz
        return padded.reshape(a_nz.shape[:-1] + (len(self.width), m)).any(axis=-1)


def _group(x: np.ndarray, m: int) -> np.ndarray:
    """``(K, N)`` -> ``(U, m, N)``, zero-padded."""
    k = x.shape[0]
    u = -(-k // m)
    out = np.zeros((u * m,) + x.shape[1:], x.dtype)
    out[:k] = x
    return out.reshape((u, m) + x.shape[1:])


def units_of(b: np.ndarray, spec: SparseSpec) -> Units:
    """The units of weights ``b`` (K x N) under ``spec``."""
    k = b.shape[0]
    m = spec.m if spec.structured else 1
    nz = _group(np.asarray(b) != 0, m)
    count = nz.sum(axis=1)
    width = np.minimum(m, k - np.arange(nz.shape[0]) * m)
    if spec.structured:
        values = np.full(count.shape, spec.n)
    elif spec.format == "dense":
        values = np.ones(count.shape, np.int64)
    else:
        values = count
    return Units(width, spec.n if spec.structured else 1, count > 0, values)


def nm_prune(b: np.ndarray, n: int, m: int) -> np.ndarray:
    """``b`` (K x N) with only the N largest magnitudes of every M consecutive k kept per column
    (K need not be a multiple of M), for test and example GEMMs; models are pruned by
    :mod:`mlaccel.compress`."""
    groups = _group(np.asarray(b), m)
    order = np.argsort(-np.abs(groups), axis=1, kind="stable")
    mask = np.zeros(groups.shape, bool)
    np.put_along_axis(mask, order[:, :n], True, axis=1)
    return (groups * mask).reshape((-1, b.shape[1]))[:b.shape[0]]


def nm_violations(b: np.ndarray, n: int, m: int) -> tuple[int, int]:
    """``(groups with more than N non-zeros, groups)`` of ``b`` (K x N) along K."""
    count = _group(np.asarray(b) != 0, m).sum(axis=1)
    return int((count > n).sum()), int(count.size)


def _meta(spec: SparseSpec, values, positions, vectors, length: int):
    return metadata_bits(spec.format, values, positions, vectors, length, spec.m)


def sparse_gemm_counts(a_nz: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: str,
                       spec: SparseSpec) -> dict[str, np.ndarray]:
    """Per-sample counts of ``A @ B`` on an R x C array with the spec's sparse features.

    Parameters
    ----------
    a_nz : ndarray of bool, (S, M, K)
        Where each sample's activations (input offset applied) are non-zero.
    b : ndarray of int, (K, N)
        The weights.

    Returns
    -------
    dict of str to ndarray (S,)
        :data:`COUNT_NAMES`: ``cycles`` (compute cycles), ``folds`` (folds that ran), ``issued``
        (PE-cycles with a mapped operand pair), ``toggled`` (multiplier activations: issued, or the
        non-zero pairs when zeros are gated), ``ifmap_reads`` and ``filter_reads`` (SRAM elements;
        filter: values in the format), ``meta_bits`` (weight metadata read), ``ofmap_writes`` and
        ``ofmap_reads`` (partial-sum elements).
    """
    a_nz = np.asarray(a_nz, bool)
    s_count, m_dim, k = a_nz.shape
    n_dim = b.shape[1]
    u = units_of(b, spec)
    a_any = u.act_any(a_nz, spec.m if spec.structured else 1)  # (S, M, U)
    out = {name: np.zeros(s_count, np.int64) for name in COUNT_NAMES}
    per_fold = max(1, rows // u.slots)
    fold = {"ws": _ws, "os": _os, "is": _is}[dataflow]
    fold(out, a_any, u, rows, cols, m_dim, n_dim, k, per_fold, spec)
    effectual = a_nz.sum(axis=1) @ (np.asarray(b) != 0).sum(axis=1)  # non-zero pairs, per sample
    out["toggled"] = effectual.astype(np.int64) if spec.gate else out["issued"].copy()
    return out


def _ws(out, a_any, u, rows, cols, m_dim, n_dim, k, per_fold, spec):
    for n0 in range(0, n_dim, cols):
        c = min(cols, n_dim - n0)
        w_cols = u.w_any[:, n0:n0 + c].any(axis=1)
        kept = np.nonzero(w_cols)[0] if spec.unstructured else np.arange(len(u.width))
        for i, c0 in enumerate(range(0, len(kept), per_fold)):
            ch = kept[c0:c0 + per_fold]
            r = len(ch) * u.slots
            t = a_any[:, :, ch].any(axis=2).sum(axis=1) if spec.skip_activations else np.full(len(out["cycles"]), m_dim)
            on = t > 0
            values = int(u.values[ch, n0:n0 + c].sum())
            _add(out, on, cycles=2 * rows + c + t - 2, issued=r * c * t, ifmap_reads=t * int(u.width[ch].sum()),
                 filter_reads=values, meta_bits=_meta(spec, values, int(u.width[ch].sum()) * c, len(ch), n_dim),
                 ofmap_writes=t * c, ofmap_reads=t * c * (i > 0))


def _os(out, a_any, u, rows, cols, m_dim, n_dim, k, per_fold, spec):
    s_count = a_any.shape[0]
    for m0 in range(0, m_dim, rows):
        r = min(rows, m_dim - m0)
        a_rows = a_any[:, m0:m0 + r, :].any(axis=1) if spec.skip_activations else np.ones((s_count, len(u.width)), bool)
        for n0 in range(0, n_dim, cols):
            c = min(cols, n_dim - n0)
            keep = a_rows & u.w_any[:, n0:n0 + c].any(axis=1) if spec.unstructured else a_rows
            units = keep.sum(axis=1)
            t = units * u.slots
            on = t > 0
            values = keep @ u.values[:, n0:n0 + c].sum(axis=1)
            positions = keep @ u.width
            _add(out, on, cycles=t + r + c - 2, issued=r * c * t, ifmap_reads=r * positions, filter_reads=values,
                 meta_bits=_meta(spec, values, positions * c, units, n_dim), ofmap_reads=0)
            out["ofmap_writes"] += r * c


def _is(out, a_any, u, rows, cols, m_dim, n_dim, k, per_fold, spec):
    s_count = a_any.shape[0]
    for m0 in range(0, m_dim, cols):
        c = min(cols, m_dim - m0)
        if spec.skip_activations:
            keeps = a_any[:, m0:m0 + c, :].any(axis=1)
        else:
            keeps = np.ones((1, len(u.width)), bool)
        patterns, which = np.unique(keeps, axis=0, return_inverse=True)
        for p, keep in enumerate(patterns):
            samples = np.asarray(which).reshape(-1) == p
            on_samples = samples if spec.skip_activations else np.ones(s_count, bool)
            kept = np.nonzero(keep)[0]
            for i, c0 in enumerate(range(0, len(kept), per_fold)):
                ch = kept[c0:c0 + per_fold]
                r = len(ch) * u.slots
                t = int(u.w_any[ch].any(axis=0).sum()) if spec.unstructured else n_dim
                on = on_samples & (t > 0)
                values = int(u.values[ch].sum())
                width = int(u.width[ch].sum())
                _add(out, on, cycles=2 * rows + c + t - 2, issued=r * c * t, ifmap_reads=width * c,
                     filter_reads=values, meta_bits=_meta(spec, values, width * t, t, k),
                     ofmap_writes=t * c, ofmap_reads=t * c * (i > 0))


def _add(out: dict, on: np.ndarray, **counts) -> None:
    """Add each count where ``on`` (per sample), and one fold."""
    out["folds"] += on
    for name, v in counts.items():
        out[name] += np.where(on, v, 0)
