/* gemmlowp-style fixed-point arithmetic and TFLite's requantization, for the int8 kernels.
 * The same arithmetic as mlaccel/kernels/fixedpoint.py, written for a 32-bit CPU. */
#ifndef MLACCEL_FIXEDPOINT_H
#define MLACCEL_FIXEDPOINT_H
#include <stdint.h>

#define I32_MIN ((int32_t)0x80000000)
#define I32_MAX ((int32_t)0x7fffffff)

static inline int32_t srdhm(int32_t a, int32_t b) {
    int overflow = a == b && a == I32_MIN;
    int64_t ab = (int64_t)a * (int64_t)b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    int32_t high = (int32_t)((ab + nudge) / (1ll << 31));
    return overflow ? I32_MAX : high;
}

static inline int32_t rdbpot(int32_t x, int exponent) {
    int32_t mask = (int32_t)((1u << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t mbqm(int32_t x, int32_t multiplier, int32_t shift) {
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    return rdbpot(srdhm(x * (1 << left), multiplier), right);
}

/* SaturatingRoundingMultiplyByPOT for a positive exponent. */
static inline int32_t sat_shl(int32_t x, int exponent) {
    int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1);
    if (x > threshold) return I32_MAX;
    if (x < -threshold) return I32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

static inline int32_t exp_interval(int32_t a) {  /* exp on [-1/4, 0), Q0.31 in and out */
    const int32_t constant_term = 1895147668, one_third = 715827883;
    int32_t x = a + (1 << 28);
    int32_t x2 = srdhm(x, x), x3 = srdhm(x2, x), x4 = srdhm(x2, x2);
    int32_t x4_over_4 = rdbpot(x4, 2);
    int32_t poly = rdbpot(srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return constant_term + srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 in Q(int_bits); result in Q0.31. int_bits is 4 or 5. */
static inline int32_t exp_on_negative_values(int32_t a, int int_bits) {
    static const int32_t mult[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    int frac_bits = 31 - int_bits;
    int32_t one_quarter = 1 << (frac_bits - 2);
    int32_t a_mod = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = exp_interval(sat_shl(a_mod, int_bits));
    int32_t remainder = a_mod - a;
    for (int e = -2; e <= 4; e++) {
        if (int_bits > e && (remainder & (1 << (frac_bits + e)))) result = srdhm(result, mult[e + 2]);
    }
    return a == 0 ? I32_MAX : result;
}

static inline int32_t one_over_one_plus_x(int32_t a) {  /* 1/(1+a), a in [0,1), Q0.31 */
    int64_t sum = (int64_t)a + I32_MAX;
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + srdhm(half_denominator, -1010580540);
    for (int i = 0; i < 3; i++) {
        int32_t one_minus = (1 << 29) - srdhm(half_denominator, x);
        x = x + sat_shl(srdhm(x, one_minus), 2);
    }
    return sat_shl(x, 1);
}

static inline int clz32(uint32_t x) {
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) { x <<= 1; n++; }
    return n;
}

#endif
