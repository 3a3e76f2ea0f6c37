/* ADD, SUB and MUL int8 with 4-D broadcasting (a stride of 0 repeats an input). */
#include "fixedpoint.h"
#include "kernels.h"

void binary_elementwise_reference(const BinaryParams *p) {
    int8_t *out = p->output;
    for (int i0 = 0; i0 < p->dims[0]; ++i0) {
        for (int i1 = 0; i1 < p->dims[1]; ++i1) {
            for (int i2 = 0; i2 < p->dims[2]; ++i2) {
                for (int i3 = 0; i3 < p->dims[3]; ++i3) {
                    int32_t x1 = p->in1[i0 * p->strides1[0] + i1 * p->strides1[1] + i2 * p->strides1[2] + i3 * p->strides1[3]];
                    int32_t x2 = p->in2[i0 * p->strides2[0] + i1 * p->strides2[1] + i2 * p->strides2[2] + i3 * p->strides2[3]];
                    int32_t v1 = x1 + p->in1_offset, v2 = x2 + p->in2_offset, raw;
                    if (p->kind == 2) {
                        raw = mbqm(v1 * v2, p->out_multiplier, p->out_shift);
                    } else {
                        int32_t s1 = mbqm(v1 * (1 << p->left_shift), p->in1_multiplier, p->in1_shift);
                        int32_t s2 = mbqm(v2 * (1 << p->left_shift), p->in2_multiplier, p->in2_shift);
                        raw = mbqm(p->kind == 0 ? s1 + s2 : s1 - s2, p->out_multiplier, p->out_shift);
                    }
                    raw += p->out_offset;
                    raw = raw < p->act_min ? p->act_min : (raw > p->act_max ? p->act_max : raw);
                    *out++ = (int8_t)raw;
                }
            }
        }
    }
}

__attribute__((weak)) void binary_elementwise(const BinaryParams *p) { binary_elementwise_reference(p); }
