/* FULLY_CONNECTED int8, in TFLM's reference loop order (multipliers per output channel). */
#include "fixedpoint.h"
#include "kernels.h"

void fully_connected_reference(const FcParams *p) {
    for (int b = 0; b < p->batches; ++b) {
        for (int oc = 0; oc < p->out_c; ++oc) {
            int32_t acc = 0;
            for (int d = 0; d < p->depth; ++d) {
                int32_t x = p->input[b * p->depth + d];
                int32_t w = p->filter[oc * p->depth + d];
                acc += (w + p->filter_offset) * (x + p->input_offset);
            }
            if (p->bias) acc += p->bias[oc];
            acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
            acc = acc < p->act_min ? p->act_min : (acc > p->act_max ? p->act_max : acc);
            p->output[b * p->out_c + oc] = (int8_t)acc;
        }
    }
}

__attribute__((weak)) void fully_connected(const FcParams *p) { fully_connected_reference(p); }
