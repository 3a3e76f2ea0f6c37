"""The kernel contract, and checks shared by every kernel.

A kernel is split as TFLite-Micro splits it: ``prepare(op)`` computes everything that depends only
on the model (multipliers, weight matrices, output ranges) once, and ``eval(params, inputs)`` does
the per-inference work. Activation arrays carry one extra leading axis, the sample axis, so that N
inputs run in one call; constant inputs arrive with a sample axis of length 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import KernelError, UnsupportedOpError
from ..graph import Op, Quant, Tensor

__all__ = ["Kernel", "quant_of", "check_dtype", "tensor", "constant", "bias"]


@dataclass(frozen=True)
class Kernel:
    """A pair of pure functions implementing one op type.

    Attributes
    ----------
    prepare : callable
        ``prepare(op) -> params``; raises KernelError or UnsupportedOpError on bad parameters.
    eval : callable
        ``eval(params, inputs) -> ndarray``; ``inputs`` are the op's input arrays in order, each
        with a leading sample axis (None for omitted optional inputs).
    """

    prepare: Callable[[Op], Any]
    eval: Callable[[Any, list], np.ndarray]


def tensor(op: Op, i: int, role: str, *, output: bool = False) -> Tensor:
    """The op's i-th input (or output) tensor, with an error naming the op if it is missing."""
    ts = op.outputs if output else op.inputs
    t = ts[i] if i < len(ts) else None
    if t is None:
        kind = "output" if output else "input"
        raise KernelError(f"Op {op.label}: {kind} {i} ({role}) is missing")
    return t


def constant(op: Op, i: int, role: str) -> np.ndarray:
    """The data of the op's i-th input, which must be a constant tensor."""
    t = tensor(op, i, role)
    if t.data is None:
        raise UnsupportedOpError(
            f"Op {op.label}: {role} tensor '{t.name}' is computed at run time; only constant "
            f"{role}s are supported", op_type=op.type, op_index=op.index)
    return t.data


def quant_of(op: Op, t: Tensor, role: str) -> Quant:
    """The tensor's quantization parameters; an error naming the op if it has none."""
    if t.quant is None:
        raise KernelError(f"Op {op.label}: {role} tensor '{t.name}' has no quantization parameters")
    if not np.all(t.quant.scale > 0):
        raise KernelError(f"Op {op.label}: {role} tensor '{t.name}' has a non-positive quantization scale "
                          f"{float(np.min(t.quant.scale))}")
    return t.quant


def check_dtype(op: Op, t: Tensor, role: str, *allowed) -> None:
    """Raise UnsupportedOpError unless the tensor's dtype is one of ``allowed``."""
    if t.dtype not in [np.dtype(a) for a in allowed]:
        names = ", ".join(np.dtype(a).name for a in allowed)
        raise UnsupportedOpError(
            f"Op {op.label}: {role} tensor '{t.name}' is {t.dtype.name}; supported: {names}",
            op_type=op.type, op_index=op.index)


def bias(op: Op, i: int, n: int, stored, as_type) -> np.ndarray:
    """The op's i-th input, a bias of ``stored`` dtype, as ``n`` values of ``as_type`` (zeros if omitted)."""
    b = op.input(i)
    if b is None:
        return np.zeros(n, as_type)
    check_dtype(op, b, "bias", stored)
    data = constant(op, i, "bias").astype(as_type).reshape(-1)
    if data.size != n:
        raise KernelError(f"Op {op.label}: bias has {data.size} values for {n} output channels")
    return data
