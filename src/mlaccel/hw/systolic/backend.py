"""The systolic-array backend: real outputs from the golden kernels, costs from the closed form.

GEMM work items run on the array (a grouped convolution as one GEMM per group), depthwise windows
in the array's column-FIR mode, and every other item on the post-processing vector unit
(:mod:`.cost` prices them). Outputs equal the reference backend's unless the configured
accumulator is too narrow for a layer, in which case sums wrap as the hardware's would.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ...backend import BoundKernel, OpResult
from ...kernels.conv import ConvParams, DepthwiseParams, FullyConnectedParams, accumulators
from ...lower import Gemm, Window, WorkItem
from ...stats import Stats
from .config import SystolicConfig
from .cost import SystolicCosts
from .pe_array import wrap
from .sparse_layer import SparseLayer, prepare_sparse_layer

__all__ = ["SystolicBackend"]


@dataclass(frozen=True)
class _Prepared:
    kernel: BoundKernel
    stats: Stats | None  # None when the costs depend on each run's activations
    wrap_bits: int | None  # accumulator width to wrap to, when it can overflow
    sparse: SparseLayer | None = None


class SystolicBackend:
    """Runs a model on a :class:`SystolicConfig` array; Stats describe one inference."""

    name = "systolic"
    parallel = True  # outputs per sample from the kernels; Stats from the closed form, not the data
    columns = ("macs", "cycles", "stall", "util", "sram", "dram", "energy")

    def __init__(self, config: SystolicConfig):
        self.config = config
        self.costs = SystolicCosts(config)
        self.tech = self.costs.tech
        self.name = f"systolic:{config.name}"
        notes = (self.tech.sram_note(config.sram_bytes(b)) for b in ("ifmap", "filter", "ofmap"))
        self._notes = list(dict.fromkeys(n for n in notes if n))
        self._wrapped: list[str] = []  # layers whose sums can overflow the configured accumulators
        self.sparse = config.sparse
        # Costs that follow each run's zeros are averaged over the samples (Model.run merges chunks).
        self.data_dependent_stats = self.sparse.activations != "none"

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats of the configuration, of layers that cannot use its sparse support, and of layers
        whose sums can wrap in accumulators narrower than TFLite-Micro's 32 bits."""
        wrapped = []
        if self._wrapped:
            shown = ", ".join(dict.fromkeys(self._wrapped[:4])) + (", ..." if len(self._wrapped) > 4 else "")
            wrapped = [f"{len(set(self._wrapped))} layer(s) ({shown}) can exceed the {self.config.acc_bits}-bit "
                       f"accumulators (Config field 'acc_bits') and wrap as the hardware's would: outputs may differ "
                       f"from the reference kernels (--check compares them with TFLite-Micro)"]
        return tuple(dict.fromkeys(self._notes + wrapped))

    def begin(self, batch: int) -> None:
        """Nothing carries over between runs: every cost comes from the closed form."""

    def prepare(self, item: WorkItem, kernel: BoundKernel) -> _Prepared:
        sparse = None
        if isinstance(item, Gemm) and item.b.is_weight and not self.sparse.is_dense:
            cfg = self.config
            sparse, note = prepare_sparse_layer(item.op, kernel.params, cfg.rows, cfg.cols, cfg.dataflow, self.sparse,
                                                cfg.word_bytes)
            if note:
                self._notes.append(note)
            stats = None
        else:
            stats = self.costs.dense(item)
            if isinstance(item, Window) and item.function == "depthwise" and not self.sparse.is_dense:
                stats = dataclasses.replace(stats, extra=dict(stats.extra, sparse="depthwise"))
                self._notes.append("DEPTHWISE_CONV_2D layers run dense: the column-FIR mode has no sparse support")
        wrap_bits = self._wrap_bits(kernel.params)
        if wrap_bits is not None:
            self._wrapped.append(item.label)
        return _Prepared(kernel, stats, wrap_bits, sparse)

    def price(self, item: WorkItem) -> Stats | None:
        """The item's costs without running it; None for a GEMM on a sparse array (its costs follow
        its weights and activations)."""
        if isinstance(item, Gemm) and item.b.is_weight and not self.sparse.is_dense:
            return None
        return self.costs.dense(item)

    def run(self, item: WorkItem, prepared: _Prepared, inputs: list) -> OpResult:
        p = prepared.kernel.params
        stats = prepared.stats
        if prepared.sparse is not None:
            counts, density = prepared.sparse.counts(p, inputs[0])
            stats = self.costs.sparse(item, prepared.sparse, counts, density)
        if prepared.wrap_bits is None:
            out = prepared.kernel(inputs)
        else:
            acc = wrap(accumulators(p, inputs[0]), prepared.wrap_bits)
            n = inputs[0].shape[0]
            out = p.requant(acc, np.zeros_like(p.bias)).reshape((n,) + p.out_shape)
        return OpResult([out], stats)

    # -- accumulator width -------------------------------------------------------------------

    def _wrap_bits(self, p) -> int | None:
        """The accumulator width to emulate, or None when no sum of this layer can overflow it."""
        if not isinstance(p, (ConvParams, DepthwiseParams, FullyConnectedParams)):
            return None
        bits = self.config.acc_bits
        if bits >= 32:  # TFLM accumulates in int32; wider changes nothing
            return None
        w = np.abs(p.weights.astype(np.int64))
        per_channel = w.reshape(-1, w.shape[-1]).sum(axis=0) if not isinstance(p, ConvParams) \
            else w.sum(axis=1).reshape(-1)
        bound = 255 * per_channel.max() + np.abs(p.bias).max(initial=0)
        return bits if bound >= 2 ** (bits - 1) else None

    def __repr__(self) -> str:
        return f"SystolicBackend({self.name!r})"
