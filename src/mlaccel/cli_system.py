"""The system-level commands: ``roofline``, ``power scaling``, ``power dark-silicon`` and ``chiplet``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from .cli import ForceOpt, _check_plot, _Command, _guarded, _opt, _typer, app, console
from .errors import InputError
from .report.tables import short_label as _short

PlotOpt = Annotated[Optional[Path], _opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, .pdf)")]
JsonOpt = Annotated[bool, _opt("--json", help="Print the result as JSON")]


def _si(v: float, unit: str) -> str:
    """``v`` with an SI prefix: 5.43e-10 s as 543 ps."""
    for scale, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"),
                          (1e-6, "u"), (1e-9, "n"), (1e-12, "p")):
        if abs(v) >= scale:
            return f"{v / scale:.3g} {prefix}{unit}"
    return f"{v:.3g} {unit}"


def _loads(model: str, batch: int):
    from . import session
    from .system.roofline import loads_of_graph, loads_of_layers
    from .model.zoo import resolve_model

    if model == "resnet50":
        from .hw.systolic.topologies import resnet50

        return loads_of_layers(resnet50(), batch)
    path = resolve_model(model)
    if Path(path).suffix.lower() == ".onnx":
        from .compress.flows import from_onnx

        return loads_of_graph(from_onnx(path), batch)
    return loads_of_graph(session.load(path).graph, batch)


@app.command("roofline", cls=_Command)
@_guarded
def roofline_cmd(
    model: Annotated[Optional[str], typer.Argument(help="A .tflite or float .onnx model, a shipped model's short name, "
                                                   "or resnet50 (the 54-layer topology)", metavar="MODEL")] = None,
    device: Annotated[str, _opt("--device", "-d", metavar="DEVICE", help="A catalog device (see --list)")] = "a100",
    precision: Annotated[str, _opt("--precision", metavar="P", help="int8, fp16, bf16, tf32, fp32, ...")] = "int8",
    batch: Annotated[int, _opt("--batch", metavar="N", help="Samples per run (weights are reused across them)")] = 1,
    list_devices: Annotated[bool, _opt("--list", help="List the catalog with every number's source")] = False,
    plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Per-op roofline of a model on a device: intensity, attainable performance, and which bound applies."""
    from .system.roofline import catalog, roofline, roofline_plot
    from .system.roofline import device as get_device
    from .system.roofline.model import BYTES

    if list_devices:
        t = Table(title="Device catalog: the lowest precision's dense peak (every number, die areas and sources: "
                        "--list --json)", title_justify="left")
        t.add_column("device", no_wrap=True, min_width=max(len(k) for k in catalog()))
        for col in ("peak TOPS", "GB/s", "MiB", "W", "nm"):
            t.add_column(col, justify="right")
        devices = catalog()
        for d in devices.values():
            dense = [k for k in d.peak_tops if not k.endswith("sparse")]
            low = min(dense, key=lambda k: BYTES.get(k, 4), default=None)
            t.add_row(escape(d.key), f"{d.peak_tops[low]:.4g} {low}" if low else "—",
                      *(f"{v:.4g}" if v else "—" for v in (d.bandwidth_gbs, d.onchip_mib, d.tdp_w, d.node_nm)))
        if as_json:
            print(json.dumps({k: {"name": d.name, "peak_tops": d.peak_tops, "bandwidth_gbs": d.bandwidth_gbs,
                                  "onchip_mib": d.onchip_mib, "tdp_w": d.tdp_w, "die_mm2": d.die_mm2,
                                  "node_nm": d.node_nm, "sources": d.sources, "extra": d.extra}
                              for k, d in devices.items()}))
            return
        console.print(t)
        return
    if model is None:
        raise InputError("Give a MODEL (or --list for the device catalog)")
    if batch < 1:
        raise InputError(f"--batch must be a positive integer, got {batch}")
    if plot is not None:
        _check_plot(plot, force)
    d = get_device(device)
    r = roofline(_loads(model, batch), d, precision, batch)
    if plot is not None:
        roofline_plot(r, plot, title=f"{Path(model).name} on {d.name} ({precision}, batch {batch})")
    if as_json:
        print(json.dumps(r.as_dict()))
        return
    t = Table(title=escape(f"{Path(model).name} on {d.name}, {precision}, batch {batch}: peak "
                           f"{_si(d.peak(precision), 'op/s')}, {_si(d.bandwidth(), 'B/s')}, ridge "
                           f"{d.ridge(precision):.0f} op/B"), title_justify="left")
    for col in ("op", "ops", "bytes", "op/B", "attainable", "bound", "time"):
        t.add_column(col, justify="left" if col == "op" else "right")
    for p in r.points:
        t.add_row(escape(_short(p.load.name)), _si(p.load.ops, ""), _si(p.bytes, "B"), f"{p.intensity:.3g}",
                  _si(p.attainable, "op/s"), p.bound, _si(p.seconds, "s"))
    console.print(t)
    mem = sum(p.bound == "memory" for p in r.points)
    console.print(escape(f"total {_si(r.ops, 'op')}, {_si(r.bytes, 'B')} off-chip, {_si(r.seconds, 's')} at the "
                         f"roofline: {_si(r.attainable, 'op/s')} ({r.attainable / d.peak(precision):.1%} of peak); "
                         f"{mem} of {len(r.points)} ops memory-bound"), highlight=False)
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


power_app = _typer("The power wall: dynamic power, Dennard scaling and its end, dark silicon (power scaling).")
app.add_typer(power_app, name="power")


@power_app.command("scaling", cls=_Command)
@_guarded
def power_scaling(from_nm: Annotated[float, _opt("--from", metavar="NM", help="Reference node, nm")] = 45,
                  to_nm: Annotated[float, _opt("--to", metavar="NM", help="Target node, nm")] = 7,
                  plot: PlotOpt = None, as_json: JsonOpt = False, force: ForceOpt = False):
    """Energy per operation, density, power density and dark silicon from one node to another."""
    from .system.power import APPLE_SOCS, ESMAEILZADEH, ESMAEILZADEH_NOTE, scaling, scaling_plot

    if plot is not None:
        _check_plot(plot, force)
    points = scaling(from_nm, to_nm)
    if plot is not None:
        scaling_plot(points, plot)
    if as_json:
        print(json.dumps({"from_nm": from_nm, "to_nm": to_nm, "points": [p.__dict__ for p in points],
                          "esmaeilzadeh": ESMAEILZADEH, "apple_socs": APPLE_SOCS}))
        return
    t = Table(title=f"Scaling from {from_nm:g} nm (= 1): Dennard against post-2005 (Vdd from the node table, "
                    f"clock held)", title_justify="left")
    for col in ("node", "Vdd", "density", "E/op Dennard", "E/op real", "power density real", "dark"):
        t.add_column(col, justify="right")
    for p in points:
        t.add_row(f"{p.nm:g} nm", f"{p.vdd:g} V", f"{p.density:.3g}x", f"{p.energy_dennard:.3g}x",
                  f"{p.energy_real:.3g}x", f"{p.power_density_real:.3g}x", f"{p.dark:.0%}")
    console.print(t)
    console.print(escape(f"Esmaeilzadeh et al. (ISCA 2011), dark fraction from 45 nm: {ESMAEILZADEH_NOTE}. Dennard "
                         f"scaling keeps power density at 1x and nothing dark."), highlight=False)
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


@app.command("chiplet", cls=_Command)
@_guarded
def chiplet_cmd(area: Annotated[float, _opt("--area", metavar="MM2", help="Monolithic die area, mm^2")] = 777.0,
                chiplets: Annotated[int, _opt("--chiplets", "-n", metavar="N", help="Chiplets that split it")] = 4,
                d0: Annotated[float, _opt("--d0", metavar="D", help="Defect density per cm^2")] = 0.1,
                overhead: Annotated[float, _opt("--overhead", metavar="F", help="Extra area per chiplet for its "
                                                "die-to-die interface (0.1: 10%)")] = 0.097,
                wafer_cost: Annotated[float, _opt("--wafer-cost", metavar="C", help="Cost of one 300 mm wafer")]
                = 10000.0,
                model: Annotated[str, _opt("--model", metavar="M", help="murphy or negative-binomial")]
                = "negative-binomial",
                io_pj: Annotated[float, _opt("--io-pj-per-bit", metavar="PJ", help="Die-to-die energy per bit")]
                = 0.0,
                as_json: JsonOpt = False):
    """A monolithic die against N chiplets: yield, dies per wafer, cost per good die (AMD EPYC by default)."""
    from .system.chiplet import AMD_EPYC, compare

    c = compare(area, chiplets, d0, wafer_cost, overhead, io_pj_per_bit=io_pj, model=model)
    if as_json:
        print(json.dumps({"monolithic": c.monolithic.__dict__, "chiplet": c.chiplet.__dict__, "chiplets": chiplets,
                          "monolithic_cost": c.monolithic_cost, "chiplet_cost": c.chiplet_cost, "ratio": c.ratio}))
        return
    t = Table(title=f"{area:g} mm^2 monolithic against {chiplets} chiplets, D0 {d0:g}/cm^2, {model} yield",
              title_justify="left")
    for col in ("design", "die mm^2", "yield", "dies/wafer", "cost per good die", "silicon cost"):
        t.add_column(col, justify="left" if col == "design" else "right")
    t.add_row("monolithic", f"{c.monolithic.area_mm2:.0f}", f"{c.monolithic.yield_:.1%}", str(c.monolithic.per_wafer),
              f"{c.monolithic.cost:,.0f}", f"{c.monolithic_cost:,.0f}")
    t.add_row(f"{chiplets} chiplets", f"{c.chiplet.area_mm2:.0f}", f"{c.chiplet.yield_:.1%}",
              str(c.chiplet.per_wafer), f"{c.chiplet.cost:,.0f}", f"{c.chiplet_cost:,.0f}")
    console.print(t)
    console.print(f"chiplets cost {c.ratio:.2f}x the monolithic die; AMD published {AMD_EPYC['published_ratio']:.2f}x "
                  f"for EPYC ({AMD_EPYC['chiplets']} x {AMD_EPYC['chiplet_mm2']:g} mm^2 against "
                  f"{AMD_EPYC['monolithic_mm2']:g} mm^2)" + (f"; die-to-die I/O {io_pj:g} pJ/bit" if io_pj else ""),
                  highlight=False)


__all__ = ["roofline_cmd", "power_app", "chiplet_cmd"]
