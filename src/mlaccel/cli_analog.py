"""The ``mlaccel analog`` commands: the ISAAC reconstruction, and parameter sweeps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from . import session
from .cli import ForceOpt, _check_plot, _Command, _guarded, _opt, _Progress, _typer, app, console
from .verify.check import golden_set
from .data import load_dataset
from .errors import MlaccelError
from .inputs import random_input
from .model.zoo import resolve_model
from .targets import resolve

analog_app = _typer("Analog in-memory computing: the ISAAC reconstruction (analog isaac) and sweeps of ADC bits, "
                    "cell bits, noise and drift (analog sweep).")
app.add_typer(analog_app, name="analog")


@analog_app.command("isaac", cls=_Command)
@_guarded
def isaac(target: Annotated[str, _opt("--target", "-t", metavar="TARGET",
                                      help="An analog target to rebuild (default analog:isaac)")] = "analog:isaac",
          bits: Annotated[int, _opt("--bits", metavar="N", help="Operand bits for the peak throughput "
                                                                 "(ISAAC-CE: 16)")] = 16):
    """ISAAC's tile power and area, ADC shares and GOPS/W, rebuilt from the config and its component table."""
    from .hw.analog.components import adc_power_mw, load_components
    from .hw.analog.isaac import reconstruct

    t = resolve(target)
    if t.family != "analog":
        raise MlaccelError(f"analog isaac needs an analog target, got '{t.name}'")
    r = reconstruct(t.config, bits)
    table = Table(title=escape(f"ISAAC rebuilt from {t.name} ({bits}-bit operands)"), title_justify="left")
    for col in ("figure", "ours", "ISAAC (ISCA 2016)", "difference"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for name, ours, paper in r.rows():
        fmt = (lambda v: f"{100 * v:.1f}%") if "share" in name else (lambda v: f"{v:,.3f}" if v < 10 else f"{v:,.1f}")
        table.add_row(name, fmt(ours), fmt(paper), f"{100 * (ours / paper - 1):+.2f}%")
    console.print(table)
    parts = sorted(r.tile_breakdown_mw.items(), key=lambda kv: -kv[1])
    console.print("tile power: " + ", ".join(f"{k} {v:.1f} mW" for k, v in parts[:6]), soft_wrap=True)
    comp = load_components(t.config.components)
    law = Table(title="ADC power law (Walden 2^ENOB + fixed share) against MNSIM's survey", title_justify="left")
    for col in ("bits", "law (mW)", "survey (mW)"):
        law.add_column(col, justify="right")
    for b, mw in comp.adc_survey:
        law.add_row(str(b), f"{adc_power_mw(comp, b, comp.ima['adc'].params['gsps']):.2f}", f"{mw:g}")
    console.print(law)


@analog_app.command("sweep", cls=_Command)
@_guarded
def sweep(
    model: Annotated[str, typer.Argument(help="A .tflite model or a shipped model's short name", metavar="MODEL")],
    data: Annotated[Optional[str], _opt("--data", metavar="DATA", help="Labeled data for accuracy (digits, .npz, an "
                                        "image folder); without it, top-1 agreement with the reference on the "
                                        "model's golden inputs, or --samples random ones")] = None,
    target: Annotated[str, _opt("--target", "-t", metavar="TARGET", help="The analog config to vary")] = "analog:isaac",
    adc_bits: Annotated[Optional[str], _opt("--adc-bits", metavar="A..B", help="ADC bits, e.g. 3..10")] = None,
    cell_bits: Annotated[Optional[str], _opt("--cell-bits", metavar="LIST", help="Bits per cell, e.g. 1,2,4")] = None,
    dac_bits: Annotated[Optional[str], _opt("--dac-bits", metavar="LIST", help="DAC bits, e.g. 1,2,4")] = None,
    prog_noise: Annotated[Optional[str], _opt("--prog-noise", metavar="LIST", help="Programming noise sigma "
                                              "(fraction of g_max), e.g. 0,0.02,0.05,0.1")] = None,
    read_noise: Annotated[Optional[str], _opt("--read-noise", metavar="LIST", help="Read noise sigma")] = None,
    drift_time: Annotated[Optional[str], _opt("--drift-time", metavar="LIST", help="Seconds since programming "
                                              "(needs drift, e.g. -t analog:pcm)")] = None,
    rows: Annotated[Optional[str], _opt("--rows", metavar="LIST", help="Crossbar rows")] = None,
    draws: Annotated[int, _opt("--draws", metavar="N", help="Monte Carlo draws (seeds) per value")] = 1,
    limit: Annotated[Optional[int], _opt("--limit", metavar="N", help="Only the first N samples of --data")] = None,
    samples: Annotated[int, _opt("--samples", metavar="N", help="Random inputs without --data, for a model "
                                                                 "without golden inputs")] = 20,
    plot: Annotated[Optional[Path], _opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, .pdf)")] = None,
    as_json: Annotated[bool, _opt("--json", help="Print the sweep as JSON")] = False,
    force: ForceOpt = False,
):
    """Accuracy (or agreement) and energy per inference against one parameter of an analog config."""
    from .dse.sweeps import analog_sweep, parse_values, sweep_plot

    given = {name: v for name, v in (("adc_bits", adc_bits), ("cell_bits", cell_bits), ("dac_bits", dac_bits),
                                     ("prog_noise", prog_noise), ("read_noise", read_noise),
                                     ("drift_time_s", drift_time), ("rows", rows)) if v is not None}
    if len(given) != 1:
        raise MlaccelError("Give exactly one parameter to sweep: --adc-bits, --cell-bits, --dac-bits, --prog-noise, "
                           "--read-noise, --drift-time or --rows" + (f" (got {len(given)})" if given else ""))
    (parameter, text), = given.items()
    values = parse_values(text, "--" + parameter.replace("_s", "").replace("_", "-"))
    if plot is not None:
        _check_plot(plot, force)
    m = session.load(resolve_model(model))
    ds = load_dataset(data).take(limit) if data else None
    x, source = None, ""
    if ds is None:
        try:
            x = golden_set(m)[1]
            source = f"its {len(x)} golden inputs"
        except MlaccelError:
            x = random_input(m.inputs[0], samples, np.random.default_rng(0))
            source = f"{len(x)} random inputs"
    with _Progress(f"sweeping {parameter} on {target}", delay=0.2) as progress:
        s = analog_sweep(m, parameter, values, target, data=ds, inputs=x, draws=draws, progress=progress)
    if plot is not None:
        sweep_plot(s, plot, title=f"{Path(str(model)).name} on {s.base}: {s.metric} against {parameter}")
    if as_json:
        print(json.dumps(s.as_dict()))
        return
    what = f"top-1 accuracy on {ds.name}" if ds is not None else f"top-1 agreement with the reference on {source}"
    t = Table(title=escape(f"{Path(str(model)).name} on {s.base}: {what}, {draws} draw(s) per value"),
              title_justify="left")
    for col in (parameter, s.metric, "± std", "uJ/inference", "ADC share"):
        t.add_column(col, justify="right")
    for p in s.points:
        t.add_row(f"{p.value:g}", f"{100 * p.mean:.1f}%", f"{100 * p.std:.1f}", f"{p.energy_pj / 1e6:.3g}",
                  f"{100 * p.adc_share:.0f}%")
    console.print(t)
    if s.reference is not None:
        console.print(f"reference (digital int8): {100 * s.reference:.1f}%")
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


__all__ = ["analog_app"]
