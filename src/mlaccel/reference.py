"""The reference backend: the golden kernels, with MACs and bytes moved but no timing."""

from __future__ import annotations

from typing import Any

from .backend import OpResult
from .errors import UnsupportedOpError
from .graph import Op
from .kernels import KERNELS
from .stats import Stats
from .workload import work_of

__all__ = ["ReferenceBackend", "op_traffic"]


def op_traffic(op: Op) -> tuple[dict[str, int], dict[str, int], int]:
    """Bytes one inference of the op reads and writes, by kind, and its parameter bytes.

    Returns
    -------
    reads : dict
        ``{"activations": bytes, "parameters": bytes}``.
    writes : dict
        ``{"activations": bytes}``.
    param_bytes : int
    """
    params = sum(t.nbytes for t in op.inputs if t is not None and t.is_constant)
    acts = sum(t.nbytes for t in op.inputs if t is not None and not t.is_constant)
    written = sum(t.nbytes for t in op.outputs)
    return {"activations": acts, "parameters": params}, {"activations": written}, params


class ReferenceBackend:
    """Runs every op with the bit-exact NumPy kernels of :mod:`mlaccel.kernels`."""

    name = "reference"
    config = None

    def prepare(self, op: Op) -> Any:
        kernel = KERNELS.get(op.type)
        if kernel is None:
            raise UnsupportedOpError(
                f"Op {op.label} is not supported by the reference backend (supported: "
                f"{', '.join(sorted(KERNELS))})", op_type=op.type, op_index=op.index)
        reads, writes, param_bytes = op_traffic(op)
        stats = Stats(op=op.label, macs=work_of(op).macs, param_bytes=param_bytes, reads=reads,
                      writes=writes, output_shape=op.outputs[0].shape)
        return kernel.eval, kernel.prepare(op), stats

    def run(self, op: Op, prepared: Any, inputs: list) -> OpResult:
        evaluate, params, stats = prepared
        return OpResult([evaluate(params, inputs)], stats)
