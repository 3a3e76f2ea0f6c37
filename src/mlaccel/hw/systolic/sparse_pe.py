"""Cycle-stepped model of a sparse systolic array: the dense array of :mod:`.pe_array` with operand
muxes, compressed weights and lockstep skipping.

Every PE multiplies one weight by one activation picked from a group register: the activation
operand is a vector of the M activations of an N:M group (one value when the weights are not N:M),
and the weight operand carries its index into the group. The feeders decide, vector by vector as
they read, what the array skips (:mod:`.sparsity`), and count what they read. For verification on
small GEMMs; :mod:`.sparse` gives the same counts in closed form, for whole models.
"""

from __future__ import annotations

from math import ceil

import numpy as np

from .pe_array import ArrayRun, wrap
from .sparsity import SparseSpec, metadata_bits

__all__ = ["simulate_sparse_gemm", "compress_nm"]


def compress_nm(groups: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Kept values and their in-group indices of weights grouped ``(U, M, N)``: ``(U, n, N)`` each.

    Groups with fewer than ``n`` non-zeros are filled with zero values (at index 0).

    Raises
    ------
    ValueError
        A group has more than ``n`` non-zeros.
    """
    u, m, cols = groups.shape
    values = np.zeros((u, n, cols), np.int64)
    index = np.zeros((u, n, cols), np.int64)
    for g in range(u):
        for j in range(cols):
            nz = np.nonzero(groups[g, :, j])[0]
            if len(nz) > n:
                raise ValueError(f"group {g} of column {j} has {len(nz)} non-zeros, more than N = {n}")
            values[g, :len(nz), j] = groups[g, nz, j]
            index[g, :len(nz), j] = nz
    return values, index


def simulate_sparse_gemm(a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: str, spec: SparseSpec,
                         acc_bits: int = 32) -> ArrayRun:
    """Run ``a @ b`` (M x K by K x N integers) on a sparse R x C array, cycle by cycle.

    Returns
    -------
    ArrayRun
        ``elements`` holds the counts of :data:`.sparse.COUNT_NAMES` (except ``cycles``).
    """
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    m_dim, k = a.shape
    n_dim = b.shape[1]
    g = spec.m if spec.structured else 1
    units = ceil(k / g)
    a_groups = np.zeros((m_dim, units * g), np.int64)
    a_groups[:, :k] = a
    a_groups = a_groups.reshape(m_dim, units, g)
    b_groups = np.zeros((units * g, n_dim), np.int64)
    b_groups[:k] = b
    b_groups = b_groups.reshape(units, g, n_dim)
    if spec.structured:
        values, index = compress_nm(b_groups, spec.n)
    else:
        values, index = b_groups, np.zeros_like(b_groups)
    sim = _Sim(a_groups, values, index, b_groups, np.minimum(g, k - np.arange(units) * g), rows, cols, spec, acc_bits)
    {"ws": sim.ws, "os": sim.os, "is": sim.is_}[dataflow]()
    counts = {name: sim.counts[name] for name in ("folds", "issued", "toggled", "ifmap_reads", "filter_reads",
                                                  "meta_bits", "ofmap_writes", "ofmap_reads")}
    return ArrayRun(sim.out, sim.cycles, sim.cycles * rows * cols, counts)


class _Sim:
    def __init__(self, a_groups, values, index, b_groups, width, rows, cols, spec, acc_bits):
        self.a, self.values, self.index, self.b = a_groups, values, index, b_groups
        self.width, self.rows, self.cols, self.spec, self.acc_bits = width, rows, cols, spec, acc_bits
        self.slots = values.shape[1]
        self.k = int(width.sum())
        self.out = np.zeros((a_groups.shape[0], b_groups.shape[2]), np.int64)
        self.cycles = 0
        self.counts = dict.fromkeys(("folds", "issued", "toggled", "ifmap_reads", "filter_reads", "meta_bits",
                                     "ofmap_writes", "ofmap_reads"), 0)
        self.ri = np.arange(rows)
        self.cj = np.arange(cols)

    # -- what the feeders read --------------------------------------------------------------------

    def _weights_read(self, u: int, slot_cols: np.ndarray) -> int:
        """Weight values read for unit ``u`` in the given columns, in the spec's format."""
        v = self.values[u][:, slot_cols]
        if self.spec.format in ("bitmask", "csr", "csc"):
            return int(np.count_nonzero(v))
        return v.size

    def _meta(self, values: int, positions: int, vectors: int, length: int) -> None:
        self.counts["meta_bits"] += metadata_bits(self.spec.format, values, positions, vectors, length, self.spec.m)

    def _chunks(self, kept: list[int]) -> list[list[int]]:
        per = max(1, self.rows // self.slots)
        return [kept[i:i + per] for i in range(0, len(kept), per)]

    # -- the dataflows ------------------------------------------------------------------------------

    def ws(self) -> None:
        units, n_dim, m_dim = self.b.shape[0], self.b.shape[2], self.a.shape[0]
        for n0 in range(0, n_dim, self.cols):
            cs = np.arange(n0, min(n0 + self.cols, n_dim))
            kept = [u for u in range(units) if not self.spec.unstructured or self.b[u][:, cs].any()]
            for i, chunk in enumerate(self._chunks(kept)):
                stream = [mm for mm in range(m_dim) if not self.spec.skip_activations or self.a[mm, chunk].any()]
                if not stream:
                    continue
                held_v, held_i = self._tile(chunk, cs)
                values = sum(self._weights_read(u, cs) for u in chunk)
                self.counts["filter_reads"] += values
                self._meta(values, int(self.width[chunk].sum()) * len(cs), len(chunk), n_dim)
                self.counts["ifmap_reads"] += len(stream) * int(self.width[chunk].sum())
                groups = np.zeros((len(stream), self.rows, self.a.shape[2]), np.int64)
                for ci, u in enumerate(chunk):
                    groups[:, ci * self.slots:(ci + 1) * self.slots] = self.a[stream, u][:, None, :]
                places = lambda t, j: (np.asarray(stream)[t], cs[j])  # noqa: E731
                self._stationary(len(chunk) * self.slots, len(cs), len(stream), i > 0, places,
                                 moving={"group": groups}, held={"value": held_v, "index": held_i})

    def is_(self) -> None:
        units, n_dim, m_dim = self.b.shape[0], self.b.shape[2], self.a.shape[0]
        for m0 in range(0, m_dim, self.cols):
            ms = np.arange(m0, min(m0 + self.cols, m_dim))
            kept = [u for u in range(units) if not self.spec.skip_activations or self.a[ms, u].any()]
            for i, chunk in enumerate(self._chunks(kept)):
                stream = [n for n in range(n_dim) if not self.spec.unstructured or self.b[chunk][:, :, n].any()]
                if not stream:
                    continue
                r = len(chunk) * self.slots
                held = np.zeros((self.rows, self.cols, self.a.shape[2]), np.int64)
                v = np.zeros((len(stream), self.rows), np.int64)
                x = np.zeros((len(stream), self.rows), np.int64)
                for ci, u in enumerate(chunk):
                    rs = slice(ci * self.slots, (ci + 1) * self.slots)
                    held[rs, :len(ms)] = self.a[ms, u][None]
                    v[:, rs] = self.values[u][:, stream].T
                    x[:, rs] = self.index[u][:, stream].T
                values = sum(self._weights_read(u, np.asarray(stream)) for u in chunk)
                self.counts["filter_reads"] += values
                self._meta(values, int(self.width[chunk].sum()) * len(stream), len(stream), self.k)
                self.counts["ifmap_reads"] += int(self.width[chunk].sum()) * len(ms)
                places = lambda t, j: (ms[j], np.asarray(stream)[t])  # noqa: E731
                self._stationary(r, len(ms), len(stream), i > 0, places, moving={"value": v, "index": x},
                                 held={"group": held})

    def os(self) -> None:
        units, n_dim, m_dim = self.b.shape[0], self.b.shape[2], self.a.shape[0]
        for m0 in range(0, m_dim, self.rows):
            ms = np.arange(m0, min(m0 + self.rows, m_dim))
            for n0 in range(0, n_dim, self.cols):
                cs = np.arange(n0, min(n0 + self.cols, n_dim))
                kept = [u for u in range(units)
                        if (not self.spec.unstructured or self.b[u][:, cs].any())
                        and (not self.spec.skip_activations or self.a[ms, u].any())]
                self.counts["ofmap_writes"] += len(ms) * len(cs)
                if not kept:
                    continue
                steps = [(u, s) for u in kept for s in range(self.slots)]
                a_stream = np.zeros((len(steps), self.rows, self.a.shape[2]), np.int64)
                b_val = np.zeros((len(steps), self.cols), np.int64)
                b_idx = np.zeros((len(steps), self.cols), np.int64)
                for t, (u, s) in enumerate(steps):
                    a_stream[t, :len(ms)] = self.a[ms, u]
                    b_val[t, :len(cs)] = self.values[u, s, cs]
                    b_idx[t, :len(cs)] = self.index[u, s, cs]
                values = sum(self._weights_read(u, cs) for u in kept)
                positions = int(self.width[kept].sum())
                self.counts["filter_reads"] += values
                self._meta(values, positions * len(cs), len(kept), n_dim)
                self.counts["ifmap_reads"] += len(ms) * positions
                self._os_fold(a_stream, b_val, b_idx, ms, cs)

    # -- register-level stepping --------------------------------------------------------------------

    def _tile(self, chunk, cs):
        held_v = np.zeros((self.rows, self.cols), np.int64)
        held_i = np.zeros((self.rows, self.cols), np.int64)
        for ci, u in enumerate(chunk):
            rs = slice(ci * self.slots, (ci + 1) * self.slots)
            held_v[rs, :len(cs)] = self.values[u][:, cs]
            held_i[rs, :len(cs)] = self.index[u][:, cs]
        return held_v, held_i

    def _product(self, regs: dict) -> np.ndarray:
        """Each PE's product: its group operand, picked by the weight's index, times the weight."""
        picked = np.take_along_axis(regs["group"], regs["index"][..., None], axis=2)[..., 0]
        return picked * regs["value"]

    def _count_macs(self, mapped: np.ndarray, product: np.ndarray) -> None:
        self.counts["issued"] += int(mapped.sum())
        self.counts["toggled"] += int((mapped & (product != 0)).sum() if self.spec.gate else mapped.sum())

    def _stationary(self, r_used, c_used, t_len, accumulate, places, moving: dict, held: dict) -> None:
        """One ws/is fold: ``held`` sits in the PEs (shifted in over R cycles), ``moving`` (T x R x ...)
        enters row i with skew i and passes right, partial sums flow down and leave at the bottom."""
        rows, cols, ri, cj = self.rows, self.cols, self.ri, self.cj
        regs = {key: np.zeros((rows, cols) + v.shape[2:], np.int64) for key, v in moving.items()}
        regs.update(held)
        live = np.zeros((rows, cols), bool)
        psum = np.zeros((rows, cols), np.int64)
        remaining, cycle = t_len * c_used, 0
        while remaining:
            t_in = cycle - ri
            ok = (t_in >= 0) & (t_in < t_len) & (ri < r_used)
            for key, stream in moving.items():
                regs[key][:, 1:] = regs[key][:, :-1]
                fresh = stream[np.clip(t_in, 0, t_len - 1), ri]
                regs[key][:, 0] = np.where(ok.reshape((-1,) + (1,) * (fresh.ndim - 1)), fresh, 0)
            live[:, 1:] = live[:, :-1]
            live[:, 0] = ok
            product = self._product(regs)
            self._count_macs(live & (cj[None, :] < c_used), product)
            psum = wrap(np.vstack([np.zeros((1, cols), np.int64), psum[:-1]]) + product, self.acc_bits)
            t_out = cycle - (rows - 1) - cj
            done = (t_out >= 0) & (t_out < t_len) & (cj < c_used)
            if done.any():
                js = np.nonzero(done)[0]
                where = places(t_out[js], js)
                self.out[where] = wrap(self.out[where] + psum[rows - 1, js], self.acc_bits)
                self.counts["ofmap_writes"] += len(js)
                self.counts["ofmap_reads"] += len(js) if accumulate else 0
                remaining -= len(js)
            cycle += 1
        self.cycles += rows + cycle  # the stationary tile shifts in first, one row per cycle
        self.counts["folds"] += 1

    def _os_fold(self, a_stream, b_val, b_idx, ms, cs) -> None:
        """One os fold: A groups enter from the left, weights and indices from the top, C stays."""
        rows, cols, ri, cj = self.rows, self.cols, self.ri, self.cj
        t_len = len(a_stream)
        regs = {"group": np.zeros((rows, cols, a_stream.shape[2]), np.int64),
                "value": np.zeros((rows, cols), np.int64), "index": np.zeros((rows, cols), np.int64)}
        a_ok = np.zeros((rows, cols), bool)
        b_ok = np.zeros((rows, cols), bool)
        acc = np.zeros((rows, cols), np.int64)
        last = (len(ms) - 1, len(cs) - 1)
        pending, cycle = t_len, 0
        while pending:
            ta, tb = cycle - ri, cycle - cj
            va, vb = (ta >= 0) & (ta < t_len), (tb >= 0) & (tb < t_len)
            regs["group"][:, 1:], a_ok[:, 1:] = regs["group"][:, :-1], a_ok[:, :-1]
            regs["group"][:, 0] = np.where(va[:, None], a_stream[np.clip(ta, 0, t_len - 1), ri], 0)
            a_ok[:, 0] = va
            for key, src in (("value", b_val), ("index", b_idx)):
                regs[key][1:] = regs[key][:-1]
                regs[key][0] = np.where(vb, src[np.clip(tb, 0, t_len - 1), cj], 0)
            b_ok[1:], b_ok[0] = b_ok[:-1], vb
            product = self._product(regs)
            mapped = a_ok & b_ok & (ri[:, None] < len(ms)) & (cj[None, :] < len(cs))
            self._count_macs(mapped, product)
            acc = wrap(acc + product, self.acc_bits)
            pending -= int(a_ok[last] and b_ok[last])
            cycle += 1
        self.out[np.ix_(ms, cs)] = acc[:len(ms), :len(cs)]
        self.cycles += cycle
        self.counts["folds"] += 1
