"""The ``mlaccel analog`` commands: the ISAAC reconstruction, and sweeps of any config field."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ..dse.space import sweepable_fields
from ..dse.sweeps import field_of_flag, flag_of, parse_values
from ..errors import InputError
from ..report.analog import adc_law_table, isaac_table, sweep_table
from ..targets import family, resolve
from .common import (Bar, Command, ForceOpt, check_output, check_plot, console, guarded, opt, positive, print_json,
                     typer_app, wrote)

analog_app = typer_app("Analog in-memory computing: the ISAAC reconstruction (analog isaac) and sweeps of any config "
                       "field: ADC bits, cell bits, noise, drift, stuck cells (analog sweep).")
_FIELDS = sweepable_fields(family("analog").presets["isaac"])
_FIELD_HELP = "\n\n\b\n" + "\n".join(f"  {flag_of(f)} LIST   (isaac: {v})" for f, v in _FIELDS.items())


@analog_app.command("isaac", cls=Command)
@guarded
def isaac(target: Annotated[str, opt("--target", "-t", metavar="TARGET",
                                     help="An analog target to rebuild (default analog:isaac)")] = "analog:isaac",
          bits: Annotated[int, opt("--bits", metavar="N", help="Operand bits for the peak throughput "
                                                                "(ISAAC-CE: 16)")] = 16):
    """ISAAC's tile power and area, ADC shares and GOPS/W, rebuilt from the config and its component table."""
    from ..hw.analog import AnalogConfig
    from ..hw.analog.components import adc_power_mw, load_components
    from ..hw.analog.isaac import reconstruct

    t = resolve(target)
    if not isinstance(t.config, AnalogConfig):
        raise InputError(f"analog isaac rebuilds an analog target's ISAAC figures, got '{t.name}'")
    positive(bits, "--bits")
    r = reconstruct(t.config, bits)
    console.print(isaac_table(r, t.name, bits))
    parts = sorted(r.tile_breakdown_mw.items(), key=lambda kv: -kv[1])
    console.print("tile power: " + ", ".join(f"{k} {v:.1f} mW" for k, v in parts[:6]), soft_wrap=True)
    comp = load_components(t.config.components)
    console.print(adc_law_table([(b, adc_power_mw(comp, b, comp.ima["adc"].params["gsps"]), mw)
                                 for b, mw in comp.adc_survey]))


@analog_app.command("sweep", cls=Command, context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                    epilog="The field to vary, one of (values: A..B for whole numbers, or a comma-separated list):"
                           + _FIELD_HELP)
@guarded
def sweep(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="A .tflite model or a shipped model's short name", metavar="MODEL")],
    data: Annotated[Optional[str], opt("--data", metavar="DATA", help="Labeled data for accuracy (digits, .npz, an "
                                       "image folder); without it, top-1 agreement with the reference on the "
                                       "model's golden inputs, or --samples random ones")] = None,
    target: Annotated[str, opt("--target", "-t", metavar="TARGET", help="The analog config to vary")] = "analog:isaac",
    draws: Annotated[int, opt("--draws", metavar="N", help="Monte Carlo draws (seeds) per value")] = 1,
    limit: Annotated[Optional[int], opt("--limit", metavar="N", help="Only the first N samples of --data")] = None,
    samples: Annotated[int, opt("--samples", metavar="N", help="Random inputs without --data, for a model "
                                                                "without golden inputs")] = 20,
    store: Annotated[Optional[Path], opt("--store", metavar="FILE", help="Keep the points in this results store "
                                         "(mlaccel results, mlaccel report read it)")] = None,
    plot: Annotated[Optional[Path], opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, .pdf)")] = None,
    as_json: Annotated[bool, opt("--json", help="Print the sweep as JSON")] = False,
    force: ForceOpt = False,
):
    """Accuracy (or agreement) and energy per inference against one field of an analog config."""
    from ..dse.sweeps import field_sweep, sweep_plot

    t = resolve(target)
    fields = sweepable_fields(t.config)
    given = {name: parse_values(text, flag_of(name)) for name, text in _field_options(ctx.args, fields,
                                                                                        t.family).items()}
    several = [name for name, values in given.items() if len(values) > 1]
    if len(several) > 1 or (not several and len(given) != 1):
        raise InputError(f"Give one field of {t.name} to sweep, with its values (e.g. --adc-bits 3..10 or --stuck-off "
                         f"0,0.01), and any others with one value each to set them"
                         + (f"; {', '.join(flag_of(f) for f in several)} all have several values" if several else ""))
    parameter = several[0] if several else next(iter(given))
    values = given.pop(parameter)
    if given:  # fields set to one value: the base the sweep starts from
        from ..dse.space import with_fields

        import dataclasses

        cfg = with_fields(t.config, {k: v[0] for k, v in given.items()})
        label = ", ".join(f"{k}={v[0]}" for k, v in given.items())
        t = type(t)(t.family, dataclasses.replace(cfg, name=f"{t.config.name} ({label})"))
    positive(draws, "--draws")
    positive(limit, "--limit")
    positive(samples, "--samples")
    if plot is not None:
        check_plot(plot, force)
    if store is not None:
        check_output(store, "--store", [store.suffix.lower()], True)
    with Bar(f"sweeping {parameter} on {t.name}") as progress:
        s = field_sweep(model, parameter, values, t, data=data, draws=draws, samples=limit if data else samples,
                        store=store, progress=progress)
    name = Path(str(model)).name
    if plot is not None:
        sweep_plot(s, plot, title=f"{name} on {s.base}: {s.metric} against {parameter}")
    if as_json:
        print_json(s.as_dict())
        return
    what = (f"top-1 accuracy on {s.inputs}" if data else f"top-1 agreement with the reference on {s.inputs}")
    console.print(sweep_table(s, name, what))
    if s.reference is not None:
        console.print(f"reference (digital int8): {100 * s.reference:.1f}%")
    if s.store is not None:
        console.print(escape(f"points stored as sweep {s.sweep} of {s.store}"), highlight=False)
    wrote(plot)


def _field_options(args: list[str], fields: dict, family_name: str) -> dict:
    """``{field: "values"}`` from the extra ``--flag VALUES`` options; an unknown flag is named."""
    out, i = {}, 0
    while i < len(args):
        flag = args[i]
        value = None
        if "=" in flag:
            flag, value = flag.split("=", 1)
        name = field_of_flag(flag, fields) if flag.startswith("--") else None
        if name is None:
            known = ", ".join(flag_of(f) for f in fields)
            raise InputError(f"'{args[i]}' is not a field of {family_name} configs; the fields to sweep are {known}")
        if value is None:
            if i + 1 >= len(args):
                raise InputError(f"{flag} needs values, e.g. {flag} 1,2,4")
            value = args[i + 1]
            i += 1
        out[name] = value
        i += 1
    return out
