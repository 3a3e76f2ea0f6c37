"""``soc new``, ``soc run`` and ``soc check``: CFU Playground in software (needs the ``[soc]`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from .. import session
from ..errors import InputError
from ..inputs import model_samples
from ..report.tables import profile_table, speedup_table, summary_line
from ..targets import family, resolve
from ..verify.check import against_goldens, same_outputs
from .common import Bar, Command, console, guarded, note, opt, spinner, typer_app

soc_app = typer_app("CFU Playground in software: CFU projects on a simulated RISC-V SoC (soc new, soc run, soc check). "
                    "Needs a clang for rv32im: pip install -e '.[soc]'.")
BASELINE = "soc:baseline"


@soc_app.command("new", cls=Command)
@guarded
def soc_new(name: Annotated[str, typer.Argument(help="Folder to create", metavar="FOLDER")]):
    """Create a CFU project: cfu.py (a template CFU) and src/ (C kernel overrides)."""
    from ..hw.soc.project import new_project

    proj = new_project(name)
    console.print(escape(f"created {proj.path}/cfu.py and {proj.path}/src/overrides.c"))
    console.print(escape(f"next: mlaccel soc run {name} --model kws --golden"))


@soc_app.command("run", cls=Command)
@guarded
def soc_run(
    name: Annotated[str, typer.Argument(help="A project folder, or a preset: " + ", ".join(family("soc").presets),
                                        metavar="PROJECT")],
    model: Annotated[str, opt("--model", "-m", metavar="MODEL", help="A .tflite file or a shipped model's short "
                                                                     "name")],
    input: Annotated[Optional[list[Path]], opt("--input", "-i", metavar="FILE", help="Input file(s); default "
                                                                                     "one seeded random sample")] = None,
    golden: Annotated[bool, opt("--golden", help="Run the model's golden inputs and check them bit for bit")] = False,
    uint8_shift: Annotated[bool, opt("--uint8-shift", help="Raw files are uint8; subtract 128")] = False,
):
    """Build the project, run a model on it and on the baseline SoC, and print per-op speedups."""
    target = resolve(f"soc:{name}")
    m = session.load(model)
    if golden and input:
        raise InputError("--golden runs the model's golden inputs; leave out --input")
    gold = m.goldens if golden else None
    if golden and gold is None:
        note(f"'{Path(m.graph.name).name}' has no golden cases (goldens.json covers the shipped models): running "
             f"one random input, checked against the reference kernels only")
    samples = model_samples(m, files=input or (), uint8_shift=uint8_shift, goldens=gold is not None, random=1)
    for text in samples.notes:
        note(text)
    xs = list(samples.arrays)
    with Bar(target.name) as progress:
        res = m.run(*xs, target=target, progress=progress)
    base = res
    if res.target != BASELINE:
        with Bar(BASELINE) as progress:
            base = m.run(*xs, target=BASELINE, progress=progress)
    ref = m.run(*xs)
    for text in res.notes:
        note(text)
    title = escape(f"{Path(m.graph.name).name} on {res.target} (per inference)")
    if base is res:
        console.print(profile_table(res.ops, res.total, res.columns, title=title))
    else:
        console.print(speedup_table(res.ops, res.total, base.ops, title=title))
    console.print(escape(f"per inference: {summary_line(res.total)}"), highlight=False, soft_wrap=True)
    if base is not res:
        console.print(f"speedup over baseline: {base.total.cycles / res.total.cycles:.2f}x")
    same = same_outputs(res, ref)
    console.print("[green]outputs bit-exact with the reference kernels[/]" if same else
                  "[bold red]outputs differ from the reference kernels[/]")
    if samples.cases:
        ok = against_goldens(list(samples.cases), res.outputs[0])
        console.print(f"goldens: [{'green' if ok.exact else 'red'}]{ok}[/] bit-exact")
        same = same and ok.exact
    if not same:
        raise typer.Exit(2)


@soc_app.command("check", cls=Command)
@guarded
def soc_check(name: Annotated[str, typer.Argument(help="A project folder or a preset", metavar="PROJECT")]):
    """Build the project's firmware and test its CFU's op against its compiled jit_op twin."""
    from ..hw.soc.cfu import check_project
    from ..hw.soc.project import config_for

    cfg = config_for(name)
    with spinner(f"building {cfg.name}'s firmware and checking its CFU"):
        n = check_project(cfg)
    console.print(escape(f"{cfg.name}: firmware builds; ") + (
        f"op and jit_op agree on {n:,} random operations" if n else
        ("no CFU to check" if n is None else "its CFU has no jit_op to compare")))
