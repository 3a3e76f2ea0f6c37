"""The lowered form: work items that every family prices, and buffers with their lifetimes.

A :class:`Program` is a Graph lowered to the arithmetic the hardware sees, in execution order:

==========  ==========================================================================================
item        what it is
==========  ==========================================================================================
Gemm        ``(M x K) @ (K x N)``, ``groups`` times; each operand a weight or an activation
Window      a sliding window per channel: depthwise convolution, max or average pooling
Vector      elementwise ops, reductions, softmax and normalization, with lane-ops per output element
Move        data movement: reshape, transpose, concatenation, gather, pad, slice
==========  ==========================================================================================

Every tensor is a :class:`Buffer` with its size and its lifetime (the first and last work item that
touches it), so a memory planner can see which activations are alive at the same time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from ..graph import Graph, Op, Tensor

__all__ = ["Operand", "WorkItem", "Gemm", "Window", "WindowGeometry", "Vector", "Move", "Buffer", "Program",
           "WEIGHT", "ACTIVATION"]

WEIGHT, ACTIVATION = "weight", "activation"


@dataclass(frozen=True)
class Operand:
    """One tensor as a work item sees it.

    Attributes
    ----------
    tensor : int
        Index in the graph's tensor table.
    name : str
    shape : tuple of int
    role : str
        ``"weight"`` (a constant: weights, biases, shape tensors) or ``"activation"``.
    bits : int
        Storage bits per element (4 for TFLite's packed INT4).
    nbytes : int
        Bytes as stored (packed for sub-byte tensors).
    """

    tensor: int
    name: str
    shape: tuple
    role: str
    bits: int
    nbytes: int

    @classmethod
    def of(cls, t: Tensor) -> "Operand":
        return cls(t.index, t.name, tuple(t.shape), WEIGHT if t.is_constant else ACTIVATION,
                   t.bits or 8 * t.dtype.itemsize, t.nbytes)

    @property
    def size(self) -> int:
        """Elements."""
        return math.prod(int(d) for d in self.shape)

    @property
    def is_weight(self) -> bool:
        return self.role == WEIGHT


@dataclass(frozen=True, eq=False, kw_only=True)
class WorkItem:
    """One unit of work, lowered from one op of the graph.

    Attributes
    ----------
    index : int
        Position in the program (the op's index).
    op : Op
        The op it comes from: the kernels run it, reports name it.
    inputs : tuple of (Operand or None)
        The op's inputs in order (None for an omitted optional input).
    outputs : tuple of Operand
    macs : int
        Multiply-accumulates of one inference.
    lane_ops : int
        Operations on a digital vector unit (one lane does one simple integer op per cycle), for
        the items a family runs there.
    """

    kind: ClassVar[str] = "item"
    index: int
    op: Op
    inputs: tuple
    outputs: tuple
    macs: int = 0
    lane_ops: int = 0

    @property
    def label(self) -> str:
        """``"#3 CONV_2D"``: how tables and errors name the item."""
        return self.op.label

    @property
    def elements(self) -> int:
        """Elements of the first output."""
        return self.outputs[0].size if self.outputs else 0

    def input_bytes(self, role: str | None = None) -> int:
        """Bytes of the inputs (of one role: ``"weight"`` or ``"activation"``), each counted once per
        appearance."""
        return sum(o.nbytes for o in self.inputs if o is not None and (role is None or o.role == role))

    @property
    def weight_bytes(self) -> int:
        """Bytes of the constant inputs: weights, biases."""
        return self.input_bytes(WEIGHT)

    @property
    def activation_bytes(self) -> int:
        """Bytes of the activations read."""
        return self.input_bytes(ACTIVATION)

    @property
    def output_bytes(self) -> int:
        """Bytes written."""
        return sum(o.nbytes for o in self.outputs)


@dataclass(frozen=True, eq=False, kw_only=True)
class Gemm(WorkItem):
    """``C[M, N] = A[M, K] @ B[K, N]`` for each of ``groups`` groups (a grouped convolution: each
    group has its own K input channels and N output channels).

    Attributes
    ----------
    m, k, n, groups : int
        Per group; a convolution's M counts output pixels over the batch, its K the taps times the
        group's input channels.
    a : Operand
        The left operand (activations; a convolution's input before im2col).
    b : Operand
        The right operand: a weight, or an activation (attention's ``Q @ K^T``).
    bias : Operand or None
    """

    kind: ClassVar[str] = "gemm"
    m: int
    k: int
    n: int
    groups: int = 1
    a: Operand
    b: Operand
    bias: Operand | None = None


@dataclass(frozen=True)
class WindowGeometry:
    """A windowed op over an NHWC tensor, with TFLite's padding resolved (one sample's shape,
    ``batch`` samples)."""

    batch: int
    in_h: int
    in_w: int
    channels_in: int
    multiplier: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    dil_h: int
    dil_w: int
    pad_top: int
    pad_left: int
    out_h: int
    out_w: int

    @property
    def channels(self) -> int:
        """Output channels."""
        return self.channels_in * self.multiplier

    @property
    def taps(self) -> int:
        return self.k_h * self.k_w


@dataclass(frozen=True, eq=False, kw_only=True)
class Window(WorkItem):
    """A window per channel: ``function`` is ``"depthwise"``, ``"max_pool"`` or ``"average_pool"``."""

    kind: ClassVar[str] = "window"
    function: str
    geometry: WindowGeometry

    @property
    def pixels(self) -> int:
        """Output positions over the batch (a depthwise layer's M)."""
        g = self.geometry
        return g.batch * g.out_h * g.out_w


@dataclass(frozen=True, eq=False, kw_only=True)
class Vector(WorkItem):
    """Elementwise or reduction work on a vector unit.

    ``function``: ``"elementwise"``, ``"reduction"``, ``"softmax"`` or ``"normalization"``;
    ``per_element``: lane-operations per output element (softmax: max, sum of exponentials,
    normalize).
    """

    kind: ClassVar[str] = "vector"
    function: str
    per_element: int


@dataclass(frozen=True, eq=False, kw_only=True)
class Move(WorkItem):
    """Data movement: ``function`` is ``"reshape"`` (relabels a buffer), ``"transpose"``,
    ``"concatenation"``, ``"gather"``, ``"pad"`` or ``"slice"``."""

    kind: ClassVar[str] = "move"
    function: str
    per_element: int


@dataclass(frozen=True)
class Buffer:
    """A tensor of the program with its size and lifetime.

    Attributes
    ----------
    tensor : int
    name : str
    nbytes : int
    role : str
        ``"weight"`` or ``"activation"``.
    first, last : int
        The first and last work item that touches it: the one that writes it (or, for graph inputs
        and weights, the first that reads it) and the last that reads it.
    graph_input, graph_output : bool
        Graph inputs are alive from the start, graph outputs to the end.
    """

    tensor: int
    name: str
    nbytes: int
    role: str
    first: int
    last: int
    graph_input: bool = False
    graph_output: bool = False

    def alive_at(self, item: int, items: int) -> bool:
        """Whether the buffer holds a value while item ``item`` of ``items`` runs."""
        start = 0 if self.graph_input else self.first
        end = items - 1 if self.graph_output else self.last
        return start <= item <= end


@dataclass(frozen=True, eq=False)
class Program:
    """A graph lowered to work items.

    Attributes
    ----------
    graph : Graph
    items : tuple of WorkItem
        In execution order; ``items[i].index == i``.
    buffers : dict of int to Buffer
        Every tensor a work item touches, by tensor index.
    """

    graph: Graph
    items: tuple
    buffers: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)

    def alive(self, item: int) -> list[Buffer]:
        """The activation buffers that hold values while item ``item`` runs."""
        return [b for b in self.buffers.values() if b.role == ACTIVATION and b.alive_at(item, len(self.items))]

    def freed_after(self, item: int) -> tuple[int, ...]:
        """Activation tensors no later item reads (graph outputs never): a runner may drop them."""
        return tuple(b.tensor for b in self.buffers.values()
                     if b.role == ACTIVATION and b.last == item and not b.graph_output
                     and (b.first < item or b.graph_input))

    @property
    def peak_activation_bytes(self) -> int:
        """The most activation bytes alive at once (no buffer shared or reused in place)."""
        return max((sum(b.nbytes for b in self.alive(i)) for i in range(len(self.items))), default=0)
