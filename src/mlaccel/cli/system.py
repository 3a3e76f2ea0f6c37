"""The system-level commands: ``roofline``, ``power scaling``, ``chiplet``, ``area`` and ``costs``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ..errors import InputError
from ..report.system import (area_table, catalog_table, chiplet_table, cost_table, roofline_summary, roofline_table,
                             scaling_table)
from .common import (Command, ForceOpt, JsonOpt, PlotOpt, check_plot, console, finite, guarded, nonnegative, opt,
                     positive, print_json, typer_app, wrote)

app = typer_app()
power_app = typer_app("The power wall: dynamic power, Dennard scaling and its end, dark silicon (power scaling).")

TargetsArg = Annotated[list[str], typer.Argument(help="Targets, e.g. systolic:edge-16x16-os soc:simd4 analog:isaac "
                                                     "neuromorphic:loihi", metavar="TARGET...")]


@app.command("roofline", cls=Command)
@guarded
def roofline_cmd(
    model: Annotated[Optional[str], typer.Argument(help="A .tflite or float .onnx model, a shipped model's short name, "
                                                   "or resnet50 (the 54-layer topology)", metavar="MODEL")] = None,
    device: Annotated[str, opt("--device", "-d", metavar="DEVICE", help="A catalog device (see --list)")] = "a100",
    precision: Annotated[str, opt("--precision", metavar="P", help="int8, fp16, bf16, tf32, fp32, ...")] = "int8",
    batch: Annotated[int, opt("--batch", metavar="N", help="Samples per run (weights are reused across them)")] = 1,
    list_devices: Annotated[bool, opt("--list", help="List the catalog with every number's source")] = False,
    plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Per-op roofline of a model on a device: intensity, attainable performance, and which bound applies."""
    from ..system.roofline import catalog, loads_of_model, roofline, roofline_plot
    from ..system.roofline import device as get_device
    from ..system.roofline.model import BYTES

    if list_devices:
        devices = catalog()
        if as_json:
            print_json({k: {"name": d.name, "peak_tops": d.peak_tops, "bandwidth_gbs": d.bandwidth_gbs,
                            "onchip_mib": d.onchip_mib, "tdp_w": d.tdp_w, "die_mm2": d.die_mm2, "node_nm": d.node_nm,
                            "sources": d.sources, "extra": d.extra} for k, d in devices.items()})
            return
        console.print(catalog_table(devices, BYTES))
        return
    if model is None:
        raise InputError("Give a MODEL (or --list for the device catalog)")
    positive(batch, "--batch")
    if plot is not None:
        check_plot(plot, force)
    d = get_device(device)
    r = roofline(loads_of_model(model, batch), d, precision, batch)
    if plot is not None:
        roofline_plot(r, plot, title=f"{Path(model).name} on {d.name} ({precision}, batch {batch})")
    if as_json:
        print_json(r.as_dict())
        return
    console.print(roofline_table(r, d, precision, batch, Path(model).name))
    console.print(escape(roofline_summary(r, d, precision)), highlight=False)
    wrote(plot)


@power_app.command("scaling", cls=Command)
@guarded
def power_scaling(from_nm: Annotated[float, opt("--from", metavar="NM", help="Reference node, nm (the older)")] = 45,
                  to_nm: Annotated[float, opt("--to", metavar="NM", help="Target node, nm (the newer)")] = 7,
                  plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Energy per operation, density, power density and dark silicon from one node to a newer one."""
    from ..system.power import APPLE_SOCS, ESMAEILZADEH, ESMAEILZADEH_NOTE, scaling, scaling_plot

    if plot is not None:
        check_plot(plot, force)
    points = scaling(from_nm, to_nm)
    if plot is not None:
        scaling_plot(points, plot)
    if as_json:
        print_json({"from_nm": from_nm, "to_nm": to_nm, "points": [p.__dict__ for p in points],
                    "esmaeilzadeh": ESMAEILZADEH, "apple_socs": APPLE_SOCS})
        return
    console.print(scaling_table(points, from_nm))
    console.print(escape(f"Esmaeilzadeh et al. (ISCA 2011), dark fraction from 45 nm: {ESMAEILZADEH_NOTE}. Dennard "
                         f"scaling keeps power density at 1x and nothing dark."), highlight=False)
    wrote(plot)


@app.command("chiplet", cls=Command)
@guarded
def chiplet_cmd(area: Annotated[float, opt("--area", metavar="MM2", help="Monolithic die area, mm^2")] = 777.0,
                chiplets: Annotated[int, opt("--chiplets", "-n", metavar="N", help="Chiplets that split it")] = 4,
                d0: Annotated[float, opt("--d0", metavar="D", help="Defect density per cm^2")] = 0.1,
                overhead: Annotated[float, opt("--overhead", metavar="F", help="Extra area per chiplet for its "
                                               "die-to-die interface (0.1: 10%)")] = 0.097,
                wafer_cost: Annotated[float, opt("--wafer-cost", metavar="C", help="Cost of one 300 mm wafer")]
                = 10000.0,
                model: Annotated[str, opt("--model", metavar="M", help="murphy or negative-binomial")]
                = "negative-binomial",
                io_pj: Annotated[float, opt("--io-pj-per-bit", metavar="PJ", help="Die-to-die energy per bit")] = 0.0,
                as_json: JsonOpt = False):
    """A monolithic die against N chiplets: yield, dies per wafer, cost per good die (AMD EPYC by default)."""
    from ..system.chiplet import AMD_EPYC, compare

    for value, name in ((area, "--area"), (d0, "--d0"), (wafer_cost, "--wafer-cost")):
        positive(value, name, integer=False)
    nonnegative(overhead, "--overhead")
    nonnegative(finite(io_pj, "--io-pj-per-bit"), "--io-pj-per-bit")
    c = compare(area, chiplets, d0, wafer_cost, overhead, io_pj_per_bit=io_pj, model=model)
    if as_json:
        print_json({"monolithic": c.monolithic.__dict__, "chiplet": c.chiplet.__dict__, "chiplets": chiplets,
                    "monolithic_cost": c.monolithic_cost, "chiplet_cost": c.chiplet_cost, "ratio": c.ratio})
        return
    console.print(chiplet_table(c, area, chiplets, d0, model))
    console.print(f"chiplets cost {c.ratio:.2f}x the monolithic die; AMD published {AMD_EPYC['published_ratio']:.2f}x "
                  f"for EPYC ({AMD_EPYC['chiplets']} x {AMD_EPYC['chiplet_mm2']:g} mm^2 against "
                  f"{AMD_EPYC['monolithic_mm2']:g} mm^2)" + (f"; die-to-die I/O {io_pj:g} pJ/bit" if io_pj else ""),
                  highlight=False)


@app.command("area", cls=Command)
@guarded
def area_cmd(targets: TargetsArg, as_json: JsonOpt = False):
    """Silicon area by component (mm^2), from each family's sourced table."""
    from ..targets import area_of

    found = {}
    for t in targets:
        a = area_of(t)
        if a is None:
            raise InputError(f"Target '{t}' reports no area: it is not a hardware design (the reference kernels)")
        found[t] = a
    if as_json:
        print_json({t: a.as_dict() for t, a in found.items()})
        return
    for t, a in found.items():
        console.print(area_table(t, a))
        for text in a.notes:
            console.print(escape(f"  {text}"), highlight=False)


@app.command("costs", cls=Command)
@guarded
def costs_cmd(targets: TargetsArg, as_json: JsonOpt = False):
    """The energy of each action a target is priced by, with each number's source."""
    from ..targets import cost_table_of

    found = {t: cost_table_of(t) for t in targets}
    if as_json:
        print_json({t: c.as_dict() for t, c in found.items()})
        return
    for c in found.values():
        console.print(cost_table(c))
        for text in c.notes:
            console.print(escape(f"  {text}"), highlight=False)
