"""Systolic-array configuration: a frozen, validated dataclass, named presets, TOML/YAML files."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from ...configfile import family_config_file, named_preset
from ...energy import load_table
from ...errors import ConfigError, MlaccelError
from .sparsity import ACTIVATION_ZEROS, FORMATS, FORMATS_FOR_DATAFLOW, SparseSpec, parse_weight_sparsity

__all__ = ["SystolicConfig", "SystolicConfigError", "PRESETS", "preset", "load_config"]

DATAFLOWS = ("ws", "os", "is")


class SystolicConfigError(ConfigError):
    """A systolic configuration value is out of range; the message names the field."""


@dataclass(frozen=True)
class SystolicConfig:
    """An R x C array of int8 MAC PEs with three SRAM buffers and a DRAM link.

    Attributes
    ----------
    rows, cols : int
        PE array size.
    dataflow : str
        ``"ws"`` (weight stationary), ``"os"`` (output stationary) or ``"is"`` (input stationary).
    ifmap_sram_kb, filter_sram_kb, ofmap_sram_kb : float
        Buffer capacities in KiB. With double buffering each holds two halves.
    word_bytes : int
        Bytes per operand (1 for int8).
    acc_bits : int
        Accumulator width in bits; sums wrap (two's complement) beyond it, as hardware does.
    double_buffering : bool
        Prefetch the next fold's operands while the current fold computes.
    dram_bw : float
        DRAM bandwidth in bytes per cycle.
    clock_mhz : float
        Clock frequency, for times and power.
    vector_lanes : int
        Lanes of the post-processing unit that runs pooling, elementwise ops and softmax.
    tech : str
        Technology table name (``mlaccel.energy``) or path to a table file.
    weight_sparsity : str
        ``"none"``, ``"N:M"`` (e.g. ``"2:4"``) or ``"unstructured"`` (:mod:`.sparsity`).
    activation_zeros : str
        ``"none"``, ``"gate"`` (zero operands do not toggle the MAC) or ``"skip"`` (zero vectors are
        skipped).
    format : str
        Weight storage in SRAM and DRAM: ``"dense"``, ``"bitmask"``, ``"csr"``, ``"csc"`` or ``"nm"``.
    name : str
        Preset or file name, for reports.
    """

    rows: int = 16
    cols: int = 16
    dataflow: str = "ws"
    ifmap_sram_kb: float = 64
    filter_sram_kb: float = 64
    ofmap_sram_kb: float = 64
    word_bytes: int = 1
    acc_bits: int = 32
    double_buffering: bool = True
    dram_bw: float = 16.0
    clock_mhz: float = 500.0
    vector_lanes: int = 16
    tech: str = "horowitz-45nm"
    weight_sparsity: str = "none"
    activation_zeros: str = "none"
    format: str = "dense"
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        for f in ("rows", "cols", "word_bytes", "acc_bits", "vector_lanes"):
            v = getattr(self, f)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise SystolicConfigError(f"Config field '{f}' must be a positive integer, got {v!r}")
        for f in ("ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb", "dram_bw", "clock_mhz"):
            v = getattr(self, f)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0:
                raise SystolicConfigError(f"Config field '{f}' must be a positive number, got {v!r}")
        if self.dataflow not in DATAFLOWS:
            raise SystolicConfigError(f"Config field 'dataflow' must be one of {', '.join(DATAFLOWS)}, "
                              f"got {self.dataflow!r}")
        if not 8 <= self.acc_bits <= 64:
            raise SystolicConfigError(f"Config field 'acc_bits' must be in [8, 64], got {self.acc_bits}")
        if not isinstance(self.double_buffering, bool):
            raise SystolicConfigError(f"Config field 'double_buffering' must be true or false, "
                              f"got {self.double_buffering!r}")
        self._check_sparsity()
        self._check_tile_fits()
        self._check_energy_table()

    @property
    def sparse(self) -> SparseSpec:
        """The sparse features as a :class:`~.sparsity.SparseSpec`."""
        w = parse_weight_sparsity(self.weight_sparsity)
        n, m = w if isinstance(w, tuple) else (1, 1)
        return SparseSpec(n, m, w == "unstructured", self.activation_zeros, self.format)

    def _check_sparsity(self) -> None:
        if isinstance(self.weight_sparsity, int) and not isinstance(self.weight_sparsity, bool):
            # YAML 1.1 reads an unquoted 2:4 as the base-60 integer 124
            raise SystolicConfigError(f"Config field 'weight_sparsity' must be a string such as \"2:4\", got the "
                                      f"number {self.weight_sparsity} (in YAML, quote it: an unquoted 2:4 reads as "
                                      f"a base-60 number)")
        for f in ("weight_sparsity", "activation_zeros", "format"):
            if not isinstance(getattr(self, f), str):
                raise SystolicConfigError(f"Config field '{f}' must be a string, got {getattr(self, f)!r}")
        try:
            w = parse_weight_sparsity(self.weight_sparsity)
        except ValueError as e:
            raise SystolicConfigError(f"Config field 'weight_sparsity' {e}") from None
        if self.activation_zeros not in ACTIVATION_ZEROS:
            raise SystolicConfigError(f"Config field 'activation_zeros' must be one of {', '.join(ACTIVATION_ZEROS)}, "
                                      f"got {self.activation_zeros!r}")
        if self.format not in FORMATS:
            raise SystolicConfigError(f"Config field 'format' must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if isinstance(w, tuple):
            if self.format != "nm":
                raise SystolicConfigError(f"Config field 'format' must be 'nm' (values and indices) for "
                                          f"weight_sparsity {self.weight_sparsity!r}, got {self.format!r}")
            if self.dataflow in ("ws", "is") and self.rows % w[0]:
                raise SystolicConfigError(f"Config field 'rows' ({self.rows}) must be a multiple of N = {w[0]} for "
                                          f"weight_sparsity {self.weight_sparsity!r} on the {self.dataflow} dataflow, "
                                          f"so that no group of kept weights straddles two row folds")
        elif self.format == "nm":
            raise SystolicConfigError(f"Config field 'format' 'nm' needs weight_sparsity 'N:M', got "
                                      f"{self.weight_sparsity!r}")
        if w == "unstructured" and self.format == "dense":
            raise SystolicConfigError("Config field 'format' must mark the zeros for weight_sparsity 'unstructured': "
                                      "use bitmask, csr or csc, not dense")
        if self.format not in FORMATS_FOR_DATAFLOW[self.dataflow]:
            walk = "streams weights one column at a time" if self.dataflow == "is" else \
                "loads and streams weights one k-row at a time"
            raise SystolicConfigError(f"Config field 'format' {self.format!r} cannot feed the {self.dataflow} "
                                      f"dataflow, which {walk}; use one of "
                                      f"{', '.join(FORMATS_FOR_DATAFLOW[self.dataflow])}")

    @property
    def acc_bytes(self) -> int:
        """Bytes per stored partial sum."""
        return (self.acc_bits + 7) // 8

    @property
    def buffers(self) -> int:
        """Halves per SRAM: 2 with double buffering, else 1."""
        return 2 if self.double_buffering else 1

    def sram_bytes(self, which: str) -> int:
        """Capacity of ``"ifmap"``, ``"filter"`` or ``"ofmap"`` SRAM in bytes."""
        return int(getattr(self, f"{which}_sram_kb") * 1024)

    def _check_tile_fits(self) -> None:
        # The smallest working set of one fold: a column of operands entering each row, the
        # stationary tile, and one row of outputs or partial sums, per buffer half.
        need = {
            "ifmap_sram_kb": self.rows * self.word_bytes,
            "filter_sram_kb": self.rows * self.cols * self.word_bytes,
            "ofmap_sram_kb": self.cols * self.acc_bytes,
        }
        for f, per_half in need.items():
            have = getattr(self, f) * 1024
            if have < per_half * self.buffers:
                raise SystolicConfigError(
                    f"Config field '{f}' is {getattr(self, f)} KiB, too small to hold one tile of a "
                    f"{self.rows}x{self.cols} array ({per_half * self.buffers} bytes needed"
                    f"{' with double buffering' if self.double_buffering else ''})")

    def _check_energy_table(self) -> None:
        try:
            tech = load_table(self.tech)
        except MlaccelError as e:
            raise SystolicConfigError(f"Config field 'tech': {e}") from None
        for buf in ("ifmap", "filter", "ofmap"):
            try:
                tech.sram_note(self.sram_bytes(buf))
            except MlaccelError as e:
                raise SystolicConfigError(f"Config field '{buf}_sram_kb': {e}") from None

    def without_sparsity(self) -> "SystolicConfig":
        """The same array without sparse support: the baseline its sparse features are measured against."""
        if self.sparse.is_dense:
            return self
        return self.replace(weight_sparsity="none", activation_zeros="none", format="dense", name=f"{self.name}-dense")

    def replace(self, **changes) -> "SystolicConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, SystolicConfig] = {
    # The course's lab array: 4x4, weight stationary, tiny buffers.
    "lab-4x4-ws": SystolicConfig(4, 4, "ws", 4, 4, 4, dram_bw=4, clock_mhz=100, vector_lanes=4,
                                 name="lab-4x4-ws"),
    # An edge accelerator in the Eyeriss/Edge-TPU class.
    "edge-16x16-os": SystolicConfig(16, 16, "os", 64, 64, 64, dram_bw=16, clock_mhz=500,
                                    vector_lanes=16, name="edge-16x16-os"),
    # TPU v1 (Jouppi et al., ISCA 2017): 256x256 int8 WS at 700 MHz, 24 MiB unified buffer,
    # 4 MiB accumulators, ~34 GB/s DDR3 (~49 B/cycle). The unified buffer is split here between
    # ifmap (24 MiB) and filter (weight FIFO, 256 KiB) SRAMs.
    "tpu-v1-like": SystolicConfig(256, 256, "ws", 24 * 1024, 256, 4 * 1024, dram_bw=49, clock_mhz=700,
                                  vector_lanes=256, name="tpu-v1-like"),
    # SCALE-Sim's default 32x32 configuration (scale.cfg: 64 KiB per SRAM, WS).
    "scalesim-32x32": SystolicConfig(32, 32, "ws", 64, 64, 64, dram_bw=10, clock_mhz=1000,
                                     vector_lanes=32, name="scalesim-32x32"),
    # A 2:4 weight-sparse array (NVIDIA Ampere's sparse tensor core idea on a 16x16 WS array):
    # kept weights and 2-bit indices, operand muxes in the PEs, zero activations gated.
    "sparse-16x16-ws": SystolicConfig(16, 16, "ws", 64, 64, 64, dram_bw=16, clock_mhz=500, vector_lanes=16,
                                      weight_sparsity="2:4", activation_zeros="gate", format="nm",
                                      name="sparse-16x16-ws"),
    # Zero-skipping on the edge array: bitmask-compressed weights, zero activation vectors skipped.
    "sparse-16x16-os-skip": SystolicConfig(16, 16, "os", 64, 64, 64, dram_bw=16, clock_mhz=500, vector_lanes=16,
                                           weight_sparsity="unstructured", activation_zeros="skip",
                                           format="bitmask", name="sparse-16x16-os-skip"),
}


def preset(name: str) -> SystolicConfig:
    """A named preset; the error lists the known names."""
    return named_preset(PRESETS, name, "systolic", SystolicConfigError)


def load_config(path: str | os.PathLike) -> SystolicConfig:
    """Read a config from a TOML or YAML file.

    Keys are the field names of :class:`SystolicConfig`; ``preset = "name"`` starts from a preset.
    A table ``[systolic]`` may hold the keys. Unknown keys are errors.
    """
    return family_config_file(SystolicConfig, path, "systolic", PRESETS, SystolicConfigError)
