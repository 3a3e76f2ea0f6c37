"""The analog backend: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on crossbars, the rest on a
digital unit; outputs from the crossbar model itself, costs from the component table.

``prepare`` programs each layer's weights (one device draw, seeded by the config's ``seed`` and the
op) and prices one inference; ``run`` pushes the inputs through the crossbars, converters and
shift-and-add (:mod:`.crossbar`), then requantizes as the int8 kernels do. Read noise is drawn per
run from the seed, so a run repeats exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...backend import OpResult
from ...errors import TargetError, UnsupportedOpError
from ...graph import Op
from ...kernels import KERNELS
from ...kernels.conv import ConvParams, DepthwiseParams, FullyConnectedParams, gemm_inputs
from ...stats import Stats
from ...workload import vector_ops, work_of
from .components import action_energy, load_components
from .config import AnalogConfig
from .crossbar import MappedGemm, map_gemm, run_gemm

__all__ = ["AnalogBackend"]


@dataclass(frozen=True)
class _Prepared:
    params: Any
    gemms: tuple  # MappedGemm per group; empty for digital ops
    stats: Stats


def _weight_matrices(p) -> tuple[list[np.ndarray], tuple | None]:
    """The integer K x N weight matrix of each group, and ``(taps, channels_in, multiplier)`` for a
    depthwise layer (its block-diagonal matrix, rows in (tap, channel) order)."""
    if isinstance(p, ConvParams):
        return [np.rint(w).astype(np.int64) for w in p.weights], None
    if isinstance(p, FullyConnectedParams):
        return [np.rint(p.weights).astype(np.int64)], None
    taps = p.window.k_h * p.window.k_w
    cout = p.weights.shape[-1]
    cin = cout // p.multiplier
    wt = p.weights.reshape(taps, cout).astype(np.int64)
    w = np.zeros((taps * cin, cout), np.int64)
    oc = np.arange(cout)
    for t in range(taps):
        w[t * cin + oc // p.multiplier, oc] = wt[t]
    return [w], (taps, cin, p.multiplier)


class AnalogBackend:
    """Runs a model on an :class:`AnalogConfig` accelerator; Stats describe one inference."""

    name = "analog"
    parallel = False  # read noise is drawn per run, in one stream
    columns = ("macs", "cycles", "time", "util", "sram", "energy")

    def __init__(self, config: AnalogConfig):
        self.config = config
        self.name = f"analog:{config.name}"
        self.components = load_components(config.components)
        self.energy = action_energy(config, self.components)
        self._crossbars: dict[int, int] = {}
        notes = []
        if config.adc_range == "percentile" or config.adc_bits < config.lossless_adc_bits():
            notes.append(f"the {config.adc_bits}-bit ADC ({config.adc_range} range) is lossy: a {config.rows}-row "
                         f"read needs {config.lossless_adc_bits()} bits at full range; outputs are approximate")
        if not config.ideal:
            notes.append(f"device and converter non-idealities are on (seed {config.seed}); outputs are approximate")
        self._notes = notes

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats: lossy conversion, noise, and a model larger than the chip."""
        cfg = self.config
        have = cfg.tiles * cfg.imas_per_tile * cfg.xbars_per_ima
        need = sum(self._crossbars.values())
        extra = [] if need <= have else [
            f"the model needs {need:,} crossbars, the chip has {have:,} ({cfg.tiles} tiles): weights would be "
            f"reloaded between layers, which is not costed"]
        return tuple(self._notes + extra)

    def begin(self, batch: int) -> None:
        """Nothing carries over between runs."""

    def prepare(self, op: Op) -> _Prepared:
        kernel = KERNELS.get(op.type)
        if kernel is None:
            raise UnsupportedOpError(f"Op {op.label} is not supported by the analog backend",
                                     op_type=op.type, op_index=op.index)
        params = kernel.prepare(op)
        if not isinstance(params, (ConvParams, FullyConnectedParams, DepthwiseParams)):
            return _Prepared(params, (), self._digital_stats(op))
        mats, depthwise = _weight_matrices(params)
        rng = np.random.default_rng([self.config.seed, op.index])
        try:
            gemms = tuple(map_gemm(w, self.config, rng, depthwise) for w in mats)
        except ValueError as e:
            raise TargetError(f"Op {op.label} cannot be mapped on '{self.name}': {e}; raise Config field "
                              f"'weight_bits' or use signed = 'differential'") from None
        self._crossbars[op.index] = sum(g.crossbars for g in gemms)
        return _Prepared(params, gemms, self._crossbar_stats(op, gemms))

    def run(self, op: Op, prepared: _Prepared, inputs: list) -> OpResult:
        p = prepared.params
        if not prepared.gemms:
            return OpResult([KERNELS[op.type].eval(p, inputs)], prepared.stats)
        n = inputs[0].shape[0]
        a = gemm_inputs(p, inputs[0])  # (n, groups, M, K): x + input_offset
        shift = p.in_offset - 128  # x + input_offset = u + shift, with u = x + 128 in 0..255
        rng = np.random.default_rng([self.config.seed, op.index, 1])
        parts = []
        for g, mapped in enumerate(prepared.gemms):
            u = a[:, g].reshape(-1, a.shape[-1]) - shift
            acc = run_gemm(mapped, u, self.config, rng)
            parts.append(np.rint(acc).astype(np.int64) + shift * mapped.col_sums)
        acc = np.concatenate(parts, axis=1) + p.bias
        out = p.requant(acc, np.zeros_like(p.bias)).reshape((n,) + p.out_shape)
        return OpResult([out], prepared.stats)

    # -- costs ---------------------------------------------------------------------------------

    def _finish(self, op: Op, ns: float, energy: dict, sram_reads: int, sram_writes: int, util: float | None,
                extra: dict) -> Stats:
        clock = self.components.clock_ghz
        return Stats(op=op.label, cycles=int(round(ns * clock)), seconds=ns * 1e-9, macs=work_of(op).macs,
                     utilization=util, param_bytes=sum(t.nbytes for t in op.inputs if t is not None and t.is_constant),
                     reads={"sram.input": sram_reads}, writes={"sram.output": sram_writes}, energy_pj=energy,
                     output_shape=op.outputs[0].shape, extra=extra)

    def _crossbar_stats(self, op: Op, gemms: tuple[MappedGemm, ...]) -> Stats:
        cfg, e = self.config, self.energy
        m = work_of(op).m
        cycle_ns = max(cfg.read_ns, min(cfg.adc_share, cfg.cols) / cfg.adc_gsps)
        reads = rows_driven = conversions = 0
        for mapped in gemms:
            for blk in mapped.blocks:
                reads += m * cfg.planes * blk.crossbars
                rows_driven += m * cfg.planes * len(blk.rows) * blk.crossbars
                conversions += m * cfg.planes * blk.physical_cols
        in_bytes = m * sum(g.weights.shape[0] for g in gemms)
        out_bytes = op.outputs[0].nbytes
        energy = {
            "crossbar": reads * e["xbar_read"], "dac": rows_driven * e["dac"],
            "sample_hold": conversions * e["sample_hold"], "adc": conversions * e["adc"],
            "shift_add": conversions * (e["shift_add"] + e["output_register"]),
            "buffers": rows_driven * e["input_register"] + (in_bytes + out_bytes) * e["edram_byte"],
            "interconnect": in_bytes * e["bus_byte"] + out_bytes * e["router_byte"],
            "digital": op.outputs[0].size * e["digital_op"],  # requantization
        }
        crossbars = sum(g.crossbars for g in gemms)
        util = sum(g.cells_used for g in gemms) / (crossbars * cfg.rows * cfg.cols)
        extra = dict(unit="crossbar", crossbars=crossbars, replication=1, row_tiles=sum(len(g.blocks) for g in gemms),
                     reads=reads, conversions=conversions, adc_bits=cfg.adc_bits)
        return self._finish(op, m * cfg.planes * cycle_ns, energy, in_bytes, out_bytes, util, extra)

    def _digital_stats(self, op: Op) -> Stats:
        ops = vector_ops(op)
        moved = sum(t.nbytes for t in op.inputs if t is not None and not t.is_constant) if ops else 0
        out_bytes = op.outputs[0].nbytes if ops else 0
        e = self.energy
        energy = {"digital": ops * e["digital_op"], "buffers": (moved + out_bytes) * e["edram_byte"]}
        ns = ops / (self.config.digital_lanes * self.components.clock_ghz)
        return self._finish(op, ns, energy, moved, out_bytes, None, dict(unit="digital", lane_ops=ops))

    def __repr__(self) -> str:
        return f"AnalogBackend({self.name!r})"
