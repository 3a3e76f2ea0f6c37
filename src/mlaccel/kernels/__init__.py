"""Golden int8 kernels: NumPy, bit-exact with TFLite-Micro's reference kernels.

``KERNELS`` maps a TFLite builtin op name to its :class:`~mlaccel.kernels.base.Kernel`.
"""

from __future__ import annotations

from .activations import LOGISTIC, SOFTMAX
from .base import Kernel
from .boundary import DEQUANTIZE, QUANTIZE
from .conv import CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
from .elementwise import ADD, MUL, SUB
from .pooling import AVERAGE_POOL_2D, MAX_POOL_2D
from .shape import CONCATENATION, PAD, RESHAPE, STRIDED_SLICE

__all__ = ["KERNELS", "Kernel"]

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
    "RESHAPE": RESHAPE,
    "PAD": PAD,
    "STRIDED_SLICE": STRIDED_SLICE,
    "CONCATENATION": CONCATENATION,
    "QUANTIZE": QUANTIZE,
    "DEQUANTIZE": DEQUANTIZE,
}
