"""Analog in-memory computing configuration: crossbars, converters, device non-idealities, presets."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from math import ceil, log2

from ...configfile import check_number, family_config_file, named_preset
from ...errors import ConfigError

__all__ = ["AnalogConfig", "AnalogConfigError", "PRESETS", "preset", "load_config", "MAX_CROSSBAR"]

# Largest crossbar side the component table is scaled to (its anchor is ISAAC's 128 x 128; line
# resistance and sneak paths make larger passive arrays impractical, and the table says nothing there).
MAX_CROSSBAR = 1024


class AnalogConfigError(ConfigError):
    """An analog configuration value is out of range; the message names the field."""


@dataclass(frozen=True)
class AnalogConfig:
    """Crossbar arrays that compute int8 GEMMs in place, behind DACs and ADCs, with a digital unit.

    Attributes
    ----------
    rows, cols : int
        Crossbar size (cells).
    cell_bits : int
        Bits per cell (1-4): weights are sliced into ``weight_bits / cell_bits`` cells, added back
        by shift-and-add.
    weight_bits : int
        Bits of a weight magnitude (8 for int8); ``cell_bits`` must divide it.
    signed : str
        ``"differential"`` (a positive and a negative column per weight slice) or ``"offset"``
        (weights stored as ``w + 2^(weight_bits-1)``, the offset removed with one extra column).
    dac_bits : int
        Input bits applied per crossbar read (1: bit-serial, as in ISAAC). Inputs are 8-bit.
    adc_bits : int
        ADC resolution (1-16).
    adc_range : str
        ``"max"``: the ADC spans the largest possible column sum (lossless when the bits suffice);
        ``"percentile"``: it spans the ``adc_percentile`` of the layer's column sums in the run
        (finer steps, rare clipping).
    adc_percentile : float
        Percentile for ``adc_range = "percentile"``.
    adc_share : int
        Columns that share one ADC (time-multiplexed).
    flip_encoding : bool
        ISAAC's encoding: a weight slice column whose levels sum to more than half the maximum is
        stored inverted, which halves the largest column sum (one ADC bit saved).
    read_ns : float
        Crossbar read (one input slice through the array), ns.
    adc_gsps : float
        ADC sample rate, GS/s.
    prog_noise : str or float
        Programming noise: ``"none"``, ``"pcm"`` (aihwkit's PCM statistics) or a sigma as a fraction
        of the largest conductance.
    read_noise : float
        Read noise per cell and read, sigma as a fraction of the largest conductance.
    drift_nu, drift_nu_std : float
        Conductance drift exponent: ``g(t) = g(t0) * (t / t0) ** -nu`` per cell, nu ~ N(mean, std).
    drift_time_s, drift_t0_s : float
        Time since programming, and the reference time t0, in seconds.
    drift_compensation : bool
        Scale outputs by the mean drift factor (a global correction, as aihwkit does).
    stuck_on, stuck_off : float
        Fractions of cells stuck at the largest conductance, and at zero.
    adc_offset_lsb : float
        Sigma of each ADC's static offset, in LSB.
    adc_inl_lsb : float
        Peak integral nonlinearity (a bow, largest at mid-scale), in LSB.
    ir_drop : float
        Fraction of a cell's current lost at the far end of a column (linear in the row position).
    seed : int
        Seed of every random draw (devices, ADC offsets, read noise).
    tiles, imas_per_tile, xbars_per_ima : int
        Chip organization (ISAAC: 168 tiles of 12 IMAs of 8 crossbars).
    digital_lanes : int
        Lanes of the digital unit that runs pooling, elementwise ops and softmax (one op per lane per
        clock of the component table).
    components : str
        Component table (``mlaccel/hw/analog/data/<name>.toml``) or a path.
    name : str
    """

    rows: int = 128
    cols: int = 128
    cell_bits: int = 2
    weight_bits: int = 8
    signed: str = "differential"
    dac_bits: int = 1
    adc_bits: int = 9
    adc_range: str = "max"
    adc_percentile: float = 99.9
    adc_share: int = 128
    flip_encoding: bool = False
    read_ns: float = 100.0
    adc_gsps: float = 1.28
    prog_noise: str | float = "none"
    read_noise: float = 0.0
    drift_nu: float = 0.0
    drift_nu_std: float = 0.0
    drift_time_s: float = 20.0
    drift_t0_s: float = 20.0
    drift_compensation: bool = True
    stuck_on: float = 0.0
    stuck_off: float = 0.0
    adc_offset_lsb: float = 0.0
    adc_inl_lsb: float = 0.0
    ir_drop: float = 0.0
    seed: int = 0
    tiles: int = 168
    imas_per_tile: int = 12
    xbars_per_ima: int = 8
    digital_lanes: int = 16
    components: str = "isaac-32nm"
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        E = AnalogConfigError
        for f in ("rows", "cols"):
            check_number(E, f, getattr(self, f), integer=True, low=1)
            if getattr(self, f) > MAX_CROSSBAR:
                raise E(f"Config field '{f}' is {getattr(self, f)}: the component table prices crossbars up to "
                        f"{MAX_CROSSBAR} x {MAX_CROSSBAR} (scaled from ISAAC's 128 x 128); larger passive arrays "
                        f"lose too much to line resistance for its numbers to mean anything")
        check_number(E, "cell_bits", self.cell_bits, integer=True, low=1, high=4)
        check_number(E, "weight_bits", self.weight_bits, integer=True, low=2, high=16)
        if self.weight_bits % self.cell_bits:
            raise E(f"Config field 'cell_bits' ({self.cell_bits}) must divide weight_bits ({self.weight_bits}): "
                    f"each weight is sliced into whole cells")
        check_number(E, "dac_bits", self.dac_bits, integer=True, low=1, high=8)
        check_number(E, "adc_bits", self.adc_bits, integer=True, low=1, high=16)
        check_number(E, "adc_percentile", self.adc_percentile, low=50, high=100)
        check_number(E, "adc_share", self.adc_share, integer=True, low=1, high=self.cols)
        for f in ("read_ns", "adc_gsps", "drift_time_s", "drift_t0_s"):
            check_number(E, f, getattr(self, f), low=0, low_open=True)
        for f in ("read_noise", "drift_nu", "drift_nu_std", "adc_offset_lsb", "adc_inl_lsb"):
            check_number(E, f, getattr(self, f), low=0)
        for f in ("stuck_on", "stuck_off", "ir_drop"):
            check_number(E, f, getattr(self, f), low=0, high=1)
        if self.stuck_on + self.stuck_off > 1:
            raise E(f"Config fields 'stuck_on' + 'stuck_off' must be at most 1, got {self.stuck_on + self.stuck_off}")
        for f in ("tiles", "imas_per_tile", "xbars_per_ima", "digital_lanes"):
            check_number(E, f, getattr(self, f), integer=True, low=1)
        check_number(E, "seed", self.seed, integer=True, low=0)
        if self.signed not in ("differential", "offset"):
            raise E(f"Config field 'signed' must be 'differential' or 'offset', got {self.signed!r}")
        if self.adc_range not in ("max", "percentile"):
            raise E(f"Config field 'adc_range' must be 'max' or 'percentile', got {self.adc_range!r}")
        for f in ("flip_encoding", "drift_compensation"):
            if not isinstance(getattr(self, f), bool):
                raise E(f"Config field '{f}' must be true or false, got {getattr(self, f)!r}")
        if isinstance(self.prog_noise, str):
            if self.prog_noise not in ("none", "pcm"):
                raise E(f"Config field 'prog_noise' must be 'none', 'pcm' or a sigma >= 0, got {self.prog_noise!r}")
        else:
            check_number(E, "prog_noise", self.prog_noise, low=0)
        from .components import load_components  # the table must price this crossbar

        try:
            load_components(self.components)
        except ConfigError as e:
            raise E(f"Config field 'components': {e}") from None

    @property
    def slices(self) -> int:
        """Cells per weight magnitude."""
        return self.weight_bits // self.cell_bits

    @property
    def planes(self) -> int:
        """Crossbar reads per 8-bit input (input slices of ``dac_bits``)."""
        return ceil(8 / self.dac_bits)

    @property
    def ideal(self) -> bool:
        """No device or converter non-ideality is on."""
        return (self.prog_noise in ("none", 0, 0.0) and not self.read_noise and not self.drift_nu
                and not self.stuck_on and not self.stuck_off and not self.adc_offset_lsb
                and not self.adc_inl_lsb and not self.ir_drop)

    def lossless_adc_bits(self, rows: int | None = None) -> int:
        """ADC bits that convert every column sum of ``rows`` used rows exactly (with flip encoding,
        one fewer)."""
        r = self.rows if rows is None else rows
        top = r * (2 ** self.dac_bits - 1) * (2 ** self.cell_bits - 1)
        if self.flip_encoding:
            top //= 2
        return max(1, ceil(log2(top + 1)))

    def replace(self, **changes) -> "AnalogConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, AnalogConfig] = {
    # Lossless: ideal devices and an ADC with a bit to spare over 128 rows x 1-bit inputs x 2-bit cells.
    "ideal": AnalogConfig(name="ideal"),
    # ISAAC (Shafiee et al., ISCA 2016): 128x128 crossbars of 2-bit cells, 1-bit DACs, one 8-bit
    # 1.28 GS/s ADC per crossbar, flipped encoding; 168 tiles of 12 IMAs of 8 crossbars.
    "isaac": AnalogConfig(adc_bits=8, flip_encoding=True, name="isaac"),
    # PCM in the style of aihwkit's PCMLikeNoiseModel: 4-bit cells, programming noise from its
    # polynomial, drift nu ~ N(0.05, 0.008) one hour after programming with global compensation,
    # ~1% read noise; an 8-bit ADC ranged at the 99.9th percentile.
    "pcm": AnalogConfig(cell_bits=4, adc_bits=8, adc_range="percentile", prog_noise="pcm", read_noise=0.01,
                        drift_nu=0.05, drift_nu_std=0.008, drift_time_s=3600.0, name="pcm"),
}


def preset(name: str) -> AnalogConfig:
    """A named preset; the error lists the known names."""
    return named_preset(PRESETS, name, "analog", AnalogConfigError)


def load_config(path: str | os.PathLike) -> AnalogConfig:
    """Read a config from a TOML or YAML file (fields of :class:`AnalogConfig`, optionally under
    ``[analog]``; ``preset = "name"`` starts from a preset)."""
    return family_config_file(AnalogConfig, path, "analog", PRESETS, AnalogConfigError)
