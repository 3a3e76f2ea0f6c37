"""SoC configurations: the core's timing, RAM, clock, the CFU, and extra C sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import SocConfigError
from .machine import Cfu
from .timing import CoreTiming

__all__ = ["SocConfig", "SOC_PRESETS", "soc_preset"]


@dataclass(frozen=True)
class SocConfig:
    """A VexRiscv-like SoC.

    Attributes
    ----------
    name : str
    timing : CoreTiming
    ram_bytes : int
        Simulated main RAM.
    clock_mhz : float
        100: CFU Playground's Arty A7 build clocks the SoC at 100 MHz.
    max_instructions : int
        Per kernel call; a runaway kernel stops here with an error.
    cfu : callable or None
        Makes the CFU attached to the custom-0 port (a factory, so every machine gets a fresh one).
    c_sources : tuple of Path
        Extra C files linked before the kernel library; a function defined there overrides the
        library's (weak) kernel of the same name.
    include_dirs : tuple of Path
    """

    name: str = "baseline"
    timing: CoreTiming = field(default_factory=CoreTiming)
    ram_bytes: int = 32 << 20
    clock_mhz: float = 100.0
    max_instructions: int = 4_000_000_000
    cfu: Callable[[], Cfu] | None = None
    c_sources: tuple = ()
    include_dirs: tuple = ()

    def __post_init__(self):
        if self.ram_bytes < 1 << 16 or self.ram_bytes % 4:
            raise SocConfigError(f"Config field 'ram_bytes' must be a multiple of 4 and at least 64 KiB, "
                                 f"got {self.ram_bytes}")
        if not self.clock_mhz > 0:
            raise SocConfigError(f"Config field 'clock_mhz' must be positive, got {self.clock_mhz}")
        for s in self.c_sources:
            if not Path(s).is_file():
                raise SocConfigError(f"Config field 'c_sources': '{s}' does not exist")

    def make_cfu(self) -> Cfu | None:
        return self.cfu() if self.cfu is not None else None


SOC_PRESETS = {"baseline": SocConfig()}


def soc_preset(name: str) -> SocConfig:
    """A built-in SoC preset, or a project folder's configuration (see :mod:`.project`)."""
    if name in SOC_PRESETS:
        return SOC_PRESETS[name]
    from .project import find_project

    return find_project(name).config()
