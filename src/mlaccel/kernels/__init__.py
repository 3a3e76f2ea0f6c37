"""Golden int8 kernels: NumPy, bit-exact with TFLite-Micro's reference kernels.

``KERNELS`` maps a TFLite builtin op name to its :class:`~mlaccel.kernels.base.Kernel`;
``FLOAT_KERNELS`` holds the float32 twins that float Graphs run on, and :func:`kernel_for` picks one.
"""

from __future__ import annotations

from .activations import LOGISTIC, RELU, RELU6, SOFTMAX, TANH
import numpy as np

from ..graph import Op
from .base import Kernel
from .boundary import DEQUANTIZE, QUANTIZE
from .conv import CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
from .elementwise import ADD, MUL, SUB
from .floating import FLOAT_KERNELS
from .pooling import AVERAGE_POOL_2D, MAX_POOL_2D
from .shape import CONCATENATION, PAD, RESHAPE, STRIDED_SLICE

__all__ = ["KERNELS", "FLOAT_KERNELS", "Kernel", "kernel_for", "is_float_op"]

KERNELS: dict[str, Kernel] = {
    "CONV_2D": CONV_2D,
    "DEPTHWISE_CONV_2D": DEPTHWISE_CONV_2D,
    "FULLY_CONNECTED": FULLY_CONNECTED,
    "AVERAGE_POOL_2D": AVERAGE_POOL_2D,
    "MAX_POOL_2D": MAX_POOL_2D,
    "ADD": ADD,
    "SUB": SUB,
    "MUL": MUL,
    "SOFTMAX": SOFTMAX,
    "LOGISTIC": LOGISTIC,
    "TANH": TANH,
    "RELU": RELU,
    "RELU6": RELU6,
    "RESHAPE": RESHAPE,
    "PAD": PAD,
    "STRIDED_SLICE": STRIDED_SLICE,
    "CONCATENATION": CONCATENATION,
    "QUANTIZE": QUANTIZE,
    "DEQUANTIZE": DEQUANTIZE,
}


def is_float_op(op: Op) -> bool:
    """True for an op that computes in float32 (QUANTIZE and DEQUANTIZE are int8 boundary ops)."""
    return op.type not in ("QUANTIZE", "DEQUANTIZE") and bool(op.outputs) and op.outputs[0].dtype == np.float32


def kernel_for(op: Op) -> Kernel | None:
    """The kernel that runs ``op``: float32 for float ops, else the bit-exact int8 one; None if there is none."""
    return (FLOAT_KERNELS if is_float_op(op) else KERNELS).get(op.type)
