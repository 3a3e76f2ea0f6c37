"""The exportable RTL designs: their names, options, limits, and how each is built and exported.

``mlaccel rtl export`` is a thin shell over :func:`export_design`; options a design does not take
are refused (never silently ignored), and sizes are bounded so an export cannot run for hours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import MlaccelError

__all__ = ["Design", "DESIGNS", "DesignOptions", "build_design", "check_options", "export_design", "check_tpu_size",
           "module_name", "MAX_TPU_SIZE"]

# Largest TPU rows/cols accepted. Yosys' generic synth grows with the PE count: 8x8 takes about a
# minute in the WASI build, and 1000x1000 ran for over 300 s without finishing elaboration.
MAX_TPU_SIZE = 32


@dataclass(frozen=True)
class DesignOptions:
    """Options of ``rtl export``; None means "not given" (the design's default)."""

    rows: int | None = None
    cols: int | None = None
    unsigned: bool = False
    double_buffered: bool = False
    depth: int | None = None
    sparse: str | None = None


@dataclass(frozen=True)
class Design:
    """An exportable design.

    Attributes
    ----------
    name : str
        As ``rtl export`` takes it.
    module : str
        The Verilog module name.
    summary : str
    options : tuple of str
        The :class:`DesignOptions` fields it takes.
    make : callable
        ``make(options) -> (elaboratable, clock_ports)``.
    """

    name: str
    module: str
    summary: str
    options: tuple[str, ...]
    make: Callable[[DesignOptions], tuple]


def check_tpu_size(rows: int, cols: int) -> None:
    """Refuse TPU sizes that are not positive multiples of 4, or above :data:`MAX_TPU_SIZE`."""
    for what, v in (("rows", rows), ("cols", cols)):
        if v < 4 or v % 4:
            raise MlaccelError(f"TPU {what} must be a positive multiple of 4 (four lanes per buffer word), got {v}")
        if v > MAX_TPU_SIZE:
            raise MlaccelError(f"TPU {what} = {v} is above {MAX_TPU_SIZE}: Yosys would take hours on "
                               f"{rows * cols:,} PEs; the Python systolic models take any size "
                               f"(--target systolic:FILE.toml)")


def _simd4(o: DesignOptions):
    from .simd4 import Simd4Cfu

    return Simd4Cfu(), {}


def _tpu(o: DesignOptions):
    from .tpu import TPU

    clock = dict(clk="clk", rst="rst_n", active_low=True, async_reset=True)
    if o.sparse is not None:
        from .sparse_tpu import SparseTPU

        if o.sparse != "2:4":
            raise MlaccelError(f"--sparse {o.sparse!r}: the sparse TPU is 2:4 (two kept weights of every four)")
        if o.unsigned or (o.rows, o.cols) not in ((None, None), (4, 4)):
            raise MlaccelError("--sparse 2:4 builds the 4x4 signed TPU; leave out --unsigned, --rows and --cols "
                               "(the Python model takes any size: --target systolic:sparse-16x16-ws)")
        return SparseTPU(), clock
    rows, cols = 4 if o.rows is None else o.rows, 4 if o.cols is None else o.cols
    check_tpu_size(rows, cols)
    return TPU(not o.unsigned, rows, cols), clock


def _tpu_cfu(o: DesignOptions):
    from .tpu_cfu import TpuCfu

    depth = 512 if o.depth is None else o.depth
    if not 1 <= depth <= 65536:
        raise MlaccelError(f"--depth {depth} must be in 1..65536")
    return TpuCfu(depth, o.double_buffered), {}


DESIGNS: dict[str, Design] = {
    "simd4": Design("simd4", "Cfu", "Lab 2 SIMD MAC CFU (4 int8 MACs per command)", (), _simd4),
    "tpu": Design("tpu", "TPU", "Lab 3 TPU, the course's buffer interface (rows/cols in multiples of 4; "
                                "--sparse 2:4: the 4x4 2:4 variant, module SparseTPU)",
                  ("rows", "cols", "unsigned", "sparse"), _tpu),
    "tpu-cfu": Design("tpu-cfu", "Cfu", "Lab 5 4x4 systolic array inside a CFU (BRAM A/B buffers)",
                      ("double_buffered", "depth"), _tpu_cfu),
}

_FLAGS = {"rows": "--rows", "cols": "--cols", "unsigned": "--unsigned", "double_buffered": "--double-buffered",
          "depth": "--depth", "sparse": "--sparse"}


def build_design(name: str, options: DesignOptions = DesignOptions()):
    """Build a design by name; returns ``(design, elaboratable, clock_ports)``.

    Raises
    ------
    MlaccelError
        Unknown design, an option the design does not take, or an impossible size.
    """
    design = check_options(name, options)
    core, clock = design.make(options)
    return design, core, clock


def check_options(name: str, options: DesignOptions) -> Design:
    """The design of that name, if it takes every option given (before anything is built)."""
    if name not in DESIGNS:
        raise MlaccelError(f"Unknown design '{name}'; designs: {', '.join(DESIGNS)}")
    design = DESIGNS[name]
    given = [f for f in _FLAGS if getattr(options, f) is not None and getattr(options, f) is not False]
    refused = [f for f in given if f not in design.options]
    if refused:
        takes = ", ".join(_FLAGS[f] for f in design.options) or "no options"
        raise MlaccelError(f"Design '{name}' does not take {', '.join(_FLAGS[f] for f in refused)} "
                           f"(it takes {takes})")
    return design


def module_name(design: Design, options: DesignOptions) -> str:
    """The Verilog module a design and its options make (``SparseTPU`` for ``tpu --sparse``)."""
    return "SparseTPU" if design.name == "tpu" and options.sparse is not None else design.module


def export_design(name: str, out: str | os.PathLike, options: DesignOptions = DesignOptions()) -> Path:
    """Write a design's Verilog into folder ``out`` as ``MODULE.v``; never overwrites.

    Raises
    ------
    MlaccelError
        The design or its options are refused, ``out`` is a file, or ``MODULE.v`` exists there.
    """
    from .export import to_verilog

    design = check_options(name, options)
    module = module_name(design, options)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise MlaccelError(f"--out '{folder}' is a file; give a folder to write {module}.v into")
    path = folder / f"{module}.v"
    if path.exists():
        raise MlaccelError(f"'{path}' already exists; choose another --out folder or remove it")
    _, core, clock = build_design(name, options)
    text = to_verilog(core, module, core.ports, **clock)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "x") as f:  # "x": never replace a file that appeared meanwhile
            f.write(text)
    except OSError as e:
        raise MlaccelError(f"Cannot write '{path}': {e.strerror or e}") from None
    return path
