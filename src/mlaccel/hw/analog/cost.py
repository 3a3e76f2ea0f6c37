"""What a work item costs on an analog accelerator: crossbar reads, conversions, buffers, and time.

A GEMM (or depthwise window) on crossbars costs, per input row and bit-plane, one read of every
crossbar it occupies, a DAC drive per row and an ADC conversion (with sample-and-hold and
shift-and-add) per physical column; inputs and outputs cross the tile's eDRAM and bus, outputs the
router; requantization is one digital op per output. Other items run on the tile's digital unit.
Every action is priced from the config's component table (:mod:`.components`), whose entries cite
ISAAC (ISCA 2016) and its sources.
"""

from __future__ import annotations

from ...lower import WorkItem
from ...stats import Cost, CostTable, Stats
from .components import Components, action_energy, load_components
from .config import AnalogConfig
from .crossbar import MappedGemm

__all__ = ["AnalogCosts", "cost_table"]

_UNITS = {"xbar_read": ("crossbar read", "ima.crossbar"), "dac": ("row driven", "ima.dac"),
          "sample_hold": ("column sampled", "ima.sample_hold"), "adc": ("conversion", "ima.adc"),
          "shift_add": ("conversion combined", "ima.shift_add"),
          "output_register": ("conversion stored", "ima.output_register"),
          "input_register": ("row input slice", "ima.input_register"), "edram_byte": ("byte", "tile.edram"),
          "bus_byte": ("byte", "tile.bus"), "router_byte": ("byte", "tile.router"),
          "digital_op": ("lane-op", "tile.maxpool")}


def cost_table(config: AnalogConfig) -> CostTable:
    """The energy of each action, from the config's component table (power x busy time)."""
    comp = load_components(config.components)
    actions = {name: Cost(pj, _UNITS[name][0], comp.sources.get(_UNITS[name][1], ""))
               for name, pj in action_energy(config, comp).items()}
    return CostTable(f"analog:{config.name} ({comp.name})", actions,
                     ("energy per action is the unit's power times its busy time per action",))


class AnalogCosts:
    """Prices work items on one :class:`AnalogConfig`; each method gives one inference's Stats."""

    def __init__(self, config: AnalogConfig, components: Components | None = None):
        self.config = config
        self.components = components if components is not None else load_components(config.components)
        self.energy = action_energy(config, self.components)

    def _finish(self, item: WorkItem, ns: float, energy: dict, sram_reads: int, sram_writes: int,
                util: float | None, extra: dict) -> Stats:
        clock = self.components.clock_ghz
        return Stats(op=item.label, cycles=int(round(ns * clock)), seconds=ns * 1e-9, macs=item.macs,
                     utilization=util, param_bytes=item.weight_bytes, reads={"sram.input": sram_reads},
                     writes={"sram.output": sram_writes}, energy_pj=energy,
                     output_shape=item.op.outputs[0].shape, extra=extra)

    def crossbars(self, item: WorkItem, m: int, gemms: tuple[MappedGemm, ...]) -> Stats:
        """A layer whose ``m`` input rows (per inference) stream through its mapped crossbars."""
        cfg, e = self.config, self.energy
        cycle_ns = max(cfg.read_ns, min(cfg.adc_share, cfg.cols) / cfg.adc_gsps)
        reads = rows_driven = conversions = 0
        for mapped in gemms:
            for blk in mapped.blocks:
                reads += m * cfg.planes * blk.crossbars
                rows_driven += m * cfg.planes * len(blk.rows) * blk.crossbars
                conversions += m * cfg.planes * blk.physical_cols
        in_bytes = m * sum(g.weights.shape[0] for g in gemms)
        out_bytes = item.outputs[0].nbytes
        energy = {
            "crossbar": reads * e["xbar_read"], "dac": rows_driven * e["dac"],
            "sample_hold": conversions * e["sample_hold"], "adc": conversions * e["adc"],
            "shift_add": conversions * (e["shift_add"] + e["output_register"]),
            "buffers": rows_driven * e["input_register"] + (in_bytes + out_bytes) * e["edram_byte"],
            "interconnect": in_bytes * e["bus_byte"] + out_bytes * e["router_byte"],
            "digital": item.elements * e["digital_op"],  # requantization
        }
        crossbars = sum(g.crossbars for g in gemms)
        util = sum(g.cells_used for g in gemms) / (crossbars * cfg.rows * cfg.cols)
        extra = dict(unit="crossbar", crossbars=crossbars, replication=1, row_tiles=sum(len(g.blocks) for g in gemms),
                     reads=reads, conversions=conversions, adc_bits=cfg.adc_bits)
        return self._finish(item, m * cfg.planes * cycle_ns, energy, in_bytes, out_bytes, util, extra)

    def digital(self, item: WorkItem) -> Stats:
        """An item on the tile's digital unit: its lane-ops over the lanes, its bytes through the eDRAM."""
        ops = item.lane_ops
        moved = item.activation_bytes if ops else 0
        out_bytes = item.outputs[0].nbytes if ops else 0
        e = self.energy
        energy = {"digital": ops * e["digital_op"], "buffers": (moved + out_bytes) * e["edram_byte"]}
        ns = ops / (self.config.digital_lanes * self.components.clock_ghz)
        return self._finish(item, ns, energy, moved, out_bytes, None, dict(unit="digital", lane_ops=ops))
