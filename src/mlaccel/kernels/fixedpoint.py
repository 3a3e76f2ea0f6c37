"""gemmlowp's fixed-point arithmetic, vectorized over NumPy int64 arrays that hold int32 values.

TFLite-Micro's int8 softmax and logistic are written in gemmlowp's ``FixedPoint<int32, IntegerBits>``
arithmetic. Reproducing them bit for bit means reproducing each primitive: the rounding of
:func:`srdhm`, the round-half-away of :func:`rdbpot`, and the polynomial and Newton steps of
:func:`exp_on_negative_values` and :func:`one_over_one_plus_x_for_x_in_0_1`. Raw values stay in
int64 so that no intermediate wraps; every function returns values inside int32's range.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INT32_MIN",
    "INT32_MAX",
    "srdhm",
    "rdbpot",
    "saturating_rounding_mul_by_pot",
    "rounding_half_sum",
    "exp_on_negative_values",
    "one_over_one_plus_x_for_x_in_0_1",
    "reciprocal",
    "logistic",
]

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def srdhm(a, b) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul: ``round(a * b / 2**31)``, ties toward +inf, saturated.

    gemmlowp adds a nudge of ``2**30`` (or ``1 - 2**30`` for negative products) and divides with C's
    truncation; that equals ``floor((a*b + 2**30) / 2**31)`` for every product, which is one shift.
    The only overflow is ``INT32_MIN * INT32_MIN``, which saturates to ``INT32_MAX``.
    """
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    out = (a * b + (1 << 30)) >> 31
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, out)


def rdbpot(x, exponent) -> np.ndarray:
    """RoundingDivideByPOT: ``x / 2**exponent`` rounded half away from zero (``exponent >= 0``)."""
    x = np.asarray(x, np.int64)
    e = np.asarray(exponent, np.int64)
    mask = (np.int64(1) << e) - 1
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + ((x & mask) > threshold)


def saturating_rounding_mul_by_pot(x, exponent: int) -> np.ndarray:
    """SaturatingRoundingMultiplyByPOT: ``x * 2**exponent``, saturating up, rounding down."""
    x = np.asarray(x, np.int64)
    if exponent <= 0:
        return rdbpot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    out = x << exponent
    out = np.where(x > threshold, INT32_MAX, out)
    return np.where(x < -threshold, INT32_MIN, out)


def rounding_half_sum(a, b) -> np.ndarray:
    """RoundingHalfSum: ``(a + b) / 2`` rounded half away from zero, with C division."""
    s = np.asarray(a, np.int64) + np.asarray(b, np.int64)
    s = s + np.where(s >= 0, 1, -1)
    return np.where(s >= 0, s // 2, -((-s) // 2))


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a) -> np.ndarray:
    # Taylor expansion around -1/8 in Q0.31 (gemmlowp constants: exp(-1/8) and 1/3).
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = a + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1)
    return constant_term + srdhm(constant_term, x + poly)


# exp(-2**k) in Q0.31 for k = -2..4, gemmlowp's barrel-shifter constants.
_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))


def exp_on_negative_values(a, integer_bits: int) -> np.ndarray:
    """``exp(a)`` for ``a <= 0`` given in Q(integer_bits).(31-integer_bits); result in Q0.31."""
    if integer_bits > 5:
        raise ValueError("exp_on_negative_values supports at most 5 integer bits")
    a = np.asarray(a, np.int64)
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_mul_by_pot(a_mod_quarter_minus_one_quarter, integer_bits))
    remainder = a_mod_quarter_minus_one_quarter - a
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = (remainder & (1 << (frac_bits + exponent))) != 0
            result = np.where(bit, srdhm(result, multiplier), result)
    return np.where(a == 0, INT32_MAX, result)


def one_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """``1 / (1 + a)`` for ``a`` in [0, 1) in Q0.31, by gemmlowp's three Newton-Raphson steps."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    constant_48_over_17 = 1515870810  # Q2.29
    constant_neg_32_over_17 = -1010580540  # Q2.29
    x = constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17)
    one_q2 = 1 << 29
    for _ in range(3):
        one_minus_half_denominator_times_x = one_q2 - srdhm(half_denominator, x)
        x = x + saturating_rounding_mul_by_pot(srdhm(x, one_minus_half_denominator_times_x), 2)
    return saturating_rounding_mul_by_pot(x, 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """``(1 - a) / (1 + a)`` for ``a`` in [0, 1) in Q0.31, gemmlowp's Newton-Raphson form."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = 1515870810 + srdhm(half_denominator, -1010580540)  # 48/17 - 32/17 * d, Q2.29
    one_q2 = 1 << 29
    for _ in range(3):
        x = x + saturating_rounding_mul_by_pot(srdhm(x, one_q2 - srdhm(half_denominator, x)), 2)
    return saturating_rounding_mul_by_pot(x - one_q2, 2)


def tanh(a, integer_bits: int) -> np.ndarray:
    """gemmlowp's ``tanh(a)`` for ``a`` in Q(integer_bits); result in Q0.31."""
    a = np.asarray(a, np.int64)
    abs_a = np.abs(a)
    # exp(2a): the same raw value read with one more integer bit (gemmlowp's ExactMulByPot<1>)
    r = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_a, integer_bits + 1))
    return np.where(a == 0, 0, np.where(a < 0, -r, r))


def reciprocal(x, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite's GetReciprocal: ``(scale in Q0.31, num_bits_over_unit)`` with ``1/x ~ scale / 2**bits``.

    ``x`` must be positive, in Q(x_integer_digits).
    """
    x = np.asarray(x, np.int64)
    headroom_plus_one = 32 - _bit_length(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted_sum_minus_one = (x << headroom_plus_one) - (1 << 31)
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


def _bit_length(x: np.ndarray) -> np.ndarray:
    # Exact for 0 < x < 2**32: frexp of an integer-valued float64 gives its bit length.
    return np.frexp(x.astype(np.float64))[1].astype(np.int64)


def logistic(a, integer_bits: int) -> np.ndarray:
    """gemmlowp's ``logistic(a)`` for ``a`` in Q(integer_bits); result in Q0.31."""
    a = np.asarray(a, np.int64)
    positive = a > 0
    abs_a = np.where(positive, a, -a)
    if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_a, integer_bits))
    if_negative = INT32_MAX - if_positive
    return np.where(a == 0, 1 << 30, np.where(positive, if_positive, if_negative))
