/* FULLY_CONNECTED through the mac1 CFU: one MAC per instruction, the input offset added in the CFU.
 * Layers with a filter offset (per-channel weights with zero points) use the library's kernel. */
#include "cfu.h"
#include "fixedpoint.h"
#include "kernels.h"

void fully_connected(const FcParams *p) {
    if (p->filter_offset != 0) {
        fully_connected_reference(p);
        return;
    }
    cfu_op(1, 0, p->input_offset, 0);
    for (int b = 0; b < p->batches; ++b) {
        const int8_t *x = p->input + b * p->depth;
        for (int oc = 0; oc < p->out_c; ++oc) {
            const int8_t *w = p->filter + oc * p->depth;
            int32_t acc = cfu_op(0, 1, 0, 0);  /* clear the accumulator */
            for (int d = 0; d < p->depth; ++d) acc = cfu_op(0, 0, x[d], w[d]);
            if (p->bias) acc += p->bias[oc];
            acc = mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
            acc = acc < p->act_min ? p->act_min : (acc > p->act_max ? p->act_max : acc);
            p->output[b * p->out_c + oc] = (int8_t)acc;
        }
    }
}
