"""The vectorized gemmlowp primitives and compiled loops against literal scalar transcriptions."""

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mlaccel.kernels import fixedpoint as fp
from mlaccel.kernels import loops
from mlaccel.kernels.requantize import (Requant, multiply_by_quantized_multiplier, quantize_multiplier,
                                        round_half_away)

I32 = st.integers(-(2**31), 2**31 - 1)


def c_div(a: int, b: int) -> int:
    """C's integer division, truncating toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def srdhm_literal(a: int, b: int) -> int:
    if a == b == -(2**31):
        return 2**31 - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return c_div(ab + nudge, 1 << 31)


def rdbpot_literal(x: int, e: int) -> int:
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


@settings(max_examples=500)
@given(I32, I32)
def test_srdhm_matches_gemmlowp(a, b):
    assert int(fp.srdhm(a, b)) == srdhm_literal(a, b)


def test_srdhm_saturates():
    assert int(fp.srdhm(-(2**31), -(2**31))) == 2**31 - 1


@settings(max_examples=500)
@given(I32, st.integers(0, 31))
def test_rdbpot_matches_gemmlowp(x, e):
    assert int(fp.rdbpot(x, e)) == rdbpot_literal(x, e)


@settings(max_examples=300)
@given(st.integers(-(2**24), 2**24), st.integers(2**30, 2**31 - 1), st.integers(-20, 10))
def test_requant_loop_equals_literal(acc, m, shift):
    assume(abs(acc) << max(shift, 0) < 2**31)  # TFLite's contract: the shifted value fits int32
    r = Requant(np.array([m]), np.array([max(shift, 0)]), np.array([max(-shift, 0)]), 3, -128, 127)
    got = int(r(np.array([[acc]], np.int64), np.zeros(1, np.int64))[0, 0])
    left, right = max(shift, 0), max(-shift, 0)
    want = rdbpot_literal(srdhm_literal(acc * (1 << left), m), right) + 3
    assert got == min(max(want, -128), 127)
    assert int(multiply_by_quantized_multiplier(acc, m, shift)) == rdbpot_literal(
        srdhm_literal(acc * (1 << left), m), right)


@settings(max_examples=300)
@given(st.floats(1e-12, 1e6, allow_nan=False))
def test_quantize_multiplier_matches_tflite(real):
    m, s = (int(v) for v in quantize_multiplier(real))
    q, shift = math.frexp(real)
    q_fixed = int(round_half_away(q * 2**31))
    if q_fixed == 2**31:
        q_fixed, shift = q_fixed // 2, shift + 1
    if shift < -31:
        q_fixed, shift = 0, 0
    assert (m, s) == (q_fixed, shift)


def test_round_half_away_at_ties():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999997, -2.5000002], np.float32)
    assert round_half_away(x).tolist() == [1, 2, 3, -1, -2, 0, -3]


def test_exp_and_reciprocal_against_float():
    """Sanity: the fixed-point results are close to the real functions they approximate."""
    a = np.linspace(-31.9, 0, 500)
    raw = np.round(a * 2**26).astype(np.int64)
    got = fp.exp_on_negative_values(raw, 5) / 2**31
    assert np.max(np.abs(got - np.exp(a))) < 1e-6
    x = np.linspace(0, 0.999, 200)
    got = fp.one_over_one_plus_x_for_x_in_0_1(np.round(x * 2**31).astype(np.int64)) / 2**31
    assert np.max(np.abs(got - 1 / (1 + x))) < 1e-6
    lg = fp.logistic(np.round(np.linspace(-7.9, 7.9, 100) * 2**27).astype(np.int64), 4) / 2**31
    assert np.max(np.abs(lg - 1 / (1 + np.exp(-np.linspace(-7.9, 7.9, 100))))) < 1e-6


def test_im2col_padding_and_offset():
    x = np.arange(1, 10, dtype=np.int8).reshape(1, 3, 3, 1)
    out = np.empty((9, 9), np.float32)
    loops.im2col(x, 10, 3, 3, 1, 1, 1, 1, 1, 1, 3, 3, out)
    centre = out[4].reshape(3, 3)
    assert np.array_equal(centre, x[0, :, :, 0] + 10)
    assert np.array_equal(out[0].reshape(3, 3)[0], [0, 0, 0])  # padding contributes 0, not offset
