"""The component table of an analog accelerator, and the energy of each action a run counts.

Tables are TOML files (``mlaccel/hw/analog/data/<name>.toml``, or any path) of per-unit power (mW)
and area (mm2), each with its source. A hardware run counts actions (crossbar reads, DAC and ADC
conversions, shift-and-adds, buffer bytes); :func:`action_energy` prices them from the table:
a unit's energy per action is its power times the time it is busy per action.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...errors import ConfigError

__all__ = ["Unit", "Components", "load_components", "adc_scale", "action_energy", "COMPONENTS_DIR"]

COMPONENTS_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Unit:
    """One component: power (mW) and area (mm2) of one unit, how many an IMA/tile/chip has, and its
    other parameters (``bits``, ``gsps``, ``rows``, ``bytes``...)."""

    power_mw: float
    area_mm2: float
    count: int
    params: dict
    source: str


@dataclass(frozen=True)
class Components:
    """A component table: ``ima``, ``tile`` and ``chip`` units, ISAAC's published totals (``paper``),
    and the ADC law (``adc_fixed_share``, ``adc_survey`` as (bits, mW) pairs)."""

    name: str
    clock_ghz: float
    ima: dict
    tile: dict
    chip: dict
    paper: dict
    adc_fixed_share: float
    adc_survey: tuple
    sources: dict


def load_components(name_or_path: str | os.PathLike = "isaac-32nm") -> Components:
    """Load a component table by name (a file in ``COMPONENTS_DIR``) or path.

    Raises
    ------
    ConfigError
        No such table, or a malformed one (the message names the entry).
    """
    p = Path(name_or_path)
    if not p.suffix:
        p = COMPONENTS_DIR / f"{name_or_path}.toml"
    return _load(str(p))


@lru_cache(maxsize=8)
def _load(path: str) -> Components:
    p = Path(path)
    if not p.is_file():
        known = ", ".join(sorted(f.stem for f in COMPONENTS_DIR.glob("*.toml")))
        raise ConfigError(f"Component table '{path}' does not exist (built in: {known})")
    try:
        d = tomllib.loads(p.read_text())
        levels = {}
        for level in ("ima", "tile", "chip"):
            units = {}
            for name, e in d.get(level, {}).items():
                params = {k: v for k, v in e.items() if k not in ("power_mw", "area_mm2", "count", "source")}
                units[name] = Unit(float(e["power_mw"]), float(e["area_mm2"]), int(e["count"]), params, e["source"])
            levels[level] = units
        for need in ("adc", "dac", "sample_hold", "crossbar", "shift_add", "input_register", "output_register"):
            if need not in levels["ima"]:
                raise KeyError(f"ima.{need}")
        law = d["adc_law"]
        sources = {f"{lv}.{n}": u.source for lv, us in levels.items() for n, u in us.items()}
        sources.update(paper=d["paper"]["source"], adc_law=law["source"], adc_survey=law["survey_source"])
        return Components(d.get("name", p.stem), float(d["clock_ghz"]), levels["ima"], levels["tile"], levels["chip"],
                          dict(d["paper"]), float(law["fixed_share"]),
                          tuple((int(b), float(mw)) for b, mw in law["survey"]), sources)
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"Component table '{path}' is malformed: missing or bad entry {e}") from None


def adc_scale(comp: Components, bits: int) -> float:
    """Power (and area) of a ``bits`` ADC relative to the table's, at the same sample rate:
    ``(1 - f) * 2^(bits - ref_bits) + f`` (Walden's 2^ENOB law for the scaling share)."""
    f = comp.adc_fixed_share
    return (1 - f) * 2.0 ** (bits - comp.ima["adc"].params["bits"]) + f


def adc_power_mw(comp: Components, bits: int, gsps: float) -> float:
    """Power of one ADC of ``bits`` at ``gsps`` GS/s, in mW."""
    ref = comp.ima["adc"]
    return ref.power_mw * adc_scale(comp, bits) * gsps / ref.params["gsps"]


def action_energy(config, comp: Components) -> dict:
    """Energy per action, in pJ (mW x ns), for a config:

    ``xbar_read`` (one read of one crossbar, scaled by its cells), ``dac`` (one row driven for one
    read, scaled by the DAC's levels), ``sample_hold`` and ``adc`` (one column converted),
    ``shift_add`` and ``output_register`` (one converted value combined and stored),
    ``input_register`` (one row's input slice), ``edram_byte``, ``bus_byte``, ``router_byte``, and
    ``digital_op`` (one lane operation of the digital unit).
    """
    ima, tile = comp.ima, comp.tile
    t = config.read_ns
    xb = ima["crossbar"]
    rows_cols = xb.params["rows"] * xb.params["cols"]
    per_read_rows = ima["dac"].count  # rows driven per IMA cycle (8 crossbars x 128)
    per_read_cols = ima["sample_hold"].count
    clock = comp.clock_ghz
    e = {
        "xbar_read": xb.power_mw * t * config.rows * config.cols / rows_cols,
        "dac": ima["dac"].power_mw * t * (2 ** config.dac_bits - 1) / (2 ** ima["dac"].params["bits"] - 1),
        "sample_hold": ima["sample_hold"].power_mw * t,
        "adc": adc_power_mw(comp, config.adc_bits, config.adc_gsps) / config.adc_gsps,
        "shift_add": ima["shift_add"].power_mw * ima["shift_add"].count * t / per_read_cols,
        "output_register": ima["output_register"].power_mw * t / per_read_cols,
        "input_register": ima["input_register"].power_mw * t / per_read_rows,
        "edram_byte": tile["edram"].power_mw / (tile["edram"].params["bus_bits"] / 8 * clock),
        "bus_byte": tile["bus"].power_mw / (tile["bus"].params["wires"] / 8 * clock),
        "router_byte": tile["router"].power_mw / (tile["router"].params["flit_bits"] / 8 * clock),
        "digital_op": tile["maxpool"].power_mw / clock,
    }
    return e
