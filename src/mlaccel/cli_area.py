"""The area commands: ``area TARGET...`` (a design's area by component) and ``rtl area-check``
(the systolic area model beside Yosys counts of the course TPU RTL)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .cli import _Command, _guarded, _opt, _Progress, app, console, rtl_app
from .errors import InputError


TargetsArg = Annotated[list[str], typer.Argument(help="Targets, e.g. systolic:edge-16x16-os soc:simd4 analog:isaac "
                                                     "neuromorphic:loihi", metavar="TARGET...")]


@app.command("area", cls=_Command)
@_guarded
def area_cmd(targets: TargetsArg,
             as_json: Annotated[bool, _opt("--json", help="Print the breakdowns as JSON")] = False):
    """Silicon area by component (mm^2), from each family's sourced table."""
    from .targets import area_of

    found = {}
    for t in targets:
        a = area_of(t)
        if a is None:
            raise InputError(f"Target '{t}' reports no area (the reference kernels are not hardware)")
        found[t] = a
    if as_json:
        print(json.dumps({t: a.as_dict() for t, a in found.items()}))
        return
    for t, a in found.items():
        table = Table(title=escape(f"{t}: {a.total:.4g} mm^2"), title_justify="left")
        table.add_column("component", justify="left")
        table.add_column("mm^2", justify="right")
        table.add_column("share", justify="right")
        for name, mm2 in a.parts.items():
            table.add_row(escape(name), f"{mm2:.4g}", f"{mm2 / a.total:.1%}" if a.total else "-")
        console.print(table)
        for note in a.notes:
            console.print(escape(f"  {note}"), highlight=False)


@rtl_app.command("area-check", cls=_Command)
@_guarded
def area_check(sizes: Annotated[str, _opt("--sizes", metavar="LIST", help="Array sizes N (N x N), multiples of "
                                          "4, comma-separated")] = "4,8",
               as_json: Annotated[bool, _opt("--json", help="Print the checks as JSON")] = False):
    """Synthesize the course TPU with Yosys at each size and hold the systolic area model against it."""
    from .hdl.gate_area import systolic_rtl_check

    try:
        ns = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--sizes takes whole numbers like 4,8, got '{sizes}'") from None
    if not ns:
        raise InputError("--sizes is empty")
    checks = []
    with _Progress("synthesizing with Yosys", delay=0.2):
        for n in ns:
            checks.append(systolic_rtl_check(n, n))
    if as_json:
        print(json.dumps([dict(rows=c.rows, cols=c.cols, rtl_um2=c.rtl_um2, model_um2=c.model_um2,
                               rtl_dffs=c.rtl_dffs, model_dffs=c.model_dffs, ratio=c.ratio) for c in checks]))
        return
    t = Table(title="The systolic PE-array area model against Yosys' generic gates of the course TPU (45 nm cells)",
              title_justify="left")
    for col in ("array", "RTL um^2", "model um^2", "model / RTL", "RTL flip-flops", "model flip-flops"):
        t.add_column(col, justify="right")
    for c in checks:
        t.add_row(f"{c.rows}x{c.cols}", f"{c.rtl_um2:,.0f}", f"{c.model_um2:,.0f}", f"{c.ratio:.2f}",
                  f"{c.rtl_dffs:,}", f"{c.model_dffs:,}")
    console.print(t)
    if len(checks) > 1:
        a, b = checks[0], checks[-1]
        pes = b.rows * b.cols - a.rows * a.cols
        console.print(f"per PE (from {a.rows}x{a.cols} to {b.rows}x{b.cols}): RTL "
                      f"{(b.rtl_um2 - a.rtl_um2) / pes:,.0f} um^2, model {(b.model_um2 - a.model_um2) / pes:,.0f} um^2")


__all__ = ["area_cmd", "area_check"]
