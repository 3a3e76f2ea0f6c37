"""The ``mlaccel`` command line: a thin shell over the Python API.

Every decision (targets, checks, designs, firmware) lives in the API; this module parses options,
shows progress and prints. Messages are escaped, so text in brackets is never taken for markup.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from . import __version__, session
from .errors import MlaccelError
from .report.tables import fmt_count, fmt_shape, model_table, profile_table, speedup_table, summary_line
from .model.zoo import labels_for, resolve_model
from .inputs import random_input, read_input_file, samples_in
from .targets import family, resolve, target_help

TARGETS_HELP = escape(target_help())  # help text is rich markup: keep "[systolic]" literal


class _QuietHelp:
    """Help that shows no type placeholders (``<str>``, ``<bool>``): arguments and options carry a
    metavar (FILE, TARGET) or none at all (flags), and so does --help."""

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.metavar = ""
        return opt


class _Command(_QuietHelp, TyperCommand):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for p in self.params:
            if isinstance(p, TyperArgument):
                p.display_type_rich = _no_type


def _no_type(ctx) -> None:
    return None


class _Group(_QuietHelp, TyperGroup):
    pass


def _typer(help: str) -> typer.Typer:
    return typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                       help=help)


app = _typer("mlaccel: run real int8 models on modeled accelerators, bit-exact, with costs.\n\n"
             "Targets (--target):\n\n\b\n" + TARGETS_HELP)
console = Console()
err_console = Console(stderr=True)


def _opt(*names: str, help: str, metavar: str = ""):
    """An option with an explicit metavar (empty for flags), so help shows no type noise."""
    return typer.Option(*names, help=help, metavar=metavar)


ModelArg = Annotated[str, typer.Argument(help="A .tflite file, or a shipped model's short name (kws, vww, ic, ...)",
                                         metavar="MODEL")]
ForceOpt = Annotated[bool, _opt("--force", help="Overwrite an existing output file")]


def _fail(e: BaseException, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _guarded(fn):
    """Turn mlaccel errors into one clean line and Ctrl-C into a note of where it stopped."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MlaccelError as e:
            _fail(e)
        except KeyboardInterrupt as e:
            where = f": {e}" if str(e) else ""
            err_console.print(f"[yellow]interrupted[/]{escape(where)}", highlight=False, soft_wrap=True)
            raise typer.Exit(130)
    return wrapper


def _version(value: bool) -> None:
    if value:
        console.print(f"mlaccel {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit", metavar="",
                                                callback=_version, is_eager=True)] = False):
    """mlaccel: run real int8 models on modeled accelerators, bit-exact, with costs."""


class _Progress:
    """A progress bar on stderr that appears only when the work takes longer than ``delay`` s."""

    def __init__(self, what: str, delay: float = 0.5):
        self.what, self.delay, self.t0 = what, delay, time.monotonic()
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, done: int, total: int, step: str) -> None:
        if self.bar is None:
            if time.monotonic() - self.t0 < self.delay or done >= total or not err_console.is_terminal:
                return
            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.what, total=total)
        self.bar.update(self.task, completed=done, total=total, description=escape(f"{self.what}: {step}"))

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _spinner(what: str):
    """A spinner with elapsed time, for one long step without a count (a Yosys run); nothing when
    stderr is not a terminal."""
    if not err_console.is_terminal:
        return contextlib.nullcontext()
    return Progress(SpinnerColumn(), TextColumn(escape(what)), TimeElapsedColumn(), console=err_console,
                    transient=True)


@app.command(cls=_Command)
@_guarded
def info(model: ModelArg):
    """Show a model's ops: shapes, quantization, MACs and parameters."""
    m = session.load(resolve_model(model))
    g = m.graph
    console.print(model_table(g, title=escape(f"{Path(g.name).name}  ({len(g.ops)} ops)")))
    for kind, ts in (("input", g.inputs), ("output", g.outputs)):
        for t in ts:
            q = t.quant.describe() if t.quant else "float"
            console.print(escape(f"{kind} '{t.name}': {fmt_shape(t.shape)} {t.dtype.name}, {q}"), highlight=False)


def _inputs(m: session.Model, files: list[Path], uint8_shift: bool) -> tuple[list[np.ndarray], list[str]]:
    """Input arrays from files (or random ones), and notes to print about them."""
    if not files:
        if uint8_shift:
            raise MlaccelError("--uint8-shift applies to --input files; none was given")
        rng = np.random.default_rng(0)
        return [random_input(t, rng=rng) for t in m.inputs], ["no --input given: using random inputs (seed 0)"]
    if len(files) != len(m.inputs):
        raise MlaccelError(f"The model has {len(m.inputs)} input(s) but {len(files)} --input file(s) were given")
    xs, notes = [], []
    for f, t in zip(files, m.inputs):
        x = read_input_file(f, t, uint8_shift)
        n = samples_in(x, t)
        if n > 1:
            notes.append(f"'{f}' holds {n} samples of {fmt_shape(t.shape)}: running them as a batch of {n}")
        xs.append(x)
    return xs, notes


def _print_output(t, y: np.ndarray, labels: list[str] | None) -> None:
    console.print(f"[bold]output[/] {escape(repr(t.name))} {fmt_shape(y.shape)} {y.dtype.name}")
    with np.printoptions(threshold=64, edgeitems=8, linewidth=78):
        console.print(escape(np.array2string(y)), highlight=False)
    if t.quant is not None and y.dtype != np.float32:
        real = (y.astype(np.float64) - t.quant.zp) * t.quant.s
        with np.printoptions(precision=4, suppress=True, threshold=64, edgeitems=8, linewidth=64):
            console.print(f"[dim]dequantized:[/] {escape(np.array2string(real))}", highlight=False)
    classes = t.shape[-1]
    if 1 < classes <= 1000 and y.size % classes == 0 and y.size // classes <= 64:
        tops = np.argmax(y.reshape(-1, classes), axis=1)
        named = [f"{labels[i]} ({i})" if labels and len(labels) == classes else str(i) for i in tops]
        console.print(f"top-1: [bold green]{escape(', '.join(named))}[/]")


def _check_output(path: Path, option: str, suffixes: list[str], force: bool, what: str = "file type") -> None:
    """Refuse an output path before any work is done: a folder, a suffix not in ``suffixes``, a
    missing parent folder, or an existing file without ``--force``."""
    if path.is_dir():
        raise MlaccelError(f"{option} '{path}' is a folder; give a file name such as {path / ('out' + suffixes[0])}")
    if path.suffix.lower() not in suffixes:
        raise MlaccelError(f"{option} '{path}': unknown {what} '{path.suffix}'; use {', '.join(suffixes)}")
    if not path.parent.is_dir():
        raise MlaccelError(f"{option} '{path}': folder '{path.parent}' does not exist")
    if path.exists() and not force:
        raise MlaccelError(f"{option} '{path}' already exists; add --force to overwrite it")


def _check_plot(plot: Path, force: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    kinds = sorted("." + k for k in Figure().canvas.get_supported_filetypes())
    _check_output(plot, "--plot", [".png"] + [k for k in kinds if k != ".png"], force, "image type")


@app.command(cls=_Command, epilog="Targets:\n\n\b\n" + TARGETS_HELP)
@_guarded
def run(
    model: ModelArg,
    input: Annotated[Optional[list[Path]], _opt("--input", "-i", metavar="FILE",
                                                help="Input file (.npy, or raw bytes of the input dtype); repeat "
                                                     "per input")] = None,
    target: Annotated[str, _opt("--target", "-t", metavar="TARGET",
                                help="Where to run: reference, systolic:PRESET, soc:PRESET, a config file "
                                     "(see below)")] = "reference",
    as_json: Annotated[bool, _opt("--json", help="Print one JSON object: outputs, ops, total")] = False,
    uint8_shift: Annotated[bool, _opt("--uint8-shift", help="Raw files are uint8; subtract 128 (CFU Playground "
                                                            "images)")] = False,
    check: Annotated[bool, _opt("--check", help="Also run the oracle and compare: TFLite-Micro bit for bit "
                                "(int8), ONNX Runtime to 1e-5 (float)")] = False,
    plot: Annotated[Optional[Path], _opt("--plot", metavar="FILE", help="Write a per-layer plot of cycles and "
                                                                        "utilization (timed targets; .png, .svg, .pdf)")] = None,
    html_out: Annotated[Optional[Path], _opt("--html", metavar="FILE", help="Write a self-contained HTML report "
                                             "of the run (per-layer table and plot)")] = None,
    compare: Annotated[Optional[str], _opt("--compare", metavar="TARGET",
                                           help="Also run on TARGET and print per-layer cycles and energy side "
                                                "by side ('dense': the same systolic array, not sparse)")] = None,
    force: ForceOpt = False,
):
    """Run a model and print its outputs and per-op profile."""
    baseline = _compare_target(target, compare) if compare is not None else None
    if html_out is not None:
        _check_output(html_out, "--html", [".html"], force)
    if plot is not None:
        _check_plot(plot, force)
        resolved = resolve(target)
        if not family(resolved.family).timed:
            raise MlaccelError(f"--plot needs a timed target; '{resolved.name}' models no cycles")
    m = session.load(resolve_model(model))
    xs, notes = _inputs(m, input or [], uint8_shift)
    with _Progress(f"{Path(m.graph.name).name} on {target}") as progress:
        res = m.run(*xs, target=target, progress=progress)
    base = None
    if baseline is not None:
        with _Progress(f"{Path(m.graph.name).name} on {baseline.name}") as progress:
            base = m.run(*xs, target=baseline, progress=progress)
    analog = _analog_agreement(m, xs, res)
    agreement = None
    if check:
        from .verify.check import against_oracle

        with _Progress("checking against the oracle") as progress:
            progress(0, 1, "running the oracle")
            agreement, oracle = against_oracle(m, xs, res)
    if plot is not None:
        from .report.plots import layer_plot

        layer_plot(res.ops, plot, title=f"{Path(m.graph.name).name} on {res.target}")
    if html_out is not None:
        from .report.html import run_html

        html_out.write_text(run_html(res, Path(m.graph.name).name))
    if as_json:
        doc = {"model": m.graph.name, "target": res.target, "batch": res.batch,
               "outputs": [y.tolist() for y in res.outputs],
               "ops": [s.to_dict() for s in res.ops], "total": res.total.to_dict(), "notes": list(notes + list(res.notes))}
        if agreement is not None:
            doc["bit_exact_with_tflm" if oracle == "TFLite-Micro" else "agrees_with_onnxruntime"] = agreement.exact
        if plot is not None:
            doc["plot"] = str(plot)
        if analog is not None:
            doc["agreement_with_reference"], doc["bit_exact_with_reference"] = analog
        if base is not None:
            from .report.compare import compare_rows

            doc["compare"] = {"target": base.target, "total": base.total.to_dict(),
                              "ops": compare_rows(res.ops, base.ops)}
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        for note in notes + list(res.notes):
            console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
        labels = labels_for(m.source)
        for t, y in zip(m.outputs, res.outputs):
            _print_output(t, y, labels)
        console.print(profile_table(res.ops, res.total, res.columns, title=escape(
            f"{Path(m.graph.name).name} on {res.target}, batch {res.batch}, {res.wall_seconds * 1e3:.1f} ms wall")))
        if res.total.cycles:
            console.print(escape(f"per inference: {summary_line(res.total)}"), highlight=False, soft_wrap=True)
        else:
            console.print(f"per inference: {fmt_count(res.total.macs)} MACs, {fmt_count(res.total.param_bytes)} B "
                          f"of parameters (no time modeled)", soft_wrap=True)
        if analog is not None:
            console.print(f"top-1 agreement with the reference kernels: {100 * analog[0]:.1f}% of {res.batch} "
                          f"sample(s); outputs {'bit-exact' if analog[1] else 'differ'}")
        if base is not None:
            from .report.compare import compare_table

            console.print(compare_table(res.ops, res.total, base.ops, base.total,
                                        title=escape(f"{res.target} against base {base.target}, per inference")))
            console.print(escape(f"base {base.target}: {summary_line(base.total)}"), highlight=False, soft_wrap=True)
            same = all(np.array_equal(a, b) for a, b in zip(res.outputs, base.outputs))
            console.print("outputs on the two targets: " + ("identical" if same else "[bold red]DIFFERENT[/]"))
        for written in (plot, html_out):
            if written is not None:
                console.print(f"wrote {escape(str(written))}")
        if agreement is not None:
            match = "bit-exact with TFLite-Micro" if oracle == "TFLite-Micro" else "within 1e-5 of ONNX Runtime"
            console.print(f"[bold green]{match}[/] ({agreement} samples)" if agreement.exact else
                          f"[bold red]outputs differ from {oracle}[/] ({agreement} samples equal; first "
                          f"difference in sample {agreement.first_mismatch})")
    if agreement is not None and not agreement.exact:
        raise typer.Exit(2)


def _analog_agreement(m, xs, res) -> tuple[float, bool] | None:
    """For an analog target: top-1 agreement of its outputs with the reference kernels', and whether
    they are bit-exact; None for other targets."""
    if not res.target.startswith("analog:"):
        return None
    from .verify.accuracy import top1_agreement

    ref = m.run(*xs)
    y, r = np.asarray(res.outputs[0]), np.asarray(ref.outputs[0])
    if res.batch == 1:
        y, r = y[None], r[None]
    return top1_agreement(y, r), all(np.array_equal(a, b) for a, b in zip(res.outputs, ref.outputs))


def _compare_target(target: str, compare: str):
    """The target ``--compare`` names; ``dense`` is the systolic target without its sparse features."""
    if compare == "dense":
        t = resolve(target)
        if t.family != "systolic":
            raise MlaccelError(f"--compare dense needs a systolic target, got '{t.name}'; name the baseline target "
                               f"instead (e.g. --compare soc:baseline)")
        return type(t)(t.family, t.config.without_sparsity())
    t = resolve(compare)
    if not family(t.family).timed:
        raise MlaccelError(f"--compare needs a timed target; '{t.name}' models no cycles")
    return t


@app.command(cls=_Command)
@_guarded
def scalesim(
    config: Annotated[Path, _opt("--config", "-c", metavar="FILE", help="SCALE-Sim .cfg file")],
    topology: Annotated[Path, _opt("--topology", "-t", metavar="FILE", help="SCALE-Sim topology .csv (conv or "
                                                                            "GEMM form)")],
    out: Annotated[Path, _opt("--out", "-o", metavar="DIR", help="Folder for COMPUTE_REPORT.csv")],
    gemm: Annotated[Optional[bool], typer.Option("--gemm/--conv", metavar="", help="Topology form (default: from "
                                                                                  "its header)")] = None,
):
    """Reproduce SCALE-Sim 3.0.0's COMPUTE_REPORT.csv (its compute cycles, exactly) in milliseconds."""
    from rich.table import Table

    from .hw.systolic.scalesim import compute_report, read_scalesim_config, read_topology, write_compute_report

    t0 = time.perf_counter()
    cfg = read_scalesim_config(config)
    layers = read_topology(topology, gemm)
    path = write_compute_report(layers, cfg, out)
    rows = compute_report(layers, cfg)
    dt = time.perf_counter() - t0
    t = Table(title=f"{cfg.rows}x{cfg.cols} {cfg.dataflow.upper()}, {len(layers)} layers", title_justify="left")
    for col in ("layer", "Total Cycles", "Overall Util %", "Mapping Eff %", "Compute Util %"):
        t.add_column(col, justify="right" if col != "layer" else "left")
    for layer, row in zip(layers, rows):
        t.add_row(escape(layer.name), f"{row[2]:,}", f"{row[4]:.1f}", f"{row[5]:.1f}", f"{row[6]:.1f}")
    console.print(t)
    console.print(f"total {sum(r[2] for r in rows):,} cycles; wrote {escape(str(path))} in {dt * 1e3:.1f} ms")


@app.command(cls=_Command)
@_guarded
def demo():
    """A short tour on the shipped models: goldens, bit-exactness, speed, per-op profile."""
    from .demo import run_demo

    run_demo(console)


soc_app = _typer("CFU Playground in software: CFU projects on a simulated RISC-V SoC (soc new, soc run, "
                 "soc check).")
app.add_typer(soc_app, name="soc")


@soc_app.command("new", cls=_Command)
@_guarded
def soc_new(name: Annotated[str, typer.Argument(help="Folder to create", metavar="FOLDER")]):
    """Create a CFU project: cfu.py (a template CFU) and src/ (C kernel overrides)."""
    from .hw.soc.project import new_project

    proj = new_project(name)
    console.print(escape(f"created {proj.path}/cfu.py and {proj.path}/src/overrides.c"))
    console.print(escape(f"next: mlaccel soc run {name} --model kws --golden"))


@soc_app.command("run", cls=_Command)
@_guarded
def soc_run(
    name: Annotated[str, typer.Argument(help="A project folder, or a preset: " + ", ".join(family("soc").presets),
                                        metavar="PROJECT")],
    model: Annotated[str, _opt("--model", "-m", metavar="MODEL", help="A .tflite file or a shipped model's short "
                                                                      "name")],
    input: Annotated[Optional[list[Path]], _opt("--input", "-i", metavar="FILE", help="Input file(s); default "
                                                                                      "random")] = None,
    golden: Annotated[bool, _opt("--golden", help="Run the model's golden inputs and check them bit for bit")] = False,
    uint8_shift: Annotated[bool, _opt("--uint8-shift", help="Raw files are uint8; subtract 128")] = False,
):
    """Build the project, run a model on it and on the baseline SoC, and print per-op speedups."""
    from .verify.check import against_goldens, golden_set, same_outputs

    m = session.load(resolve_model(model))
    cases = []
    if golden:
        if input:
            raise MlaccelError("--golden runs the model's golden inputs; leave out --input")
        cases, batch = golden_set(m)
        xs = [batch]
    else:
        xs, notes = _inputs(m, input or [], uint8_shift)
        for note in notes:
            console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    target = f"soc:{name}"
    with _Progress(f"{target}", delay=0.2) as progress:
        res = m.run(*xs, target=target, progress=progress)
    base = res
    if res.target != "soc:baseline":
        with _Progress("soc:baseline", delay=0.2) as progress:
            base = m.run(*xs, target="soc:baseline", progress=progress)
    ref = m.run(*xs)
    for note in res.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
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
    if cases:
        ok = against_goldens(cases, res.outputs[0])
        console.print(f"goldens: [{'green' if ok.exact else 'red'}]{ok}[/] bit-exact")
        same = same and ok.exact
    if not same:
        raise typer.Exit(2)


@soc_app.command("check", cls=_Command)
@_guarded
def soc_check(name: Annotated[str, typer.Argument(help="A project folder or a preset", metavar="PROJECT")]):
    """Build the project's firmware and test its CFU's op against its compiled jit_op twin."""
    from .hw.soc.cfu import check_project
    from .hw.soc.project import config_for

    cfg = config_for(name)
    with _spinner(f"building {cfg.name}'s firmware and checking its CFU"):
        n = check_project(cfg)
    console.print(escape(f"{cfg.name}: firmware builds; ") + (
        f"op and jit_op agree on {n:,} random operations" if n else
        ("no CFU to check" if n is None else "its CFU has no jit_op to compare")))


rtl_app = _typer("RTL: export the Amaranth designs as Verilog (rtl export), and grade the Lab 3 TPU under "
                 "Verilator (rtl lab3).")
app.add_typer(rtl_app, name="rtl")


@rtl_app.command("export", cls=_Command)
@_guarded
def rtl_export(
    design: Annotated[str, typer.Argument(help="simd4, tpu or tpu-cfu", metavar="DESIGN")],
    out: Annotated[Path, _opt("--out", "-o", metavar="DIR", help="Output folder")],
    rows: Annotated[Optional[int], _opt("--rows", metavar="N", help="tpu: array rows (multiple of 4, default 4)")] = None,
    cols: Annotated[Optional[int], _opt("--cols", metavar="N", help="tpu: array columns (multiple of 4, default 4)")] = None,
    unsigned: Annotated[bool, _opt("--unsigned", help="tpu: uint8 operands, wrapping uint32 sums")] = False,
    double_buffered: Annotated[bool, _opt("--double-buffered", help="tpu-cfu: two A/B banks")] = False,
    depth: Annotated[Optional[int], _opt("--depth", metavar="K", help="tpu-cfu: largest K its A/B buffers hold "
                                                                       "(default 512)")] = None,
    sparse: Annotated[Optional[str], _opt("--sparse", metavar="N:M", help="tpu: the 2:4 sparse variant (2:4 only)")] = None,
    synth: Annotated[bool, typer.Option("--synth/--no-synth", metavar="", help="Also synthesize with Yosys and print "
                                                                                 "cell and DFF counts")] = True,
):
    """Write plain Verilog of a design (and report its Yosys resource counts)."""
    from .hdl.designs import DesignOptions, export_design
    from .hdl.export import synthesize

    opts = DesignOptions(rows, cols, unsigned, double_buffered, depth, sparse)
    with _spinner(f"elaborating {design} and writing Verilog"):
        path = export_design(design, out, opts)
    console.print(f"wrote {escape(str(path))}")
    if synth:
        with _spinner("synthesizing with Yosys (about 30 s for the 4x4 TPU)"):
            stats = synthesize(path, path.stem)
        console.print(f"Yosys synth (generic gates, no ABC): {stats['cells']:,} cells, {stats['dffs']:,} DFFs")
        if sparse is not None:
            from .hdl.sparse_tpu import dense_twin_cells

            with _spinner("synthesizing the dense 4x4 TPU to compare"):
                dense = dense_twin_cells()
            console.print(f"dense 4x4 TPU: {dense['cells']:,} cells, {dense['dffs']:,} DFFs; the sparse one has "
                          f"{stats['cells'] / dense['cells']:.2f}x the cells and {stats['dffs'] / dense['dffs']:.2f}x "
                          f"the DFFs, and streams half the steps on 2:4 weights")


@rtl_app.command("lab3", cls=_Command)
@_guarded
def rtl_lab3(
    cases: Annotated[int, _opt("--cases", metavar="N", help="Random cases with M, K, N in [4, 255]")] = 10,
    unsigned: Annotated[bool, _opt("--unsigned", help="uint8 operands, wrapping uint32 sums")] = False,
    rows: Annotated[int, _opt("--rows", metavar="N", help="Array rows (multiple of 4)")] = 4,
    cols: Annotated[int, _opt("--cols", metavar="N", help="Array columns (multiple of 4)")] = 4,
    seed: Annotated[int, _opt("--seed", metavar="N", help="Random seed")] = 0,
):
    """Grade the exported TPU Verilog as the course's Lab 3 does, under Verilator."""
    from rich.table import Table

    from .hdl.course import lab3_cases, run_cases
    from .hdl.designs import check_tpu_size

    check_tpu_size(rows, cols)
    shapes = lab3_cases(np.random.default_rng(seed), cases)
    try:
        with _spinner(f"building the {rows}x{cols} TPU with Verilator and running {len(shapes)} cases"):
            results = run_cases(shapes, not unsigned, seed, rows, cols)
    except ImportError as e:
        raise MlaccelError(f"{e} (the Lab 3 flow needs: pip install 'mlaccel[rtl]')") from None
    t = Table(title=f"Lab 3 on the {rows}x{cols} TPU ({'unsigned' if unsigned else 'signed'})", title_justify="left")
    for col in ("M", "K", "N", "cycles", "model cycles", "result"):
        t.add_column(col, justify="right")
    for r in results:
        ok = r.correct and r.cycles == r.expected_cycles
        t.add_row(str(r.m), str(r.k), str(r.n), f"{r.cycles:,}", f"{r.expected_cycles:,}",
                  "[green]pass[/]" if ok else "[red]FAIL[/]")
    console.print(t)
    passed = sum(r.correct and r.cycles == r.expected_cycles for r in results)
    console.print(f"{passed}/{len(results)} cases pass")
    if passed != len(results):
        raise typer.Exit(2)


def main() -> None:  # pragma: no cover - console entry point
    app()


from . import cli_compress  # noqa: E402,F401 - registers train, quantize, prune, eval, compress report
from . import cli_analog  # noqa: E402,F401 - registers analog isaac, analog sweep
from . import cli_snn  # noqa: E402,F401 - registers snn convert, eval, sweep, train
from . import cli_system  # noqa: E402,F401 - registers roofline, power scaling, chiplet
from . import cli_learn  # noqa: E402,F401 - registers learn backprop-example, gradients, regularization, loss
from . import cli_dse  # noqa: E402,F401 - registers dse run, results list/show/export
from . import cli_area  # noqa: E402,F401 - registers area, rtl area-check
