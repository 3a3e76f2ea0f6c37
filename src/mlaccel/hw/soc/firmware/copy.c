/* Data movement: RESHAPE (a plain copy), PAD, STRIDED_SLICE and CONCATENATION as 4-D strided
 * copies, and a fill for padding. */
#include "kernels.h"

void copy_4d_reference(const CopyParams *p) {
    for (int i0 = 0; i0 < p->dims[0]; ++i0)
        for (int i1 = 0; i1 < p->dims[1]; ++i1)
            for (int i2 = 0; i2 < p->dims[2]; ++i2) {
                const int8_t *s = p->src + i0 * p->src_strides[0] + i1 * p->src_strides[1] + i2 * p->src_strides[2];
                int8_t *d = p->dst + i0 * p->dst_strides[0] + i1 * p->dst_strides[1] + i2 * p->dst_strides[2];
                for (int i3 = 0; i3 < p->dims[3]; ++i3) d[i3 * p->dst_strides[3]] = s[i3 * p->src_strides[3]];
            }
}

void fill_reference(const FillParams *p) {
    for (int i = 0; i < p->size; ++i) p->dst[i] = (int8_t)p->value;
}

__attribute__((weak)) void copy_4d(const CopyParams *p) { copy_4d_reference(p); }

__attribute__((weak)) void fill(const FillParams *p) { fill_reference(p); }
