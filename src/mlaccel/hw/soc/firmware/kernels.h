/* int8 kernels in the loop structure of TFLite-Micro's reference kernels.
 *
 * Each kernel takes one parameter block that the host fills (the work TFLM does in Prepare:
 * multipliers, offsets, activation ranges), so the simulated cycles are those of Eval. Every field
 * is a 32-bit word; the host's layouts in mlaccel/hw/soc/runner.py must match these structs. */
#ifndef MLACCEL_KERNELS_H
#define MLACCEL_KERNELS_H
#include <stdint.h>

typedef struct {
    const int8_t *input; const int8_t *filter; const int32_t *bias; int8_t *output;
    const int32_t *multiplier; const int32_t *shift;
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, filter_h, filter_w, filter_in_c;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t input_offset, output_offset, act_min, act_max, depth_multiplier;
} ConvParams;

typedef struct {
    const int8_t *input; const int8_t *filter; const int32_t *bias; int8_t *output;
    const int32_t *multiplier; const int32_t *shift;
    int32_t batches, depth, out_c, input_offset, filter_offset, output_offset, act_min, act_max;
} FcParams;

typedef struct {
    const int8_t *input; int8_t *output;
    int32_t batches, in_h, in_w, channels, out_h, out_w, filter_h, filter_w, stride_h, stride_w;
    int32_t pad_h, pad_w, act_min, act_max;
} PoolParams;

typedef struct {
    const int8_t *in1; const int8_t *in2; int8_t *output;
    int32_t dims[4], strides1[4], strides2[4];
    int32_t kind; /* 0 add, 1 sub, 2 mul */
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_multiplier, in1_shift, in2_multiplier, in2_shift;
    int32_t out_multiplier, out_shift, out_offset, act_min, act_max;
} BinaryParams;

typedef struct {
    const int8_t *input; int8_t *output;
    int32_t rows, depth, input_multiplier, input_left_shift, diff_min;
} SoftmaxParams;

typedef struct {
    const int8_t *input; int8_t *output;
    int32_t size, input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} LogisticParams;

typedef struct {
    const int8_t *src; int8_t *dst;
    int32_t dims[4], src_strides[4], dst_strides[4];
} CopyParams;

typedef struct {
    int8_t *dst; int32_t size, value;
} FillParams;

void conv_per_channel(const ConvParams *p);
void depthwise_conv_per_channel(const ConvParams *p);
void fully_connected(const FcParams *p);
void average_pool(const PoolParams *p);
void max_pool(const PoolParams *p);
void binary_elementwise(const BinaryParams *p);
void softmax(const SoftmaxParams *p);
void logistic(const LogisticParams *p);
void copy_4d(const CopyParams *p);
void fill(const FillParams *p);

/* The library's implementations; the names above are weak aliases that a project's C file may
 * override (and fall back to these for shapes it does not handle). */
void conv_per_channel_reference(const ConvParams *p);
void depthwise_conv_per_channel_reference(const ConvParams *p);
void fully_connected_reference(const FcParams *p);
void average_pool_reference(const PoolParams *p);
void max_pool_reference(const PoolParams *p);
void binary_elementwise_reference(const BinaryParams *p);
void softmax_reference(const SoftmaxParams *p);
void logistic_reference(const LogisticParams *p);
void copy_4d_reference(const CopyParams *p);
void fill_reference(const FillParams *p);

#endif
