/* CONV_2D and FULLY_CONNECTED with the simd4 CFU: four int8 MACs per instruction when the channel
 * depth is a multiple of 4 (so every 4-byte load is aligned); otherwise the library's kernels. */
#include "cfu.h"
#include "fixedpoint.h"
#include "kernels.h"

static inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

void conv_per_channel(const ConvParams *p) {
    if ((p->in_c & 3) || p->in_c != p->filter_in_c) {
        conv_per_channel_reference(p);
        return;
    }
    const int words = p->in_c >> 2;
    cfu_op(1, 0, p->input_offset, 0);
    for (int b = 0; b < p->batches; ++b) {
        for (int oy = 0; oy < p->out_h; ++oy) {
            const int in_y_origin = oy * p->stride_h - p->pad_h;
            for (int ox = 0; ox < p->out_w; ++ox) {
                const int in_x_origin = ox * p->stride_w - p->pad_w;
                for (int oc = 0; oc < p->out_c; ++oc) {
                    int32_t acc = cfu_op(0, 1, 0, 0);  /* clear the accumulator */
                    for (int fy = 0; fy < p->filter_h; ++fy) {
                        const int in_y = in_y_origin + p->dil_h * fy;
                        if (in_y < 0 || in_y >= p->in_h) continue;
                        for (int fx = 0; fx < p->filter_w; ++fx) {
                            const int in_x = in_x_origin + p->dil_w * fx;
                            if (in_x < 0 || in_x >= p->in_w) continue;
                            const int32_t *x = (const int32_t *)(p->input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c);
                            const int32_t *w = (const int32_t *)(p->filter + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->in_c);
                            for (int i = 0; i < words; ++i) acc = cfu_op(0, 0, x[i], w[i]);
                        }
                    }
                    if (p->bias) acc += p->bias[oc];
                    acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    p->output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] = (int8_t)clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void fully_connected(const FcParams *p) {
    if ((p->depth & 3) || p->filter_offset != 0) {
        fully_connected_reference(p);
        return;
    }
    const int words = p->depth >> 2;
    cfu_op(1, 0, p->input_offset, 0);
    for (int b = 0; b < p->batches; ++b) {
        const int32_t *x = (const int32_t *)(p->input + b * p->depth);
        for (int oc = 0; oc < p->out_c; ++oc) {
            const int32_t *w = (const int32_t *)(p->filter + oc * p->depth);
            int32_t acc = cfu_op(0, 1, 0, 0);
            for (int i = 0; i < words; ++i) acc = cfu_op(0, 0, x[i], w[i]);
            if (p->bias) acc += p->bias[oc];
            acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
            p->output[b * p->out_c + oc] = (int8_t)clamp(acc, p->act_min, p->act_max);
        }
    }
}
