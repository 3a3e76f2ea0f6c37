"""The reference backend: the golden kernels (int8 bit-exact, or float32), with MACs and bytes moved but no timing."""

from __future__ import annotations

from typing import Any

from ...backend import OpResult
from ...errors import TargetError, UnsupportedOpError
from ...family import Family
from ...graph import Op
from ...kernels import KERNELS, kernel_for
from ...stats import Stats
from ...workload import work_of

__all__ = ["ReferenceBackend", "op_traffic", "FAMILY"]


def op_traffic(op: Op) -> tuple[dict[str, int], dict[str, int], int]:
    """Bytes one inference of the op reads and writes in a flat tensor memory, and its parameter bytes.

    Returns
    -------
    reads : dict
        ``{"mem.input": bytes, "mem.weight": bytes}`` (see :mod:`mlaccel.stats` for the keys).
    writes : dict
        ``{"mem.output": bytes}``.
    param_bytes : int
    """
    params = sum(t.nbytes for t in op.inputs if t is not None and t.is_constant)
    acts = sum(t.nbytes for t in op.inputs if t is not None and not t.is_constant)
    written = sum(t.nbytes for t in op.outputs)
    return {"mem.input": acts, "mem.weight": params}, {"mem.output": written}, params


class ReferenceBackend:
    """Runs every op with the bit-exact NumPy kernels of :mod:`mlaccel.kernels`."""

    name = "reference"
    config = None
    parallel = True  # runs are independent per sample and the Stats do not depend on the data
    runs_float = True  # float32 Graphs run here with the float kernels
    columns = ("output", "macs", "share", "params", "mem")
    notes: tuple[str, ...] = ()

    def begin(self, batch: int) -> None:
        """Nothing to reset: the kernels keep no state."""

    def prepare(self, op: Op) -> Any:
        kernel = kernel_for(op)
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


def _no_spec(spec: str):
    raise TargetError(f"The reference target takes no config ('reference:{spec}'); write 'reference'")


FAMILY = Family(prefix="reference", config_type=None, presets={}, load_config=None, resolve=_no_spec,
                backend=lambda config: ReferenceBackend(),
                summary="reference: the golden kernels, bit-exact with TFLite-Micro; MACs and bytes, no timing",
                timed=False)
