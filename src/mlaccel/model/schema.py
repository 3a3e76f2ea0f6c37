"""The slice of the TFLite schema that mlaccel reads and writes, as data.

One table describes each op's builtin options, so the reader and the writer cannot drift apart:
``OPTIONS[op_type] = (options table name, [(attr, flatbuffer field, codec)])``.
"""

from __future__ import annotations

import numpy as np
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions

__all__ = [
    "OP_NAMES",
    "OP_CODES",
    "OPTIONS",
    "OPTIONS_TYPE",
    "TENSOR_TYPES",
    "DTYPE_CODES",
    "INT4",
    "PADDING",
    "ACTIVATIONS",
]

OP_NAMES: dict[int, str] = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
OP_CODES: dict[str, int] = {v: k for k, v in OP_NAMES.items()}
OPTIONS_TYPE: dict[str, int] = {k: v for k, v in vars(BuiltinOptions).items() if not k.startswith("_")}

# TensorType code -> numpy dtype (only the types a model of ours can hold as data).
TENSOR_TYPES: dict[int, np.dtype] = {
    0: np.dtype(np.float32),
    1: np.dtype(np.float16),
    2: np.dtype(np.int32),
    3: np.dtype(np.uint8),
    4: np.dtype(np.int64),
    6: np.dtype(np.bool_),
    7: np.dtype(np.int16),
    9: np.dtype(np.int8),
    10: np.dtype(np.float64),
    15: np.dtype(np.uint32),
    16: np.dtype(np.uint16),
}
DTYPE_CODES: dict[np.dtype, int] = {v: k for k, v in TENSOR_TYPES.items()}
INT4 = 17  # TensorType INT4: two values per byte, low nibble first; held unpacked as int8

PADDING = ("SAME", "VALID")
ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT")

# codecs: name -> (decode flatbuffer value, encode attr value)
_ENUM_PADDING = (lambda v: PADDING[v], lambda a: PADDING.index(a))
_ENUM_ACT = (lambda v: ACTIVATIONS[v], lambda a: ACTIVATIONS.index(a))
_INT = (int, int)
_BOOL = (bool, bool)
_FLOAT = (float, float)
IVEC = "ivec"  # an int32 vector field, written before the options table starts

_CONV_COMMON = [
    ("padding", "Padding", _ENUM_PADDING),
    ("stride_w", "StrideW", _INT),
    ("stride_h", "StrideH", _INT),
    ("activation", "FusedActivationFunction", _ENUM_ACT),
    ("dilation_w", "DilationWFactor", _INT),
    ("dilation_h", "DilationHFactor", _INT),
]

OPTIONS: dict[str, tuple[str, list[tuple[str, str, object]]]] = {
    "CONV_2D": ("Conv2DOptions", _CONV_COMMON),
    "DEPTHWISE_CONV_2D": (
        "DepthwiseConv2DOptions",
        _CONV_COMMON + [("depth_multiplier", "DepthMultiplier", _INT)],
    ),
    "FULLY_CONNECTED": (
        "FullyConnectedOptions",
        [
            ("activation", "FusedActivationFunction", _ENUM_ACT),
            ("weights_format", "WeightsFormat", _INT),
            ("keep_num_dims", "KeepNumDims", _BOOL),
        ],
    ),
    "AVERAGE_POOL_2D": (
        "Pool2DOptions",
        [
            ("padding", "Padding", _ENUM_PADDING),
            ("stride_w", "StrideW", _INT),
            ("stride_h", "StrideH", _INT),
            ("filter_w", "FilterWidth", _INT),
            ("filter_h", "FilterHeight", _INT),
            ("activation", "FusedActivationFunction", _ENUM_ACT),
        ],
    ),
    "ADD": ("AddOptions", [("activation", "FusedActivationFunction", _ENUM_ACT)]),
    "SUB": ("SubOptions", [("activation", "FusedActivationFunction", _ENUM_ACT)]),
    "MUL": ("MulOptions", [("activation", "FusedActivationFunction", _ENUM_ACT)]),
    "SOFTMAX": ("SoftmaxOptions", [("beta", "Beta", _FLOAT)]),
    "CONCATENATION": (
        "ConcatenationOptions",
        [("axis", "Axis", _INT), ("activation", "FusedActivationFunction", _ENUM_ACT)],
    ),
    "STRIDED_SLICE": (
        "StridedSliceOptions",
        [
            ("begin_mask", "BeginMask", _INT),
            ("end_mask", "EndMask", _INT),
            ("ellipsis_mask", "EllipsisMask", _INT),
            ("new_axis_mask", "NewAxisMask", _INT),
            ("shrink_axis_mask", "ShrinkAxisMask", _INT),
            ("offset", "Offset", _BOOL),
        ],
    ),
    "RESHAPE": ("ReshapeOptions", [("new_shape", "NewShape", IVEC)]),
    "PAD": ("PadOptions", []),
    "QUANTIZE": ("QuantizeOptions", []),
    "DEQUANTIZE": ("DequantizeOptions", []),
    "LOGISTIC": ("", []),
    "TANH": ("", []),
    "RELU": ("", []),
    "RELU6": ("", []),
}
OPTIONS["MAX_POOL_2D"] = OPTIONS["AVERAGE_POOL_2D"]
