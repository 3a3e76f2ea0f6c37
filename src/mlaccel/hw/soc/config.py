"""SoC configuration: the core's timing, RAM, clock, limits, the CFU project, presets and files.

Pure data: nothing here builds firmware or imports a project's ``cfu.py`` (the backend does), so
resolving a target is cheap and a config can be a cache key.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from importlib.metadata import entry_points
from pathlib import Path
from typing import Callable

from ...configfile import check_number, config_from_fields, read_config_file
from ...energy import load_table
from ...errors import ConfigError, MlaccelError

__all__ = ["SocConfig", "SocConfigError", "CoreTiming", "PRESETS", "preset", "load_config", "example_projects",
           "EXAMPLES_DIR", "DEFAULT_RAM_BYTES", "DEFAULT_MAX_INSTRUCTIONS"]

EXAMPLES_DIR = Path(__file__).parent / "projects"
DEFAULT_RAM_BYTES = 32 << 20  # bytes; the largest shipped model (hps) places 3.6 MiB of tensors
DEFAULT_MAX_INSTRUCTIONS = 4_000_000_000  # per kernel call
PROJECT_PLUGINS = "mlaccel.cfu_projects"  # entry-point group: folders of projects other packages ship


class SocConfigError(ConfigError):
    """A SoC or core-timing value is out of range; the message names the field."""


@dataclass(frozen=True)
class CoreTiming:
    """An in-order RV32IM core resembling CFU Playground's VexRiscv ("full+cfu").

    Attributes
    ----------
    icache_bytes, dcache_bytes : int
        8192 each: CFU Playground's VexRiscv_FullCfu is generated with
        ``GenCoreDefault --iCacheSize 8192 --dCacheSize 8192`` (docs, "Customizing the CPU").
    line_bytes : int
        32: VexRiscv's GenCoreDefault caches use 32-byte lines, one way (direct mapped).
    miss_penalty : int
        Cycles to refill a line from main RAM. 30 is an estimate for LiteDRAM DDR3 on the Arty
        board behind a 32-bit Wishbone bus (8 beats plus controller latency); it is the parameter
        the calibration against CFU Playground's published totals exercises most.
    branch_penalty : int
        Cycles. 3: VexRiscv's BranchPlugin with ``earlyBranch = false`` resolves branches in the
        memory stage, flushing the fetch, decode and execute stages on a misprediction, a ``jalr``,
        a trap or an ``mret``.
    jump_penalty : int
        Cycles. 1: with STATIC prediction (GenCoreDefault's default) a predicted-taken branch or
        ``jal`` redirects fetch from decode, one bubble.
    load_use_penalty : int
        Cycles. 1: with full bypassing (``bypass = true``) a load's data is forwarded from
        writeback, so one dependent instruction waits one cycle.
    mul_latency : int
        Cycles. 1: ``singleCycleMulDiv = true`` gives a pipelined multiplier (MulPlugin).
    div_latency : int
        Cycles. 34: VexRiscv's DivPlugin divides iteratively, one quotient bit per cycle plus set-up.
    """

    icache_bytes: int = 8192
    dcache_bytes: int = 8192
    line_bytes: int = 32
    miss_penalty: int = 30
    branch_penalty: int = 3
    jump_penalty: int = 1
    load_use_penalty: int = 1
    mul_latency: int = 1
    div_latency: int = 34

    def __post_init__(self):
        for f in fields(self):
            low = 1 if f.name in ("mul_latency", "div_latency") else 0
            check_number(SocConfigError, f.name, getattr(self, f.name), integer=True, low=low,
                         what="Timing field")
        for f in ("icache_bytes", "dcache_bytes", "line_bytes"):
            v = getattr(self, f)
            if v < 4 or v & (v - 1):
                raise SocConfigError(f"Timing field '{f}' must be a power of two >= 4, got {v}")
        for f in ("icache_bytes", "dcache_bytes"):
            if getattr(self, f) < self.line_bytes:
                raise SocConfigError(f"Timing field '{f}' ({getattr(self, f)}) must hold at least one "
                                     f"line of line_bytes={self.line_bytes}")


@dataclass(frozen=True)
class SocConfig:
    """A VexRiscv-like SoC with an optional CFU.

    Attributes
    ----------
    name : str
        Preset or project name, for reports.
    timing : CoreTiming
    ram_bytes : int
        Simulated main RAM, in bytes.
    clock_mhz : float
        100: CFU Playground's Arty A7 build clocks the SoC at 100 MHz.
    max_instructions : int
        Per kernel call; a runaway kernel stops here with an error naming the pc.
    project : str or None
        A CFU project folder (``cfu.py`` and ``src/``), as CFU Playground projects are, or an
        example project's name (``simd4``, ``sparse``, ...; ``"none"``: no CFU). Relative paths in a
        config file are relative to the file.
    warm_caches : bool
        False (default): every inference starts with empty caches, so the same input always
        gives the same Stats. True: caches carry over from one inference to the next, as on a
        board that runs inferences back to back.
    cfu_timeout_s : float
        Seconds a Python CFU's ``op``, or its ``cfu.py`` at import, may run before the run stops
        with an error naming the CFU and the pc.
    tech : str
        Technology table (``mlaccel.energy``) that prices instructions, cache and memory accesses.
    cfu : callable or None
        For API use: makes the CFU attached to the custom-0 port (a factory, so every machine gets
        a fresh one). A project provides it through ``cfu.py``; give one or the other.
    c_sources : tuple of Path
        Extra C files linked before the kernel library; a function defined there overrides the
        library's (weak) kernel of the same name.
    include_dirs : tuple of Path
    """

    name: str = "baseline"
    timing: CoreTiming = field(default_factory=CoreTiming)
    ram_bytes: int = DEFAULT_RAM_BYTES
    clock_mhz: float = 100.0
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS
    project: str | None = None
    warm_caches: bool = False
    cfu_timeout_s: float = 10.0
    tech: str = "horowitz-45nm"
    cfu: Callable | None = None
    c_sources: tuple = ()
    include_dirs: tuple = ()

    def __post_init__(self):
        if not isinstance(self.timing, CoreTiming):
            raise SocConfigError(f"Config field 'timing' must be a CoreTiming, got {self.timing!r}")
        check_number(SocConfigError, "ram_bytes", self.ram_bytes, integer=True, low=1 << 16, high=1 << 31)
        if self.ram_bytes % 4:
            raise SocConfigError(f"Config field 'ram_bytes' must be a multiple of 4, got {self.ram_bytes}")
        check_number(SocConfigError, "clock_mhz", self.clock_mhz, low=0, low_open=True, high=1e5)
        check_number(SocConfigError, "max_instructions", self.max_instructions, integer=True, low=1)
        check_number(SocConfigError, "cfu_timeout_s", self.cfu_timeout_s, low=0, low_open=True)
        if not isinstance(self.warm_caches, bool):
            raise SocConfigError(f"Config field 'warm_caches' must be true or false, got {self.warm_caches!r}")
        object.__setattr__(self, "project", project_folder(self.project))
        if self.project is not None:
            p = Path(self.project)
            if not (p / "cfu.py").is_file():
                raise SocConfigError(f"Config field 'project': '{p}' is not a CFU project folder (it has no "
                                     f"cfu.py) nor an example project ({', '.join(example_projects())}); "
                                     f"'mlaccel soc new NAME' creates one")
            if self.cfu is not None:
                raise SocConfigError("Config fields 'project' and 'cfu' both give a CFU; give one")
        for s in self.c_sources:
            if not Path(s).is_file():
                raise SocConfigError(f"Config field 'c_sources': '{s}' does not exist")
        try:  # the energy table must exist and be able to price this D-cache
            load_table(self.tech).sram_note(self.timing.dcache_bytes)
        except MlaccelError as e:
            raise SocConfigError(f"Config field {'tech' if 'Technology table' in str(e) else 'timing.dcache_bytes'!r}: "
                                 f"{e}") from None

    def replace(self, **changes) -> "SocConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def project_folder(value: str | None, beside: Path | None = None) -> str | None:
    """A config's ``project`` as a folder: a folder (relative to ``beside``, a config file's
    folder, when given), else an example project's name (design sweeps vary projects by name);
    ``"none"`` is no project."""
    if value is None or value == "none":
        return None
    folder = (beside / value).resolve() if beside is not None else Path(value)
    examples = example_projects() if not (folder / "cfu.py").is_file() else {}
    if value in examples:
        return str(examples[value])
    return str(folder) if beside is not None else value


def example_projects() -> dict[str, Path]:
    """Example CFU projects by name: the shipped ones, then those other packages register.

    A package registers a folder of projects under the ``mlaccel.cfu_projects`` entry-point group
    (``mlaccel.hdl`` registers its RTL projects this way, so this package never imports it).
    """
    folders = [EXAMPLES_DIR]
    for ep in entry_points(group=PROJECT_PLUGINS):
        try:
            folders.append(Path(ep.load()))
        except Exception:  # noqa: BLE001 - a broken plugin must not break the built-in projects
            continue
    out: dict[str, Path] = {}
    for folder in folders:
        for d in sorted(folder.iterdir()) if folder.is_dir() else ():
            if (d / "cfu.py").is_file():
                out.setdefault(d.name, d)
    return out


def _presets() -> dict[str, SocConfig]:
    presets = {"baseline": SocConfig()}
    presets.update({name: SocConfig(name=name, project=str(path)) for name, path in example_projects().items()})
    return presets


# "baseline" is the SoC without a CFU; every example project is a preset of its own name.
PRESETS: dict[str, SocConfig] = _presets()


def preset(name: str) -> SocConfig:
    """A named preset; the error lists the known names."""
    if name not in PRESETS:
        raise SocConfigError(f"Unknown soc preset '{name}'; presets: {', '.join(PRESETS)}")
    return PRESETS[name]


def load_config(path: str | os.PathLike) -> SocConfig:
    """Read a SoC config from a TOML or YAML file.

    Keys are the fields of :class:`SocConfig` (except ``cfu``, ``c_sources`` and ``include_dirs``,
    which a ``project`` provides); ``timing`` is a sub-table of :class:`CoreTiming` fields;
    ``preset = "name"`` starts from a preset. A ``[soc]`` table may hold the keys.
    """
    p = Path(path)
    data = read_config_file(p, SocConfigError)
    table = data.get("soc", data) if isinstance(data.get("soc"), dict) else data
    for api_only in ("cfu", "c_sources", "include_dirs"):
        if api_only in table:
            raise SocConfigError(f"Config file '{p}': field '{api_only}' is for the Python API; "
                                 f"point 'project' at a CFU project folder instead")
    if isinstance(table.get("project"), str):
        data = {"soc": dict(table, project=project_folder(table["project"], p.parent))}
    return config_from_fields(SocConfig, data, family="soc", presets=PRESETS, where=f"Config file '{p}'",
                              error=SocConfigError, nested={"timing": CoreTiming}, default_name=p.stem)
