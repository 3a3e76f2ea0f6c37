/* CONV_2D and DEPTHWISE_CONV_2D, per-channel int8, in TFLM's reference loop order. */
#include "fixedpoint.h"
#include "kernels.h"

static inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

void conv_per_channel_reference(const ConvParams *p) {
    const int groups = p->in_c / p->filter_in_c;
    const int filters_per_group = p->out_c / groups;
    for (int b = 0; b < p->batches; ++b) {
        for (int oy = 0; oy < p->out_h; ++oy) {
            const int in_y_origin = oy * p->stride_h - p->pad_h;
            for (int ox = 0; ox < p->out_w; ++ox) {
                const int in_x_origin = ox * p->stride_w - p->pad_w;
                for (int oc = 0; oc < p->out_c; ++oc) {
                    const int group = oc / filters_per_group;
                    int32_t acc = 0;
                    for (int fy = 0; fy < p->filter_h; ++fy) {
                        const int in_y = in_y_origin + p->dil_h * fy;
                        for (int fx = 0; fx < p->filter_w; ++fx) {
                            const int in_x = in_x_origin + p->dil_w * fx;
                            if (in_x < 0 || in_x >= p->in_w || in_y < 0 || in_y >= p->in_h) continue;
                            for (int ic = 0; ic < p->filter_in_c; ++ic) {
                                int32_t x = p->input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c +
                                                     group * p->filter_in_c + ic];
                                int32_t w = p->filter[((oc * p->filter_h + fy) * p->filter_w + fx) * p->filter_in_c + ic];
                                acc += w * (x + p->input_offset);
                            }
                        }
                    }
                    if (p->bias) acc += p->bias[oc];
                    acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    p->output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void depthwise_conv_per_channel_reference(const ConvParams *p) {
    for (int b = 0; b < p->batches; ++b) {
        for (int oy = 0; oy < p->out_h; ++oy) {
            for (int ox = 0; ox < p->out_w; ++ox) {
                for (int ic = 0; ic < p->in_c; ++ic) {
                    for (int m = 0; m < p->depth_multiplier; ++m) {
                        const int oc = m + ic * p->depth_multiplier;
                        const int in_x_origin = ox * p->stride_w - p->pad_w;
                        const int in_y_origin = oy * p->stride_h - p->pad_h;
                        int32_t acc = 0;
                        for (int fy = 0; fy < p->filter_h; ++fy) {
                            for (int fx = 0; fx < p->filter_w; ++fx) {
                                const int in_x = in_x_origin + p->dil_w * fx;
                                const int in_y = in_y_origin + p->dil_h * fy;
                                if (in_x >= 0 && in_x < p->in_w && in_y >= 0 && in_y < p->in_h) {
                                    int32_t x = p->input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic];
                                    int32_t w = p->filter[(fy * p->filter_w + fx) * p->out_c + oc];
                                    acc += w * (x + p->input_offset);
                                }
                            }
                        }
                        if (p->bias) acc += p->bias[oc];
                        acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                        p->output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                            (int8_t)clamp(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}

__attribute__((weak)) void conv_per_channel(const ConvParams *p) { conv_per_channel_reference(p); }

__attribute__((weak)) void depthwise_conv_per_channel(const ConvParams *p) { depthwise_conv_per_channel_reference(p); }
