"""The Graph: plain dataclasses for tensors and ops, in TFLite's NHWC layout.

A Graph is what the model readers produce and what every backend consumes. It holds no behaviour
beyond small derived properties; kernels and backends live elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Quant", "Tensor", "Op", "Graph"]


@dataclass(frozen=True, eq=False)
class Quant:
    """Affine quantization parameters: ``real = scale * (q - zero_point)``.

    Parameters
    ----------
    scale : ndarray of float32
        One value (per-tensor) or one per slice along ``axis`` (per-axis).
    zero_point : ndarray of int64
        Same length as ``scale``.
    axis : int
        The quantized dimension for per-axis parameters.
    """

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int = 0

    @property
    def per_axis(self) -> bool:
        """True when there is more than one scale."""
        return self.scale.size > 1

    @property
    def s(self) -> float:
        """The per-tensor scale (the first scale for per-axis parameters)."""
        return float(self.scale[0])

    @property
    def zp(self) -> int:
        """The per-tensor zero point (the first for per-axis parameters)."""
        return int(self.zero_point[0])

    def describe(self) -> str:
        """A short human-readable form, e.g. ``s=0.0235 zp=-128`` or ``per-axis(3) x64``."""
        if self.per_axis:
            return f"per-axis({self.axis}) x{self.scale.size}"
        return f"s={self.s:.4g} zp={self.zp}"


@dataclass(frozen=True, eq=False)
class Tensor:
    """A tensor of the graph.

    Parameters
    ----------
    index : int
        Position in the model's tensor table.
    name : str
    shape : tuple of int
    dtype : numpy.dtype
    quant : Quant or None
    data : ndarray or None
        Constant contents (read-only) for weights, biases and shape tensors; None for activations.
    bits : int or None
        Storage width when it is narrower than ``dtype`` (4: TFLite's packed INT4, whose ``data``
        holds the unpacked values as int8); None for the dtype's own width.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    quant: Quant | None = None
    data: np.ndarray | None = None
    bits: int | None = None

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(int(d) for d in self.shape)  # Python ints: exact, and 10x faster than np.prod here

    @property
    def nbytes(self) -> int:
        """Size in bytes as stored (packed for sub-byte tensors)."""
        if self.bits:
            return (self.size * self.bits + 7) // 8
        return self.size * self.dtype.itemsize


@dataclass(frozen=True, eq=False)
class Op:
    """An operator: a builtin TFLite op name, its tensors, and its attributes.

    Parameters
    ----------
    index : int
        Position in execution order.
    type : str
        TFLite builtin name (``"CONV_2D"``), or ``"CUSTOM:<code>"`` for custom ops.
    inputs : tuple of (Tensor or None)
        None stands for an omitted optional input (TFLite's index -1), e.g. a missing bias.
    outputs : tuple of Tensor
    attrs : dict
        Op options with readable values, e.g. ``{"padding": "SAME", "stride": (2, 2)}``.
    """

    index: int
    type: str
    inputs: tuple[Tensor | None, ...]
    outputs: tuple[Tensor, ...]
    attrs: dict[str, Any] = field(default_factory=dict)

    def input(self, i: int) -> Tensor | None:
        """The i-th input, or None when it is omitted or absent."""
        return self.inputs[i] if i < len(self.inputs) else None

    @property
    def label(self) -> str:
        """``"#3 CONV_2D"``: how errors and tables name this op."""
        return f"#{self.index} {self.type}"


@dataclass(frozen=True, eq=False)
class Graph:
    """A whole model: tensors, ops in execution order, and the graph's inputs and outputs."""

    tensors: tuple[Tensor, ...]
    ops: tuple[Op, ...]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    name: str = ""
    description: str = ""

    @property
    def op_types(self) -> list[str]:
        """Distinct op types in order of first use."""
        return list(dict.fromkeys(op.type for op in self.ops))
