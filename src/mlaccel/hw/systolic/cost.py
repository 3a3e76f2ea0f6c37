"""What a work item costs on a systolic array: cycles, stalls, SRAM and DRAM bytes, energy.

GEMMs run on the array (:mod:`.dataflow` folds them, :mod:`.memory` moves their operands),
depthwise convolutions in its column-FIR mode (:mod:`.depthwise`), everything else on the
post-processing vector unit. Energy is action counts priced by the config's technology table
(:mod:`mlaccel.energy`): a MAC is an 8-bit multiply and a 32-bit add, SRAM bytes are priced by
each buffer's capacity, DRAM bytes per 64-bit access, a vector lane-op as a 32-bit add.
"""

from __future__ import annotations

from math import ceil

from ...energy import TechTable, load_table
from ...lower import Gemm, Window, WorkItem
from ...stats import Cost, CostTable, Stats
from .config import SystolicConfig
from .dataflow import map_gemm
from .depthwise import DepthwiseGeometry, map_depthwise
from .memory import dram_traffic, gemm_traffic, stall_cycles
from .sparse_layer import SparseLayer

__all__ = ["SystolicCosts", "cost_table"]

# Buffer or DRAM stream -> operand kind of the Stats vocabulary (mlaccel.stats).
_OPERAND = {"ifmap": "input", "filter": "weight", "ofmap": "output", "psum": "psum"}


def cost_table(config: SystolicConfig) -> CostTable:
    """The energy of each action the array is priced by, from its technology table."""
    t = load_table(config.tech)
    src = t.sources
    actions = {"mac": Cost(t.pj("mult_int8") + t.pj("add_int32"), "MAC",
                           f"{src.get('mult_int8', '')}; {src.get('add_int32', '')}")}
    for buf in ("ifmap", "filter", "ofmap"):
        kib = config.sram_bytes(buf) / 1024
        actions[f"{buf}_sram"] = Cost(t.sram_pj_per_byte(config.sram_bytes(buf)), "byte",
                                      f"{kib:g} KiB SRAM, 64-bit access / 8: {src.get('sram_64b', '')}")
    actions["dram"] = Cost(t.dram_pj_per_byte(), "byte", f"64-bit access / 8: {src.get('dram_64b', '')}")
    actions["vector"] = Cost(t.pj("add_int32"), "lane-op", src.get("add_int32", ""))
    notes = [n for n in (t.sram_note(config.sram_bytes(b)) for b in ("ifmap", "filter", "ofmap")) if n]
    return CostTable(f"systolic:{config.name} ({t.name})", actions,
                     tuple(dict.fromkeys(notes)) + ("leakage, clock tree and control are not priced",))


class SystolicCosts:
    """Prices work items on one :class:`SystolicConfig`; every method gives one inference's Stats."""

    def __init__(self, config: SystolicConfig, tech: TechTable | None = None):
        self.config = config
        self.tech = tech if tech is not None else load_table(config.tech)

    def dense(self, item: WorkItem) -> Stats:
        """The closed-form costs of an item run dense (no sparse features)."""
        if isinstance(item, Gemm):
            return self.gemm(item)
        if isinstance(item, Window) and item.function == "depthwise":
            return self.depthwise(item)
        return self.vector(item)

    def _energy(self, macs: float, sram_reads: dict, sram_writes: dict, dram_bytes: int,
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

    def _finish(self, item: WorkItem, macs: int, compute: int, folds: int, sram_reads: dict, sram_writes: dict,
                dram_reads: dict, dram_writes: dict, extra: dict, vector_ops: int = 0,
                toggled: float | None = None, busy: float | None = None) -> Stats:
        """Stats of one item; ``toggled`` multiplier activations (default ``macs``) price the MACs, and
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
        return Stats(op=item.label, cycles=cycles, seconds=cycles / (cfg.clock_mhz * 1e6), stall_cycles=stall,
                     macs=macs, utilization=util, param_bytes=item.weight_bytes, reads=reads, writes=writes,
                     energy_pj=self._energy(macs if toggled is None else toggled, sram_reads, sram_writes, dram,
                                            vector_ops),
                     output_shape=item.op.outputs[0].shape, extra=extra)

    def gemm(self, item: Gemm) -> Stats:
        """A GEMM folded onto the array under the config's dataflow; each group in turn."""
        cfg = self.config
        m, k, n, groups = item.m, item.k, item.n, item.groups
        mp = map_gemm(m, k, n, cfg.rows, cfg.cols, cfg.dataflow)
        tr = gemm_traffic(mp, cfg, item.b.bits)
        scale = lambda d: {key: v * groups for key, v in d.items()}  # noqa: E731
        dram_reads = scale(tr.dram_reads)
        dram_reads["filter"] += item.bias.nbytes if item.bias is not None else 0
        extra = dict(unit="array", dataflow=cfg.dataflow, gemm=(m, k, n), groups=groups,
                     row_folds=mp.row_folds, col_folds=mp.col_folds, folds=mp.folds * groups,
                     mapping_efficiency=mp.mapping_efficiency, psum_spill_bytes=tr.psum_spill_bytes * groups)
        return self._finish(item, mp.macs * groups, mp.compute_cycles * groups, mp.folds * groups,
                            scale(tr.sram_reads), scale(tr.sram_writes), dram_reads, scale(tr.dram_writes), extra)

    def sparse(self, item: Gemm, layer: SparseLayer, c: dict, act_density: float) -> Stats:
        """A GEMM on a sparse array, from its mean per-sample counts (:mod:`.sparse`)."""
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
        dram_reads["filter"] += item.bias.nbytes if item.bias is not None else 0
        folds = round(c["folds"])
        extra = dict(unit="array", dataflow=cfg.dataflow, gemm=(layer.m, k, n), groups=groups, folds=folds,
                     sparse=layer.mode, weight_density=layer.weight_density, act_density=act_density,
                     metadata_bytes=meta + flags, issued_macs=round(c["issued"]), toggled_macs=round(c["toggled"]),
                     psum_spill_bytes=dram_reads["psum"] + dram_writes["psum"])
        return self._finish(item, item.macs, round(c["cycles"]), max(folds, 1), sram_reads, sram_writes,
                            dram_reads, dram_writes, extra, toggled=c["toggled"], busy=c["issued"])

    def depthwise(self, item: Window) -> Stats:
        """A depthwise convolution in the array's column-FIR mode, sample after sample."""
        cfg = self.config
        w = item.geometry
        batch = w.batch
        g = DepthwiseGeometry(w.in_h, w.in_w, w.channels_in, w.multiplier, w.k_h, w.k_w, w.stride_h,
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
        return self._finish(item, mp.macs * batch, mp.compute_cycles * batch, mp.folds * batch, sram_reads,
                            sram_writes, dram_reads, dram_writes, extra)

    def vector(self, item: WorkItem) -> Stats:
        """An item on the vector unit: its lane-ops over the lanes; activations stay on chip when
        they fit in the ifmap SRAM, otherwise they round-trip DRAM."""
        cfg = self.config
        ops = item.lane_ops
        cycles = ceil(ops / cfg.vector_lanes)
        act_in, const_in = item.activation_bytes, item.weight_bytes
        out_bytes = item.outputs[0].nbytes
        moved = ops > 0
        sram_reads = {"ifmap": act_in if moved else 0, "filter": const_in if moved else 0, "ofmap": 0}
        sram_writes = {"ofmap": out_bytes if moved else 0}
        spills = moved and act_in + out_bytes > cfg.sram_bytes("ifmap") // cfg.buffers
        dram_reads = {"ifmap": act_in if spills else 0, "filter": const_in if moved else 0, "psum": 0}
        dram_writes = {"ofmap": out_bytes if spills else 0, "psum": 0}
        extra = dict(unit="vector", lane_ops=ops, folds=1)
        return self._finish(item, 0, cycles, 1, sram_reads, sram_writes, dram_reads, dram_writes, extra,
                            vector_ops=ops)
