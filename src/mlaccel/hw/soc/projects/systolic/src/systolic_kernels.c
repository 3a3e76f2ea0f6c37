/* CONV_2D (through im2col) and FULLY_CONNECTED on the systolic CFU: tiles of 4 output pixels x 4 output channels.
 * A (the pixels' im2col rows) is written once per pixel tile; B (four filters) per channel tile. */
#include "cfu.h"
#include "fixedpoint.h"
#include "kernels.h"

enum { CONFIG = 0, WRITE_A = 1, WRITE_B = 2, EXECUTE = 3, READ_C = 4, T = 4 };

static inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

void conv_per_channel(const ConvParams *p) {
    if (p->in_c != p->filter_in_c) {  /* grouped convolution: not mapped */
        conv_per_channel_reference(p);
        return;
    }
    const int depth = p->filter_h * p->filter_w * p->in_c;
    const int pixels = p->out_h * p->out_w;
    const int8_t pad = (int8_t)(-p->input_offset);  /* a padded tap contributes (pad + offset) * w = 0 */
    cfu_op(CONFIG, 0, depth, p->input_offset);
    for (int b = 0; b < p->batches; ++b) {
        for (int p0 = 0; p0 < pixels; p0 += T) {
            int k = 0;
            for (int fy = 0; fy < p->filter_h; ++fy) {
                for (int fx = 0; fx < p->filter_w; ++fx) {
                    for (int ic = 0; ic < p->in_c; ++ic, ++k) {
                        uint32_t word = 0;
                        for (int r = 0; r < T; ++r) {
                            const int pix = p0 + r < pixels ? p0 + r : pixels - 1;
                            const int oy = pix / p->out_w, ox = pix % p->out_w;
                            const int in_y = oy * p->stride_h - p->pad_h + p->dil_h * fy;
                            const int in_x = ox * p->stride_w - p->pad_w + p->dil_w * fx;
                            int8_t v = pad;
                            if (in_y >= 0 && in_y < p->in_h && in_x >= 0 && in_x < p->in_w)
                                v = p->input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic];
                            word |= (uint32_t)(uint8_t)v << (8 * r);
                        }
                        cfu_op(WRITE_A, 0, word, k);
                    }
                }
            }
            for (int oc0 = 0; oc0 < p->out_c; oc0 += T) {
                for (int kk = 0; kk < depth; ++kk) {
                    uint32_t word = 0;
                    for (int c = 0; c < T; ++c) {
                        const int oc = oc0 + c < p->out_c ? oc0 + c : p->out_c - 1;
                        word |= (uint32_t)(uint8_t)p->filter[oc * depth + kk] << (8 * c);
                    }
                    cfu_op(WRITE_B, 0, word, kk);
                }
                cfu_op(EXECUTE, 0, 0, 0);
                for (int r = 0; r < T && p0 + r < pixels; ++r) {
                    const int pix = p0 + r;
                    for (int c = 0; c < T && oc0 + c < p->out_c; ++c) {
                        const int oc = oc0 + c;
                        int32_t acc = cfu_op(READ_C, 0, r * T + c, 0);
                        if (p->bias) acc += p->bias[oc];
                        acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                        p->output[(b * pixels + pix) * p->out_c + oc] = (int8_t)clamp(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}

/* FULLY_CONNECTED as a 1x1 convolution over the batch rows: tiles of 4 rows x 4 units. */
void fully_connected(const FcParams *p) {
    if (p->filter_offset != 0 || p->depth > 8192) {
        fully_connected_reference(p);
        return;
    }
    cfu_op(CONFIG, 0, p->depth, p->input_offset);
    for (int b0 = 0; b0 < p->batches; b0 += T) {
        for (int k = 0; k < p->depth; ++k) {
            uint32_t word = 0;
            for (int r = 0; r < T; ++r) {
                const int b = b0 + r < p->batches ? b0 + r : p->batches - 1;
                word |= (uint32_t)(uint8_t)p->input[b * p->depth + k] << (8 * r);
            }
            cfu_op(WRITE_A, 0, word, k);
        }
        for (int oc0 = 0; oc0 < p->out_c; oc0 += T) {
            for (int k = 0; k < p->depth; ++k) {
                uint32_t word = 0;
                for (int c = 0; c < T; ++c) {
                    const int oc = oc0 + c < p->out_c ? oc0 + c : p->out_c - 1;
                    word |= (uint32_t)(uint8_t)p->filter[oc * p->depth + k] << (8 * c);
                }
                cfu_op(WRITE_B, 0, word, k);
            }
            cfu_op(EXECUTE, 0, 0, 0);
            for (int r = 0; r < T && b0 + r < p->batches; ++r) {
                for (int c = 0; c < T && oc0 + c < p->out_c; ++c) {
                    const int oc = oc0 + c;
                    int32_t acc = cfu_op(READ_C, 0, r * T + c, 0);
                    if (p->bias) acc += p->bias[oc];
                    acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    p->output[(b0 + r) * p->out_c + oc] = (int8_t)clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
