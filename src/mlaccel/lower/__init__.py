"""The lowered form between a Graph and the hardware families: work items and buffer lifetimes.

>>> program = lower(model.graph)                     # doctest: +SKIP
>>> [(item.label, item.kind) for item in program.items][:2]   # doctest: +SKIP
[('#0 CONV_2D', 'gemm'), ('#1 DEPTHWISE_CONV_2D', 'window')]

Every family prices :class:`WorkItem` objects (:mod:`.items`); :func:`lower` (:mod:`.lowering`)
makes them.
"""

from .items import (ACTIVATION, WEIGHT, Buffer, Gemm, Move, Operand, Program, Vector, Window, WindowGeometry,
                    WorkItem)
from .lowering import MOVES, VECTOR_COSTS, lower, lower_op

__all__ = ["lower", "lower_op", "Program", "WorkItem", "Gemm", "Window", "WindowGeometry", "Vector", "Move",
           "Operand", "Buffer", "WEIGHT", "ACTIVATION", "VECTOR_COSTS", "MOVES"]
