/* CONV_2D and FULLY_CONNECTED with the 2:4 sparse CFU.
 *
 * A layer whose filter rows are 2:4 (at most two non-zeros in every four consecutive weights along
 * the reduction) and whose channel depth is a multiple of 8 is packed, on every call, into its kept
 * weights (4 bytes per 8 positions) and 2-bit indices (1 byte per 8 positions). Each output pixel's
 * inputs go into the CFU once (LOAD_X) and every output channel then takes one SMAC per 8 positions.
 * Other layers, and FULLY_CONNECTED layers with too few input rows to repay the packing, use the
 * dense MAC4 operation (simd4's), or the library's kernels. */
#include "cfu.h"
#include "fixedpoint.h"
#include "kernels.h"

#define SMAC 0
#define SET_OFFSET 1
#define LOAD_X 2
#define MAC4 3
#define X_MAX 4096          /* the CFU's input buffer, in bytes */
#define PACKED_MAX 32768    /* kept-weight bytes the scratch buffer holds */

static uint32_t packed[PACKED_MAX / 4];     /* per output channel: depth/8 words of kept weights */
static uint8_t meta[PACKED_MAX / 4];        /* per output channel: depth/8 index bytes */

static inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Pack `rows` filter rows of `depth` weights (depth % 8 == 0); 0 when a group has three or more
 * non-zeros or the layer does not fit. */
static int pack_2_4(const int8_t *filter, int rows, int depth) {
    if (rows * (depth / 2) > PACKED_MAX) return 0;
    uint32_t *pw = packed;
    uint8_t *pm = meta;
    for (int r = 0; r < rows; ++r) {
        const uint32_t *f = (const uint32_t *)(filter + r * depth);
        for (int i = 0; i < depth / 8; ++i) {
            uint32_t word = 0, idx = 0;
            for (int h = 0; h < 2; ++h) {
                uint32_t v = f[2 * i + h];
                int kept = 0;
                for (int j = 0; v && j < 4; ++j, v >>= 8) {
                    if (!(v & 0xFF)) continue;
                    if (kept == 2) return 0;
                    word |= (v & 0xFF) << (8 * (2 * h + kept));
                    idx |= (uint32_t)j << (4 * h + 2 * kept);
                    ++kept;
                }
            }
            *pw++ = word;
            *pm++ = (uint8_t)idx;
        }
    }
    return 1;
}

/* Dot product of the buffered inputs with one packed filter row: `n` SMACs. */
static inline int32_t sparse_dot(const uint32_t *w, const uint8_t *m, int n) {
    int32_t acc = cfu_op(SMAC, 1, 0, 0);  /* clear */
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t idx = *(const uint32_t *)(m + i);
        acc = cfu_op(SMAC, 0, w[i], idx);
        acc = cfu_op(SMAC, 0, w[i + 1], idx >> 8);
        acc = cfu_op(SMAC, 0, w[i + 2], idx >> 16);
        acc = cfu_op(SMAC, 0, w[i + 3], idx >> 24);
    }
    for (; i < n; ++i) acc = cfu_op(SMAC, 0, w[i], m[i]);
    return acc;
}

static int32_t requantize(int32_t acc, const int32_t *bias, int oc, const int32_t *mult, const int32_t *shift,
                          int32_t out_offset, int32_t lo, int32_t hi) {
    if (bias) acc += bias[oc];
    return clamp(mbqm(acc, mult[oc], shift[oc]) + out_offset, lo, hi);
}

static void conv_dense_mac4(const ConvParams *p) {
    const int words = p->in_c >> 2;
    cfu_op(SET_OFFSET, 0, p->input_offset, 0);
    for (int b = 0; b < p->batches; ++b)
        for (int oy = 0; oy < p->out_h; ++oy)
            for (int ox = 0; ox < p->out_w; ++ox)
                for (int oc = 0; oc < p->out_c; ++oc) {
                    int32_t acc = cfu_op(MAC4, 1, 0, 0);
                    for (int fy = 0; fy < p->filter_h; ++fy) {
                        const int in_y = oy * p->stride_h - p->pad_h + p->dil_h * fy;
                        if (in_y < 0 || in_y >= p->in_h) continue;
                        for (int fx = 0; fx < p->filter_w; ++fx) {
                            const int in_x = ox * p->stride_w - p->pad_w + p->dil_w * fx;
                            if (in_x < 0 || in_x >= p->in_w) continue;
                            const int32_t *x = (const int32_t *)(p->input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c);
                            const int32_t *w = (const int32_t *)(p->filter + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->in_c);
                            for (int i = 0; i < words; ++i) acc = cfu_op(MAC4, 0, x[i], w[i]);
                        }
                    }
                    p->output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] = (int8_t)requantize(
                        acc, p->bias, oc, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max);
                }
}

void conv_per_channel(const ConvParams *p) {
    const int depth = p->filter_h * p->filter_w * p->in_c;
    if ((p->in_c & 7) || p->in_c != p->filter_in_c || depth > X_MAX || !pack_2_4(p->filter, p->out_c, depth)) {
        if ((p->in_c & 3) || p->in_c != p->filter_in_c) conv_per_channel_reference(p);
        else conv_dense_mac4(p);
        return;
    }
    const int n = depth / 8, words = p->in_c / 4;
    /* A padded tap reads the zero point: (zp + input_offset) is 0. */
    const uint32_t pad = (uint32_t)(uint8_t)(-p->input_offset) * 0x01010101u;
    cfu_op(SET_OFFSET, 0, p->input_offset, 0);
    for (int b = 0; b < p->batches; ++b)
        for (int oy = 0; oy < p->out_h; ++oy)
            for (int ox = 0; ox < p->out_w; ++ox) {
                int first = 1;
                for (int fy = 0; fy < p->filter_h; ++fy) {
                    const int in_y = oy * p->stride_h - p->pad_h + p->dil_h * fy;
                    for (int fx = 0; fx < p->filter_w; ++fx) {
                        const int in_x = ox * p->stride_w - p->pad_w + p->dil_w * fx;
                        const int inside = in_x >= 0 && in_x < p->in_w && in_y >= 0 && in_y < p->in_h;
                        const uint32_t *x = (const uint32_t *)(p->input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c);
                        for (int i = 0; i < words; i += 2) {
                            if (first) cfu_op(LOAD_X, 1, inside ? x[i] : pad, inside ? x[i + 1] : pad);
                            else cfu_op(LOAD_X, 0, inside ? x[i] : pad, inside ? x[i + 1] : pad);
                            first = 0;
                        }
                    }
                }
                int8_t *out = p->output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (int oc = 0; oc < p->out_c; ++oc)
                    out[oc] = (int8_t)requantize(sparse_dot(packed + oc * n, meta + oc * n, n), p->bias, oc,
                                                 p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max);
            }
}

/* Packing costs about as much as five dense passes over the weights: below that many rows of
 * inputs, FULLY_CONNECTED stays dense. */
#define FC_MIN_BATCHES 5

void fully_connected(const FcParams *p) {
    if ((p->depth & 7) || p->filter_offset != 0 || p->depth > X_MAX || p->batches < FC_MIN_BATCHES ||
        !pack_2_4(p->filter, p->out_c, p->depth)) {
        if ((p->depth & 3) || p->filter_offset != 0) {
            fully_connected_reference(p);
            return;
        }
        const int words = p->depth >> 2;
        cfu_op(SET_OFFSET, 0, p->input_offset, 0);
        for (int b = 0; b < p->batches; ++b) {
            const int32_t *x = (const int32_t *)(p->input + b * p->depth);
            for (int oc = 0; oc < p->out_c; ++oc) {
                const int32_t *w = (const int32_t *)(p->filter + oc * p->depth);
                int32_t acc = cfu_op(MAC4, 1, 0, 0);
                for (int i = 0; i < words; ++i) acc = cfu_op(MAC4, 0, x[i], w[i]);
                p->output[b * p->out_c + oc] = (int8_t)requantize(acc, p->bias, oc, p->multiplier, p->shift,
                                                                  p->output_offset, p->act_min, p->act_max);
            }
        }
        return;
    }
    const int n = p->depth / 8;
    cfu_op(SET_OFFSET, 0, p->input_offset, 0);
    for (int b = 0; b < p->batches; ++b) {
        const uint32_t *x = (const uint32_t *)(p->input + b * p->depth);
        for (int i = 0; i < p->depth / 4; i += 2) {
            if (i == 0) cfu_op(LOAD_X, 1, x[0], x[1]);
            else cfu_op(LOAD_X, 0, x[i], x[i + 1]);
        }
        for (int oc = 0; oc < p->out_c; ++oc)
            p->output[b * p->out_c + oc] = (int8_t)requantize(sparse_dot(packed + oc * n, meta + oc * n, n), p->bias,
                                                              oc, p->multiplier, p->shift, p->output_offset,
                                                              p->act_min, p->act_max);
    }
}
