"""Mapping an int8 GEMM onto crossbars, and computing it there: bit-sliced weights and inputs,
column currents, ADCs, shift-and-add.

A GEMM ``acc = sum_k (x + input_offset)[m, k] * w[k, n]`` runs as ``sum_k u[m, k] * w[k, n]`` with
``u = x + 128`` (0..255, fed in ``dac_bits`` slices over ``8 / dac_bits`` reads) plus the digital
correction ``(input_offset - 128) * sum_k w[k, n]``. The weights are cut into blocks of at most
``rows`` rows (row tiles of K; for depthwise layers, groups of whole channels on the diagonal).
Each weight magnitude is sliced into ``weight_bits / cell_bits`` cells; signed weights use a
positive and a negative column (``differential``) or are stored with an offset of
``2^(weight_bits-1)`` that one extra column, holding ones, removes (``offset``). With
``flip_encoding`` (ISAAC), a column whose levels sum to more than half its maximum is stored
inverted and corrected from the digital sum of the inputs.

With ideal cells and an ADC that spans the largest column sum in integer steps, every conversion
is exact, so the accumulators equal the reference kernel's bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

import numpy as np

from .devices import convert, program

__all__ = ["Block", "MappedGemm", "map_gemm", "run_gemm"]

_ROWS_PER_CHUNK = 2048  # GEMM rows computed at once (bounds the planes x rows x columns temporaries)


@dataclass(frozen=True)
class Block:
    """One row tile of a GEMM on crossbars (it may span several crossbars' columns).

    Attributes
    ----------
    rows : ndarray
        K indices of its rows.
    cols : ndarray
        Output columns n it computes.
    g : ndarray (rows, C) of float32
        Programmed conductances (levels) of its physical columns (float32 is exact for every column
        sum of ideal cells, below 2^24; the shift-and-add is float64).
    flip : ndarray (C,) bool
        Columns stored inverted.
    combine : ndarray (C, cols)
        How each physical column's value adds into the outputs: sign x 2^(slice x cell_bits), or
        ``-2^(weight_bits-1)`` for the offset column.
    adc_offset : ndarray (C,)
        Static offset of each column's ADC, in LSB.
    crossbars : int
        Crossbars its physical columns occupy.
    """

    rows: np.ndarray
    cols: np.ndarray
    g: np.ndarray
    flip: np.ndarray
    combine: np.ndarray
    adc_offset: np.ndarray
    crossbars: int

    @property
    def physical_cols(self) -> int:
        return self.g.shape[1]


@dataclass(frozen=True)
class MappedGemm:
    """A GEMM's weights programmed onto crossbars (one device draw)."""

    weights: np.ndarray  # (K, N) int64
    blocks: tuple
    col_sums: np.ndarray  # sum_k w[k, n], for the input-offset correction

    @property
    def crossbars(self) -> int:
        return sum(b.crossbars for b in self.blocks)

    @property
    def cells_used(self) -> int:
        return sum(b.g.size for b in self.blocks)


def _levels(w: np.ndarray, config) -> tuple[np.ndarray, np.ndarray]:
    """Cell levels ``(K, N, columns per n)`` of weights, and each column's ``(sign, shift)`` weight."""
    cb, s = config.cell_bits, config.slices
    mask = 2 ** cb - 1
    shifts = np.arange(s) * cb
    if config.signed == "differential":
        parts = [np.maximum(w, 0), np.maximum(-w, 0)]
        weight = np.concatenate([2.0 ** shifts, -(2.0 ** shifts)])
    else:
        parts = [w + 2 ** (config.weight_bits - 1)]
        weight = 2.0 ** shifts
    levels = np.stack([(p[..., None] >> shifts) & mask for p in parts], axis=2)  # (K, N, parts, s)
    return levels.reshape(w.shape[0], w.shape[1], -1), weight


def _blocks_of(k: int, n: int, rows: int, depthwise: tuple | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Row tiles ``(row indices, output columns)``: K in tiles of ``rows`` for a dense GEMM; for a
    depthwise layer (``(taps, channels_in, multiplier)``) whole channels on the diagonal."""
    if depthwise is None:
        return [(np.arange(r0, min(r0 + rows, k)), np.arange(n)) for r0 in range(0, k, rows)]
    taps, cin, mult = depthwise
    out = []
    if taps <= rows:
        per = rows // taps
        for c0 in range(0, cin, per):
            chans = np.arange(c0, min(c0 + per, cin))
            out.append(((np.arange(taps)[None, :] * cin + chans[:, None]).reshape(-1),
                        (chans[:, None] * mult + np.arange(mult)[None, :]).reshape(-1)))
    else:  # one channel's taps span several row tiles
        for c in range(cin):
            for t0 in range(0, taps, rows):
                out.append((np.arange(t0, min(t0 + rows, taps)) * cin + c, c * mult + np.arange(mult)))
    return out


def map_gemm(w: np.ndarray, config, rng: np.random.Generator, depthwise: tuple | None = None) -> MappedGemm:
    """Program weights ``w`` (K x N integers) onto crossbars of ``config``.

    Raises
    ------
    ValueError
        A weight does not fit ``weight_bits`` in the config's signed encoding (the message says which).
    """
    w = np.asarray(w, np.int64)
    wb = config.weight_bits
    lo, hi = (-(2 ** wb - 1), 2 ** wb - 1) if config.signed == "differential" else (-2 ** (wb - 1), 2 ** (wb - 1) - 1)
    if w.size and (w.min() < lo or w.max() > hi):
        raise ValueError(f"weights span [{w.min()}, {w.max()}], beyond the [{lo}, {hi}] that {config.weight_bits}-bit "
                         f"{config.signed} encoding holds")
    levels, col_weight = _levels(w, config)
    per_n = levels.shape[2]
    top = 2 ** config.cell_bits - 1
    blocks = []
    for rows, cols in _blocks_of(w.shape[0], w.shape[1], config.rows, depthwise):
        lv = levels[rows][:, cols].reshape(len(rows), -1)  # (r, cols * per_n), n-major
        combine = np.zeros((lv.shape[1], len(cols)))
        for j in range(len(cols)):
            combine[j * per_n:(j + 1) * per_n, j] = col_weight
        if config.signed == "offset":  # one column of ones: the sum of the inputs
            lv = np.concatenate([lv, np.ones((len(rows), 1), np.int64)], axis=1)
            combine = np.concatenate([combine, np.full((1, len(cols)), -2.0 ** (config.weight_bits - 1))])
        flip = (lv.sum(axis=0) * 2 > len(rows) * top) if config.flip_encoding else np.zeros(lv.shape[1], bool)
        stored = np.where(flip, top - lv, lv)
        g = program(stored, config, rng).astype(np.float32)  # float32 holds every ideal column sum exactly
        offset = rng.standard_normal(lv.shape[1]) * config.adc_offset_lsb if config.adc_offset_lsb else \
            np.zeros(lv.shape[1])
        blocks.append(Block(rows, cols, g, flip, combine, offset, ceil(lv.shape[1] / config.cols)))
    return MappedGemm(w, tuple(blocks), w.sum(axis=0))


def run_gemm(mapped: MappedGemm, u: np.ndarray, config, rng: np.random.Generator) -> np.ndarray:
    """``sum_k u[m, k] * w[k, n]`` through the crossbars, for inputs ``u`` (M x K, integers 0..255).

    Returns float64 accumulators (integers when every conversion is exact).
    """
    b_dac = config.dac_bits
    planes = config.planes
    top_in = 2 ** b_dac - 1
    top = 2 ** config.cell_bits - 1
    plane_weight = 2.0 ** (np.arange(planes) * b_dac)
    acc = np.zeros((u.shape[0], mapped.weights.shape[1]))
    for blk in mapped.blocks:
        r = len(blk.rows)
        g = blk.g
        if config.ir_drop:  # the far rows of a column lose the most current
            g = g * (1.0 - config.ir_drop * np.arange(r, dtype=np.float32) / max(config.rows - 1, 1))[:, None]
        full = r * top_in * top / (2 if config.flip_encoding else 1)
        for m0 in range(0, u.shape[0], _ROWS_PER_CHUNK):
            ub = u[m0:m0 + _ROWS_PER_CHUNK][:, blk.rows].astype(np.int32)
            x = np.stack([(ub >> (p * b_dac)) & top_in for p in range(planes)]).astype(np.float32)
            current = x @ g  # (planes, rows, C)
            if config.read_noise:
                spread = np.sqrt((x * x).sum(axis=2, keepdims=True)) * config.read_noise * top
                current = current + rng.standard_normal(current.shape, np.float32) * spread
            fs = full if config.adc_range == "max" else max(float(np.percentile(current, config.adc_percentile)), 1.0)
            v = convert(current, fs, config.adc_bits, blk.adc_offset, config.adc_inl_lsb)
            if blk.flip.any():
                v[..., blk.flip] = top * x.sum(axis=2, keepdims=True) - v[..., blk.flip]
            shifted = np.tensordot(plane_weight, v.astype(np.float64), axes=1)  # shift-and-add of the input bits
            acc[m0:m0 + _ROWS_PER_CHUNK, blk.cols] += shifted @ blk.combine
    return acc
