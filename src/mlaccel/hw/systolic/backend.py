"""The systolic-array backend: real outputs from the golden kernels, costs from the closed form.

CONV_2D and FULLY_CONNECTED run as GEMMs on the array (grouped convolutions as one GEMM per
group), DEPTHWISE_CONV_2D in the array's column-FIR mode (:mod:`.depthwise`), and every other op on
the post-processing vector unit. Outputs equal the reference backend's unless the configured
accumulator is too narrow for a layer, in which case sums wrap as the hardware's would.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from math import ceil
from typing import Any

import numpy as np

from ...backend import OpResult
from ...energy import TechTable, load_table
from ...errors import UnsupportedOpError
from ...graph import Op
from ...kernels import KERNELS
from ...kernels.conv import ConvParams, DepthwiseParams, FullyConnectedParams, accumulators
from ...stats import Stats
from ...workload import VECTOR_COSTS, vector_ops, work_of
from .config import SystolicConfig
from .dataflow import map_gemm
from .depthwise import DepthwiseGeometry, map_depthwise
from .memory import dram_traffic, gemm_traffic, stall_cycles
from .pe_array import wrap
from .sparse_layer import SparseLayer, prepare_sparse_layer

__all__ = ["SystolicBackend", "VECTOR_COSTS"]

# Buffer or DRAM stream -> operand kind of the Stats vocabulary (mlaccel.stats).
_OPERAND = {"ifmap": "input", "filter": "weight", "ofmap": "output", "psum": "psum"}


@dataclass(frozen=True)
class _Prepared:
    evaluate: Any
    params: Any
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
        self.tech: TechTable = load_table(config.tech)
        self.name = f"systolic:{config.name}"
        notes = (self.tech.sram_note(config.sram_bytes(b)) for b in ("ifmap", "filter", "ofmap"))
        self._notes = list(dict.fromkeys(n for n in notes if n))
        self.sparse = config.sparse
        # Costs that follow each run's zeros are averaged over the samples (Model.run merges chunks).
        self.data_dependent_stats = self.sparse.activations != "none"

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats of the configuration, and of layers that cannot use its sparse support."""
        return tuple(dict.fromkeys(self._notes))

    def begin(self, batch: int) -> None:
        """Nothing carries over between runs: every cost comes from the closed form."""

    def prepare(self, op: Op) -> _Prepared:
        kernel = KERNELS.get(op.type)
        if kernel is None:
            raise UnsupportedOpError(f"Op {op.label} is not supported by the systolic backend",
                                     op_type=op.type, op_index=op.index)
        params = kernel.prepare(op)
        sparse = None
        if isinstance(params, (ConvParams, FullyConnectedParams)) and not self.sparse.is_dense:
            cfg = self.config
            sparse, note = prepare_sparse_layer(op, params, cfg.rows, cfg.cols, cfg.dataflow, self.sparse,
                                                cfg.word_bytes)
            if note:
                self._notes.append(note)
            stats = None
        else:
            stats = self.dense_stats(op, params)
            if isinstance(params, DepthwiseParams) and not self.sparse.is_dense:
                stats = dataclasses.replace(stats, extra=dict(stats.extra, sparse="depthwise"))
                self._notes.append("DEPTHWISE_CONV_2D layers run dense: the column-FIR mode has no sparse support")
        return _Prepared(kernel.eval, params, stats, self._wrap_bits(params), sparse)

    def dense_stats(self, op: Op, params) -> Stats:
        """The closed-form costs of one op run dense, from its kernel parameters (which do not depend
        on the config, so a design sweep prepares them once)."""
        if isinstance(params, (ConvParams, FullyConnectedParams)):
            return self._gemm_stats(op, params)
        if isinstance(params, DepthwiseParams):
            return self._depthwise_stats(op, params)
        return self._vector_stats(op)

    def run(self, op: Op, prepared: _Prepared, inputs: list) -> OpResult:
        p = prepared.params
        stats = prepared.stats
        if prepared.sparse is not None:
            counts, density = prepared.sparse.counts(p, inputs[0])
            stats = self._sparse_stats(op, prepared.sparse, counts, density)
        if prepared.wrap_bits is None:
            out = prepared.evaluate(p, inputs)
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

    # -- costs ---------------------------------------------------------------------------------

    def _energy(self, macs: int, sram_reads: dict, sram_writes: dict, dram_bytes: int,
                vector_ops: int = 0) -> dict:
        t, cfg = self.tech, self.config
        e = {"mac": macs * (t.pj("mult_int8") + t.pj("add_int32"))}
        for buf in ("ifmap", "filter", "ofmap"):
            moved = sram_reads.get(buf, 0) + sram_writes.get(buf, 0)
            e[f"{buf}_sram"] = moved * t.sram_pj_per_byte(cfg.sram_bytes(buf))
        e["dram"] = dram_bytes * t.dram_pj_per_byte()
        if vector_ops:
            e["vector"] = vector_ops * t.pj("add_int32")
        return e

    def _finish(self, op: Op, macs: int, compute: int, folds: int, sram_reads: dict, sram_writes: dict,
                dram_reads: dict, dram_writes: dict, extra: dict, vector_ops: int = 0,
                toggled: float | None = None, busy: float | None = None) -> Stats:
        """Stats of one op; ``toggled`` multiplier activations (default ``macs``) price the MACs, and
        ``busy`` PE-cycles (default ``macs``) give the utilization."""
        cfg = self.config
        dram = sum(dram_reads.values()) + sum(dram_writes.values())
        stall = stall_cycles(compute, folds, dram, cfg)
        cycles = compute + stall
        reads = {f"sram.{_OPERAND[k]}": v for k, v in sram_reads.items()}
        reads.update({f"dram.{_OPERAND[k]}": v for k, v in dram_reads.items()})
        writes = {f"sram.{_OPERAND[k]}": v for k, v in sram_writes.items()}
        writes.update({f"dram.{_OPERAND[k]}": v for k, v in dram_writes.items()})
        util = (macs if busy is None else busy) / (cycles * cfg.rows * cfg.cols) if cycles else 0.0
        extra = dict(extra, compute_cycles=compute)
        return Stats(op=op.label, cycles=cycles, seconds=cycles / (cfg.clock_mhz * 1e6), stall_cycles=stall,
                     macs=macs, utilization=util,
                     param_bytes=sum(t.nbytes for t in op.inputs if t is not None and t.is_constant),
                     reads=reads, writes=writes,
                     energy_pj=self._energy(macs if toggled is None else toggled, sram_reads, sram_writes, dram,
                                            vector_ops),
                     output_shape=op.outputs[0].shape, extra=extra)

    def _gemm_stats(self, op: Op, p) -> Stats:
        cfg = self.config
        wk = work_of(op)
        groups = p.groups if isinstance(p, ConvParams) else 1
        k = wk.k // groups if isinstance(p, ConvParams) else wk.k
        n = wk.n // groups
        mp = map_gemm(wk.m, k, n, cfg.rows, cfg.cols, cfg.dataflow)
        tr = gemm_traffic(mp, cfg, op.input(1).bits or 8)
        scale = lambda d: {key: v * groups for key, v in d.items()}  # noqa: E731
        bias_bytes = 4 * wk.n if op.input(2) is not None else 0
        dram_reads = scale(tr.dram_reads)
        dram_reads["filter"] += bias_bytes
        extra = dict(unit="array", dataflow=cfg.dataflow, gemm=(wk.m, k, n), groups=groups,
                     row_folds=mp.row_folds, col_folds=mp.col_folds, folds=mp.folds * groups,
                     mapping_efficiency=mp.mapping_efficiency, psum_spill_bytes=tr.psum_spill_bytes * groups)
        return self._finish(op, mp.macs * groups, mp.compute_cycles * groups, mp.folds * groups,
                            scale(tr.sram_reads), scale(tr.sram_writes), dram_reads,
                            scale(tr.dram_writes), extra)

    def _sparse_stats(self, op: Op, layer: SparseLayer, c: dict, act_density: float) -> Stats:
        """Stats of a GEMM layer on a sparse array from its mean per-sample counts."""
        cfg = self.config
        wb, ab = cfg.word_bytes, cfg.acc_bytes
        groups = len(layer.weights)
        k, n = layer.weights[0].shape
        outs = layer.m * n * groups
        meta = ceil(c["meta_bits"] / 8)
        flags = ceil(layer.act_positions / 8) if layer.spec.skip_activations else 0  # zero flags read
        sram_reads = {"ifmap": round(c["ifmap_reads"] * wb) + flags, "filter": round(c["filter_reads"] * wb) + meta,
                      "ofmap": round(c["ofmap_reads"] * ab)}
        sram_writes = {"ofmap": round(max(c["ofmap_writes"] - outs, 0) * ab) + outs * wb}
        mp = map_gemm(layer.m, layer.k_slots, n, cfg.rows, cfg.cols, cfg.dataflow)
        reads, writes = dram_traffic(mp, cfg, layer.m * k * wb, layer.weight_bytes // groups)
        dram_reads = {key: v * groups for key, v in reads.items()}
        dram_writes = {key: v * groups for key, v in writes.items()}
        dram_reads["filter"] += 4 * n * groups if op.input(2) is not None else 0
        folds = round(c["folds"])
        extra = dict(unit="array", dataflow=cfg.dataflow, gemm=(layer.m, k, n), groups=groups, folds=folds,
                     sparse=layer.mode, weight_density=layer.weight_density, act_density=act_density,
                     metadata_bytes=meta + flags, issued_macs=round(c["issued"]), toggled_macs=round(c["toggled"]),
                     psum_spill_bytes=dram_reads["psum"] + dram_writes["psum"])
        return self._finish(op, work_of(op).macs, round(c["cycles"]), max(folds, 1), sram_reads, sram_writes,
                            dram_reads, dram_writes, extra, toggled=c["toggled"], busy=c["issued"])

    def _depthwise_stats(self, op: Op, p: DepthwiseParams) -> Stats:
        cfg = self.config
        w = p.window
        batch = p.in_shape[0]
        g = DepthwiseGeometry(w.in_h, w.in_w, p.in_shape[-1], p.multiplier, w.k_h, w.k_w, w.stride_h,
                              w.stride_w, w.dil_h, w.dil_w, w.pad_top, w.pad_left, w.out_h, w.out_w)
        mp = map_depthwise(g, cfg.rows, cfg.cols)
        e = mp.elements
        wb, ab = cfg.word_bytes, cfg.acc_bytes
        outs = g.out_h * g.out_w * g.channels
        sram_reads = {"ifmap": e["ifmap_reads"] * wb * batch, "filter": e["filter_reads"] * wb,
                      "ofmap": e["ofmap_reads"] * ab * batch}
        sram_writes = {"ofmap": ((e["ofmap_writes"] - outs) * ab + outs * wb) * batch}
        in_bytes = g.in_h * g.in_w * g.channels_in * wb * batch
        dram_reads = {"ifmap": in_bytes, "filter": e["filter_reads"] * wb + 4 * g.channels, "psum": 0}
        dram_writes = {"ofmap": outs * wb * batch, "psum": 0}
        extra = dict(unit="array", dataflow="depthwise column-FIR", channel_folds=mp.channel_folds,
                     tap_folds=mp.tap_folds, folds=mp.folds * batch, mapping_efficiency=mp.mapping_efficiency,
                     psum_spill_bytes=0)
        return self._finish(op, mp.macs * batch, mp.compute_cycles * batch, mp.folds * batch, sram_reads,
                            sram_writes, dram_reads, dram_writes, extra)

    def _vector_stats(self, op: Op) -> Stats:
        cfg = self.config
        out = op.outputs[0]
        ops = vector_ops(op)
        cycles = ceil(ops / cfg.vector_lanes)
        act_in = sum(t.nbytes for t in op.inputs if t is not None and not t.is_constant)
        const_in = sum(t.nbytes for t in op.inputs if t is not None and t.is_constant)
        moved = ops > 0
        sram_reads = {"ifmap": act_in if moved else 0, "filter": const_in if moved else 0, "ofmap": 0}
        sram_writes = {"ofmap": out.nbytes if moved else 0}
        # Activations stay on chip when they fit in the ifmap SRAM; otherwise they round-trip DRAM.
        spills = moved and act_in + out.nbytes > cfg.sram_bytes("ifmap") // cfg.buffers
        dram_reads = {"ifmap": act_in if spills else 0, "filter": const_in if moved else 0, "psum": 0}
        dram_writes = {"ofmap": out.nbytes if spills else 0, "psum": 0}
        extra = dict(unit="vector", lane_ops=ops, folds=1)
        stats = self._finish(op, 0, cycles, 1, sram_reads, sram_writes, dram_reads, dram_writes, extra,
                             vector_ops=ops)
        return stats
