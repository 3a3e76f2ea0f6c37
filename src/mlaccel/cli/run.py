"""``info``, ``run``, ``scalesim`` and ``demo``: a model's ops, a run on any target, SCALE-Sim's report,
and the tour."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.markup import escape

from .. import session
from ..errors import InputError
from ..inputs import model_samples
from ..report.tables import fmt_shape, model_table, profile_table, run_title, scalesim_table, summary_line
from ..targets import dense_twin, family, resolve
from .common import (Bar, Command, ForceOpt, ModelArg, TargetsCommand, check_output, check_plot, console, guarded, note, opt,
                     print_json, typer_app, wrote)

app = typer_app()


@app.command(cls=Command)
@guarded
def info(model: ModelArg):
    """Show a model's ops: shapes, quantization, MACs and parameters."""
    m = session.load(model)
    g = m.graph
    console.print(model_table(g, title=escape(f"{Path(g.name).name}  ({len(g.ops)} ops)")))
    for kind, ts in (("input", g.inputs), ("output", g.outputs)):
        for t in ts:
            q = t.quant.describe() if t.quant else "float"
            console.print(escape(f"{kind} '{t.name}': {fmt_shape(t.shape)} {t.dtype.name}, {q}"), highlight=False,
                          soft_wrap=True)


def _print_output(t, y: np.ndarray, labels: list[str] | None) -> None:
    console.print(f"[bold]output[/] {escape(repr(t.name))} {fmt_shape(y.shape)} {y.dtype.name}")
    with np.printoptions(threshold=64, edgeitems=8, linewidth=78):
        console.print(escape(np.array2string(y)), highlight=False)
    if t.quant is not None and y.dtype != np.float32:
        real = (y.astype(np.float64) - t.quant.zp) * t.quant.s
        with np.printoptions(precision=4, suppress=True, threshold=64, edgeitems=8, linewidth=64):
            console.print(f"[dim]dequantized:[/] {escape(np.array2string(real))}", highlight=False)
    classes = t.shape[-1] if t.shape else 1
    if 1 < classes <= 1000 and y.size % classes == 0 and y.size // classes <= 64:
        tops = np.argmax(y.reshape(-1, classes), axis=1)
        named = [f"{labels[i]} ({i})" if labels and len(labels) == classes else str(i) for i in tops]
        console.print(f"top-1: [bold green]{escape(', '.join(named))}[/]")


@app.command(cls=TargetsCommand)
@guarded
def run(
    model: ModelArg,
    input: Annotated[Optional[list[Path]], opt("--input", "-i", metavar="FILE",
                                               help="Input file (.npy, or raw bytes of the input dtype); repeat "
                                                    "per input (default: one seeded random sample)")] = None,
    target: Annotated[str, opt("--target", "-t", metavar="TARGET",
                               help="Where to run: reference, systolic:PRESET, soc:PRESET, a config file "
                                    "(see below)")] = "reference",
    as_json: Annotated[bool, opt("--json", help="Print one JSON object: outputs, ops, total")] = False,
    uint8_shift: Annotated[bool, opt("--uint8-shift", help="Raw files are uint8; subtract 128 (CFU Playground "
                                                           "images)")] = False,
    check: Annotated[bool, opt("--check", help="Also run the oracle and compare: TFLite-Micro bit for bit "
                               "(int8), ONNX Runtime to 1e-5 (float); needs pip install -e '.[oracle]'")] = False,
    plot: Annotated[Optional[Path], opt("--plot", metavar="FILE", help="Write a per-layer plot of cycles and "
                                        "utilization (timed targets; .png, .svg, .pdf)")] = None,
    html_out: Annotated[Optional[Path], opt("--html", metavar="FILE", help="Write a self-contained HTML report "
                                            "of the run (per-layer table and plot)")] = None,
    compare: Annotated[Optional[str], opt("--compare", metavar="TARGET",
                                          help="Also run on TARGET and print per-layer cycles, time and energy "
                                               "side by side ('dense': the same hardware without its sparse "
                                               "features)")] = None,
    timesteps: Annotated[Optional[int], opt("--timesteps", "-T", metavar="T", help="Spiking networks (.nir): "
                                            "time steps to simulate (default: the network's own)")] = None,
    force: ForceOpt = False,
):
    """Run a model and print its outputs and per-op profile."""
    t = resolve(target)
    fam = family(t.family)
    baseline = None
    if compare is not None:
        baseline = dense_twin(t) if compare == "dense" else resolve(compare)
        if not family(baseline.family).timed:
            raise InputError(f"--compare needs a timed target; '{baseline.name}' models no time")
    if html_out is not None:
        check_output(html_out, "--html", [".html"], force)
    if plot is not None:
        check_plot(plot, force)
        if not fam.timed:
            raise InputError(f"--plot needs a timed target; '{t.name}' models no cycles")
    m = session.load(model)
    samples = model_samples(m, files=input or (), uint8_shift=uint8_shift, goldens=False, random=1)
    xs = list(samples.arrays)
    name = Path(m.graph.name).name
    with Bar(f"{name} on {t.name}") as progress:
        res = m.run(*xs, target=t, progress=progress, timesteps=timesteps)
    base = None
    if baseline is not None:
        with Bar(f"{name} on {baseline.name}") as progress:
            base = m.run(*xs, target=baseline, progress=progress, timesteps=timesteps)
    agreement = oracle = hardware = None
    if not fam.exact and m.workload == "graph":
        from ..verify.check import agreement_with_reference

        hardware = agreement_with_reference(m, xs, res)
    if check:
        from ..verify.check import against_oracle

        with Bar("checking against the oracle") as progress:
            progress(0, 1, "running the oracle")
            agreement, oracle = against_oracle(m, xs, res)
    if plot is not None:
        from ..report.plots import layer_plot

        layer_plot(res.ops, plot, title=f"{name} on {res.target}")
    if html_out is not None:
        from ..report.html import run_html

        html_out.write_text(run_html(res, name))
    notes = list(samples.notes) + list(res.notes)
    if as_json:
        doc = res.as_dict()
        doc["notes"] = notes
        doc["inputs"] = samples.description
        if agreement is not None:
            doc["bit_exact_with_tflm" if oracle == "TFLite-Micro" else "agrees_with_onnxruntime"] = agreement.exact
        if plot is not None:
            doc["plot"] = str(plot)
        if hardware is not None:
            doc["agreement_with_reference"], doc["bit_exact_with_reference"] = hardware.top1, hardware.bit_exact
        if base is not None:
            from ..report.compare import compare_rows

            doc["compare"] = {"target": base.target, "total": base.total.to_dict(),
                              "ops": compare_rows(res.ops, base.ops)}
        print_json(doc)
    else:
        for text in notes:
            note(text)
        for tensor, y in zip(m.outputs if m.workload == "graph" else m.outputs[:1], res.outputs):
            _print_output(tensor, np.asarray(y), m.labels)
        console.print(profile_table(res.ops, res.total, res.columns, title=escape(run_title(res, name))))
        console.print(escape(f"per inference: {summary_line(res.total)}"), highlight=False, soft_wrap=True)
        if hardware is not None:
            console.print(f"top-1 agreement with the reference kernels: {100 * hardware.top1:.1f}% of "
                          f"{hardware.samples} sample(s); outputs {'bit-exact' if hardware.bit_exact else 'differ'}")
        if base is not None:
            from ..report.compare import compare_table
            from ..verify.check import same_outputs

            console.print(compare_table(res.ops, res.total, base.ops, base.total,
                                        title=escape(f"{res.target} against base {base.target}, per inference")))
            console.print(escape(f"base {base.target}: {summary_line(base.total)}"), highlight=False, soft_wrap=True)
            console.print("outputs on the two targets: " + ("identical" if same_outputs(res, base) else
                                                            "[bold red]DIFFERENT[/]"))
        wrote(plot, html_out)
        if agreement is not None:
            match = "bit-exact with TFLite-Micro" if oracle == "TFLite-Micro" else "within 1e-5 of ONNX Runtime"
            console.print(f"[bold green]{match}[/] ({agreement} samples)" if agreement.exact else
                          f"[bold red]outputs differ from {oracle}[/] ({agreement} samples equal; first "
                          f"difference in sample {agreement.first_mismatch})")
    if agreement is not None and not agreement.exact:
        raise typer.Exit(2)


@app.command(cls=Command)
@guarded
def scalesim(
    config: Annotated[Path, opt("--config", "-c", metavar="FILE", help="SCALE-Sim .cfg file")],
    topology: Annotated[Path, opt("--topology", "-t", metavar="FILE", help="SCALE-Sim topology .csv (conv or "
                                                                           "GEMM form)")],
    out: Annotated[Path, opt("--out", "-o", metavar="DIR", help="Folder for COMPUTE_REPORT.csv")],
    gemm: Annotated[Optional[bool], typer.Option("--gemm/--conv", metavar="", help="Topology form (default: from "
                                                                                  "its header)")] = None,
):
    """Reproduce SCALE-Sim 3.0.0's COMPUTE_REPORT.csv (its compute cycles, exactly) in milliseconds."""
    from ..hw.systolic.scalesim import compute_report, read_scalesim_config, read_topology, write_compute_report

    t0 = time.perf_counter()
    cfg = read_scalesim_config(config)
    layers = read_topology(topology, gemm)
    path = write_compute_report(layers, cfg, out)
    rows = compute_report(layers, cfg)
    dt = time.perf_counter() - t0
    console.print(scalesim_table(layers, rows, f"{cfg.rows}x{cfg.cols} {cfg.dataflow.upper()}, {len(layers)} layers"))
    console.print(f"total {sum(r[2] for r in rows):,} cycles; wrote {escape(str(path))} in {dt * 1e3:.1f} ms")


@app.command(cls=Command)
@guarded
def demo():
    """A short tour on the shipped models: goldens, bit-exactness, speed, per-op profile."""
    from .demo import run_demo

    run_demo(console)
