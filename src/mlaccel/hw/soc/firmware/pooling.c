/* AVERAGE_POOL_2D and MAX_POOL_2D int8, in TFLM's reference loop order. */
#include "kernels.h"

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

/* The filter taps [*f0, *f1) of one axis that fall inside the input, for an output at `origin`. */
static inline void window(int origin, int filter, int size, int *f0, int *f1) {
    *f0 = imax(0, -origin);
    *f1 = imin(filter, size - origin);
}

void average_pool_reference(const PoolParams *p) {
    for (int b = 0; b < p->batches; ++b) {
        for (int oy = 0; oy < p->out_h; ++oy) {
            for (int ox = 0; ox < p->out_w; ++ox) {
                for (int c = 0; c < p->channels; ++c) {
                    const int in_x_origin = ox * p->stride_w - p->pad_w;
                    const int in_y_origin = oy * p->stride_h - p->pad_h;
                    int fx0, fx1, fy0, fy1;
                    window(in_x_origin, p->filter_w, p->in_w, &fx0, &fx1);
                    window(in_y_origin, p->filter_h, p->in_h, &fy0, &fy1);
                    int32_t acc = 0;
                    int count = 0;
                    for (int fy = fy0; fy < fy1; ++fy) {
                        for (int fx = fx0; fx < fx1; ++fx) {
                            acc += p->input[((b * p->in_h + in_y_origin + fy) * p->in_w + in_x_origin + fx) * p->channels + c];
                            count++;
                        }
                    }
                    if (count == 0) count = 1;
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    acc = acc < p->act_min ? p->act_min : (acc > p->act_max ? p->act_max : acc);
                    p->output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] = (int8_t)acc;
                }
            }
        }
    }
}

void max_pool_reference(const PoolParams *p) {
    for (int b = 0; b < p->batches; ++b) {
        for (int oy = 0; oy < p->out_h; ++oy) {
            for (int ox = 0; ox < p->out_w; ++ox) {
                for (int c = 0; c < p->channels; ++c) {
                    const int in_x_origin = ox * p->stride_w - p->pad_w;
                    const int in_y_origin = oy * p->stride_h - p->pad_h;
                    int fx0, fx1, fy0, fy1;
                    window(in_x_origin, p->filter_w, p->in_w, &fx0, &fx1);
                    window(in_y_origin, p->filter_h, p->in_h, &fy0, &fy1);
                    int32_t m = -128;
                    for (int fy = fy0; fy < fy1; ++fy) {
                        for (int fx = fx0; fx < fx1; ++fx) {
                            int32_t v = p->input[((b * p->in_h + in_y_origin + fy) * p->in_w + in_x_origin + fx) * p->channels + c];
                            m = v > m ? v : m;
                        }
                    }
                    m = m < p->act_min ? p->act_min : (m > p->act_max ? p->act_max : m);
                    p->output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] = (int8_t)m;
                }
            }
        }
    }
}

__attribute__((weak)) void average_pool(const PoolParams *p) { average_pool_reference(p); }

__attribute__((weak)) void max_pool(const PoolParams *p) { max_pool_reference(p); }
