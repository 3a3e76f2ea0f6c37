/* SOFTMAX and LOGISTIC int8 in gemmlowp fixed point, as TFLM's reference kernels compute them. */
#include "fixedpoint.h"
#include "kernels.h"

void softmax_reference(const SoftmaxParams *p) {
    for (int r = 0; r < p->rows; ++r) {
        const int8_t *in = p->input + r * p->depth;
        int8_t *out = p->output + r * p->depth;
        int32_t max_in_row = -128;
        for (int c = 0; c < p->depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        int32_t sum_of_exps = 0;  /* Q12.19 */
        for (int c = 0; c < p->depth; ++c) {
            int32_t diff = in[c] - max_in_row;
            if (diff >= p->diff_min) {
                int32_t rescaled = srdhm(diff * (1 << p->input_left_shift), p->input_multiplier);
                sum_of_exps += rdbpot(exp_on_negative_values(rescaled, 5), 12);
            }
        }
        int headroom_plus_one = clz32((uint32_t)sum_of_exps);
        int num_bits_over_unit = 12 - headroom_plus_one;
        int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - (1u << 31));
        int32_t shifted_scale = one_over_one_plus_x(shifted_sum_minus_one);
        for (int c = 0; c < p->depth; ++c) {
            int32_t diff = in[c] - max_in_row;
            if (diff >= p->diff_min) {
                int32_t rescaled = srdhm(diff * (1 << p->input_left_shift), p->input_multiplier);
                int32_t e = exp_on_negative_values(rescaled, 5);
                int32_t v = rdbpot(srdhm(shifted_scale, e), num_bits_over_unit + 31 - 8) - 128;
                out[c] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
            } else {
                out[c] = -128;
            }
        }
    }
}

void logistic_reference(const LogisticParams *p) {
    for (int i = 0; i < p->size; ++i) {
        int32_t x = p->input[i] - p->input_zero_point;
        int32_t v;
        if (x <= -p->input_range_radius) {
            v = -128;
        } else if (x >= p->input_range_radius) {
            v = 127;
        } else {
            int32_t a = mbqm(x, p->input_multiplier, p->input_left_shift);  /* Q4.27 */
            int32_t abs_a = a > 0 ? a : -a;
            int32_t pos = one_over_one_plus_x(exp_on_negative_values(-abs_a, 4));
            int32_t q0 = a == 0 ? (1 << 30) : (a > 0 ? pos : I32_MAX - pos);
            v = rdbpot(q0, 23) - 128;
            v = v < -128 ? -128 : (v > 127 ? 127 : v);
        }
        p->output[i] = (int8_t)v;
    }
}

__attribute__((weak)) void softmax(const SoftmaxParams *p) { softmax_reference(p); }

__attribute__((weak)) void logistic(const LogisticParams *p) { logistic_reference(p); }
