"""ISAAC rebuilt from a config and its component table: IMA, tile and chip power and area, and peak
throughput per watt and per mm2, beside the paper's published figures.

Counts come from the config (crossbars per IMA, IMAs per tile, tiles, ADCs per crossbar from
``cols / adc_share``), unit powers and areas from the table, the ADC's from its bits and rate by the
table's law. Peak throughput: every crossbar of every IMA busy, ``2 x rows x cols / cells-per-weight``
operations per input, an input taking ``operand_bits / dac_bits`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from .components import Components, adc_power_mw, adc_scale, load_components

__all__ = ["Reconstruction", "reconstruct", "ima_units"]


@dataclass(frozen=True)
class Reconstruction:
    """Attributes
    ----------
    ima_mw, ima_mm2, tile_mw, tile_mm2, chip_w, chip_mm2 : float
    adc_power_share, adc_area_share : float
        The ADCs' share of tile power and area.
    gops_per_w, gops_per_s_mm2 : float
        Peak throughput of the chip per watt and per mm2.
    tile_breakdown_mw : dict
        Tile power per component (IMA components summed over the tile's IMAs).
    paper : dict
        The table's published figures.
    """

    ima_mw: float
    ima_mm2: float
    tile_mw: float
    tile_mm2: float
    chip_w: float
    chip_mm2: float
    adc_power_share: float
    adc_area_share: float
    gops_per_w: float
    gops_per_s_mm2: float
    tile_breakdown_mw: dict
    paper: dict

    def rows(self) -> list[tuple[str, float, float]]:
        """``(figure, ours, paper)`` rows for a table."""
        p = self.paper
        return [("tile power (mW)", self.tile_mw, p["tile_power_mw"]),
                ("tile area (mm2)", self.tile_mm2, p["tile_area_mm2"]),
                ("ADC share of tile power", self.adc_power_share, p["adc_power_share"]),
                ("ADC share of tile area", self.adc_area_share, p["adc_area_share"]),
                ("GOPS/W (ISAAC-CE)", self.gops_per_w, p["gops_per_w"]),
                ("GOPS/s/mm2 (ISAAC-CE)", self.gops_per_s_mm2, p["gops_per_s_mm2"])]


def ima_units(config, comp: Components) -> dict[str, tuple[float, float]]:
    """``{component: (mW, mm2)}`` of one IMA under ``config``."""
    ima = comp.ima
    xbars = config.xbars_per_ima
    adcs = xbars * ceil(config.cols / config.adc_share)
    scale = config.rows * config.cols / (ima["crossbar"].params["rows"] * ima["crossbar"].params["cols"])
    out = {
        "adc": (adcs * adc_power_mw(comp, config.adc_bits, config.adc_gsps),
                adcs * ima["adc"].area_mm2 * adc_scale(comp, config.adc_bits)),
        "dac": (xbars * config.rows * ima["dac"].power_mw, xbars * config.rows * ima["dac"].area_mm2),
        "sample_hold": (xbars * config.cols * ima["sample_hold"].power_mw,
                        xbars * config.cols * ima["sample_hold"].area_mm2),
        "crossbar": (xbars * ima["crossbar"].power_mw * scale, xbars * ima["crossbar"].area_mm2 * scale),
    }
    for name in ("shift_add", "input_register", "output_register"):
        u = ima[name]
        out[name] = (u.count * u.power_mw, u.count * u.area_mm2)
    return out


def reconstruct(config, operand_bits: int = 16) -> Reconstruction:
    """ISAAC's figures from ``config`` (the ``isaac`` preset reproduces the paper) at ``operand_bits``
    weights and inputs (ISAAC-CE computes in 16-bit fixed point)."""
    comp = load_components(config.components)
    units = ima_units(config, comp)
    ima_mw = sum(mw for mw, _ in units.values())
    ima_mm2 = sum(mm2 for _, mm2 in units.values())
    tile_units = {n: (u.count * u.power_mw, u.count * u.area_mm2) for n, u in comp.tile.items()}
    n = config.imas_per_tile
    tile_mw = n * ima_mw + sum(mw for mw, _ in tile_units.values())
    tile_mm2 = n * ima_mm2 + sum(mm2 for _, mm2 in tile_units.values())
    chip_mw = config.tiles * tile_mw + sum(u.count * u.power_mw for u in comp.chip.values())
    chip_mm2 = config.tiles * tile_mm2 + sum(u.count * u.area_mm2 for u in comp.chip.values())
    cells_per_weight = ceil(operand_bits / config.cell_bits)
    reads_per_input = ceil(operand_bits / config.dac_bits)
    cycle_ns = max(config.read_ns, min(config.adc_share, config.cols) / config.adc_gsps)
    ops_per_ima = 2 * config.rows * (config.cols // cells_per_weight) * config.xbars_per_ima
    gops = ops_per_ima / (reads_per_input * cycle_ns) * n * config.tiles  # ops per ns = GOPS
    breakdown = {name: n * mw for name, (mw, _) in units.items()}
    breakdown.update({name: mw for name, (mw, _) in tile_units.items()})
    return Reconstruction(ima_mw, ima_mm2, tile_mw, tile_mm2, chip_mw / 1e3, chip_mm2,
                          n * units["adc"][0] / tile_mw, n * units["adc"][1] / tile_mm2,
                          gops / (chip_mw / 1e3), gops / chip_mm2, breakdown, comp.paper)
