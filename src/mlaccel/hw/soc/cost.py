"""What the SoC costs: the core's counters priced by a technology table, and the CFU's own actions.

Components, in pJ per inference:

* ``fetch``: one I-cache access per instruction (``instruction_fetch``);
* ``core``: register file and control of every instruction (``register_file`` +
  ``instruction_control``);
* ``alu``: the operation itself: a 32-bit add for most instructions, a 32-bit multiply for
  ``mul*``, and one 32-bit add per cycle of the iterative divider for ``div*``/``rem*``;
* ``dcache``: one 64-bit access of an SRAM of the D-cache's size per load and store;
* ``dram``: a line refill (``line_bytes`` from DRAM) per I- or D-cache miss, and one 64-bit DRAM
  write per store (the data cache writes through);
* ``cfu``: what the CFU declares (:func:`cfu_energy`).

Cycles spent stalled, leakage and the clock tree are not priced, as in the systolic family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ...energy import TechTable, load_table
from ...errors import MlaccelError
from ...stats import Cost, CostTable
from .config import CoreTiming, SocConfig

__all__ = ["CfuEnergy", "cfu_energy", "core_energy", "cost_table"]


@dataclass(frozen=True)
class CfuEnergy:
    """pJ per operation and per busy cycle of each funct3 (0..7)."""

    per_op: tuple[float, ...]
    per_cycle: tuple[float, ...]


def cfu_energy(cfu, tech: TechTable) -> CfuEnergy | None:
    """Price a CFU's ``ENERGY`` declaration with the technology table; None if it declares none.

    ``ENERGY`` maps funct3 to ``{"op": {action: count}, "cycle": {action: count}}``: the actions
    one operation costs, and those each cycle of its latency costs. An action is an entry of the
    technology table (``mult_int8``, ``add_int32``, ...) or ``"sram:KIB"``, one 64-bit access of an
    SRAM of KIB KiB (a CFU's buffers).

    Raises
    ------
    MlaccelError
        The declaration names an unknown funct3 or action, or a count is not a number.
    """
    decl = getattr(cfu, "ENERGY", None)
    if decl is None:
        return None
    who = f"The CFU's ENERGY ({type(cfu).__name__})"
    if not isinstance(decl, Mapping):
        raise MlaccelError(f"{who} must map funct3 to {{'op': {{action: count}}, 'cycle': {{...}}}}")
    per_op, per_cycle = [0.0] * 8, [0.0] * 8
    for f3, parts in decl.items():
        if not isinstance(f3, int) or not 0 <= f3 < 8:
            raise MlaccelError(f"{who}: funct3 {f3!r} is not in 0..7")
        if not isinstance(parts, Mapping) or set(parts) - {"op", "cycle"}:
            raise MlaccelError(f"{who}[{f3}] must be a table with 'op' and/or 'cycle'")
        for kind, out in (("op", per_op), ("cycle", per_cycle)):
            for action, count in parts.get(kind, {}).items():
                if isinstance(count, bool) or not isinstance(count, (int, float)) or count < 0:
                    raise MlaccelError(f"{who}[{f3}]['{kind}']['{action}'] must be a non-negative number")
                try:
                    out[f3] += count * _price(action, tech)
                except MlaccelError as e:
                    raise MlaccelError(f"{who}[{f3}]['{kind}']: {e}") from None
    return CfuEnergy(tuple(per_op), tuple(per_cycle))


def _price(action: str, tech: TechTable) -> float:
    if action.startswith("sram:"):
        try:
            kib = float(action[5:])
        except ValueError:
            raise MlaccelError(f"'{action}': the SRAM size must be a number of KiB, e.g. 'sram:32'") from None
        return 8 * tech.sram_pj_per_byte(kib * 1024)
    return tech.pj(action)


def core_energy(counts: Mapping[str, float], timing: CoreTiming, tech: TechTable,
                cfu: CfuEnergy | None) -> dict[str, float]:
    """Energy per component, in pJ, of the events in ``counts`` (core counter names, see
    :data:`mlaccel.hw.soc.core.COUNTERS`)."""
    instr = counts["instret"]
    muls, divs = counts["muls"], counts["divs"]
    accesses = counts["loads"] + counts["stores"]
    line_pj = timing.line_bytes * tech.dram_pj_per_byte()
    e = {
        "fetch": instr * tech.pj("instruction_fetch"),
        "core": instr * (tech.pj("register_file") + tech.pj("instruction_control")),
        "alu": ((instr - muls - divs) * tech.pj("add_int32") + muls * tech.pj("mult_int32")
                + divs * timing.div_latency * tech.pj("add_int32")),
        "dcache": accesses * 8 * tech.sram_pj_per_byte(timing.dcache_bytes),
        "dram": (counts["icache_misses"] + counts["dcache_misses"]) * line_pj + counts["stores"] * tech.pj("dram_64b"),
    }
    if cfu is not None:
        e["cfu"] = sum(counts[f"cfu_ops_f{i}"] * cfu.per_op[i] + counts[f"cfu_cycles_f{i}"] * cfu.per_cycle[i]
                       for i in range(8))
    return e


def cost_table(config: SocConfig) -> CostTable:
    """The energy of each action the core is priced by (a CFU's own declaration adds to it)."""
    t = load_table(config.tech)
    src = t.sources
    timing = config.timing
    actions = {
        "fetch": Cost(t.pj("instruction_fetch"), "instruction", src.get("instruction_fetch", "")),
        "core": Cost(t.pj("register_file") + t.pj("instruction_control"), "instruction",
                     f"{src.get('register_file', '')}; {src.get('instruction_control', '')}"),
        "alu": Cost(t.pj("add_int32"), "instruction", src.get("add_int32", "")),
        "mul": Cost(t.pj("mult_int32"), "multiply", src.get("mult_int32", "")),
        "div": Cost(timing.div_latency * t.pj("add_int32"), "divide",
                    f"{timing.div_latency} cycles of a 32-bit add: {src.get('add_int32', '')}"),
        "dcache": Cost(8 * t.sram_pj_per_byte(timing.dcache_bytes), "load or store",
                       f"{timing.dcache_bytes / 1024:g} KiB SRAM, 64-bit access: {src.get('sram_64b', '')}"),
        "dram_line": Cost(timing.line_bytes * t.dram_pj_per_byte(), "cache miss",
                          f"{timing.line_bytes}-byte line refill: {src.get('dram_64b', '')}"),
        "dram_store": Cost(t.pj("dram_64b"), "store", f"write-through: {src.get('dram_64b', '')}"),
    }
    return CostTable(f"soc:{config.name} ({t.name})", actions,
                     ("a CFU's energy is its own ENERGY declaration", "stalled cycles, leakage and the clock tree "
                      "are not priced"))
