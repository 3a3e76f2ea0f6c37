"""The ``mlaccel`` command line: a thin shell over the Python API.

Subcommands are a stable contract that later backends extend with targets, not new verbs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console

from . import session
from .errors import MlaccelError
from .report.tables import fmt_shape, model_table, profile_table
from .samples import read_input_file, resolve_model

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="mlaccel: run real int8 models on modeled accelerators, bit-exact, with costs.")
console = Console()
err_console = Console(stderr=True)

ModelArg = Annotated[str, typer.Argument(help="A .tflite file, or a shipped model's short name (kws, vww, ic, ...)")]


def _fail(e: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {e}")
    raise typer.Exit(1)


@app.command()
def info(model: ModelArg):
    """Show a model's ops: shapes, quantization, MACs and parameters."""
    try:
        m = session.load(resolve_model(model))
    except MlaccelError as e:
        _fail(e)
    g = m.graph
    console.print(model_table(g, title=f"{Path(g.name).name}  ({len(g.ops)} ops)"))
    for kind, ts in (("input", g.inputs), ("output", g.outputs)):
        for t in ts:
            q = t.quant.describe() if t.quant else "float"
            console.print(f"{kind} '{t.name}': {fmt_shape(t.shape)} {t.dtype.name}, {q}")


def _inputs(m: session.Model, files: list[Path], uint8_shift: bool) -> tuple[list[np.ndarray], str]:
    if files:
        if len(files) != len(m.inputs):
            raise MlaccelError(f"The model has {len(m.inputs)} input(s) but {len(files)} --input file(s) were given")
        return [read_input_file(f, t, uint8_shift) for f, t in zip(files, m.inputs)], ""
    rng = np.random.default_rng(0)
    xs = []
    for t in m.inputs:
        if t.dtype == np.float32:
            xs.append(rng.normal(0, 1, t.shape).astype(np.float32))
        else:
            info = np.iinfo(t.dtype)
            xs.append(rng.integers(info.min, info.max + 1, t.shape).astype(t.dtype))
    return xs, "no --input given: using random inputs (seed 0)"


def _print_output(t, y: np.ndarray) -> None:
    console.print(f"[bold]output '{t.name}'[/] {fmt_shape(y.shape)} {y.dtype.name}")
    flat = y.reshape(-1)
    with np.printoptions(threshold=64, edgeitems=8, linewidth=110):
        console.print(np.array2string(y), highlight=False)
    if t.quant is not None and y.dtype != np.float32:
        real = (y.astype(np.float64) - t.quant.zp) * t.quant.s
        with np.printoptions(precision=4, suppress=True, threshold=64, edgeitems=8, linewidth=110):
            console.print(f"[dim]dequantized:[/] {np.array2string(real)}", highlight=False)
    if 1 < t.shape[-1] <= 1000 and flat.size == t.size:
        console.print(f"argmax: [bold green]{int(np.argmax(flat))}[/]")


@app.command()
def run(
    model: ModelArg,
    input: Annotated[Optional[list[Path]], typer.Option("--input", "-i", help="Input file (.npy, or raw bytes of the input dtype); repeat per input")] = None,
    target: Annotated[str, typer.Option(help="Backend to run on")] = "reference",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: outputs, ops, total")] = False,
    uint8_shift: Annotated[bool, typer.Option("--uint8-shift", help="Raw files are uint8; subtract 128 (CFU Playground images)")] = False,
    check: Annotated[bool, typer.Option(help="Also run TFLite-Micro and compare outputs bit for bit")] = False,
    plot: Annotated[Optional[Path], typer.Option(help="Write a per-layer PNG of cycles and utilization (timed targets)")] = None,
):
    """Run a model and print its outputs and per-op profile."""
    try:
        m = session.load(resolve_model(model))
        xs, note = _inputs(m, input or [], uint8_shift)
        res = m.run(*xs, target=target)
        exact = _check(m, xs, res) if check else None
    except MlaccelError as e:
        _fail(e)
    if as_json:
        doc = {"model": m.graph.name, "target": res.target, "batch": res.batch,
               "outputs": [y.tolist() for y in res.outputs],
               "ops": [s.to_dict() for s in res.ops], "total": res.total.to_dict()}
        if exact is not None:
            doc["bit_exact_with_tflm"] = exact
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
        return
    if plot is not None:
        if res.total.cycles == 0:
            _fail(MlaccelError(f"--plot needs a timed target; '{res.target}' models no cycles"))
        from .report.plots import layer_plot

        layer_plot(res.ops, plot, title=f"{Path(m.graph.name).name} on {res.target}")
    if note:
        console.print(f"[yellow]{note}[/]")
    for t, y in zip(m.outputs, res.outputs):
        _print_output(t, y)
    console.print(profile_table(res.ops, res.total, title=f"{Path(m.graph.name).name} on '{res.target}'"
                                f" (batch {res.batch}, {res.seconds * 1e3:.2f} ms)"))
    if res.total.cycles and res.total.utilization is not None:
        clock = getattr(res_config(res, target), "clock_mhz", None)
        t_us = f", {res.total.cycles / clock:.1f} us at {clock:g} MHz" if clock else ""
        console.print(f"{res.total.cycles:,} cycles ({res.total.stall_cycles:,} stalled){t_us}, "
                      f"utilization {res.total.utilization:.1%}, {res.total.energy_total_pj / 1e6:.3g} uJ")
    if plot is not None:
        console.print(f"wrote {plot}")
    if exact is not None:
        console.print("[bold green]bit-exact with TFLite-Micro[/]" if exact else
                      "[bold red]outputs differ from TFLite-Micro[/]")
        if not exact:
            raise typer.Exit(2)


def res_config(res: session.Result, target: str):
    """The config of the backend a timed run used."""
    from .hw.systolic import PRESETS, load_config

    name = target.split(":", 1)[1] if target.startswith("systolic:") else None
    return PRESETS[name] if name else load_config(target)


def _check(m: session.Model, xs: list[np.ndarray], res: session.Result) -> bool:
    from .oracle import tflm_interpreter, tflm_run

    interp = tflm_interpreter(m.graph.name)
    batched = res.batch > 1 or xs[0].shape != m.inputs[0].shape
    for i in range(res.batch):
        sample = [x[i].reshape(t.shape) if batched else x for x, t in zip(xs, m.inputs)]
        theirs = tflm_run(m.graph.name, *sample, n_outputs=len(m.outputs), interpreter=interp)
        for ours, ref in zip(res.outputs, theirs):
            mine = ours[i] if batched else ours
            if not np.array_equal(mine.reshape(-1).view(np.uint8), ref.reshape(-1).view(np.uint8)):
                return False
    return True


@app.command()
def scalesim(
    config: Annotated[Path, typer.Option("--config", "-c", help="SCALE-Sim .cfg file")],
    topology: Annotated[Path, typer.Option("--topology", "-t", help="SCALE-Sim topology .csv (conv or GEMM form)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for COMPUTE_REPORT.csv")],
    gemm: Annotated[Optional[bool], typer.Option("--gemm/--conv", help="Topology form (default: from its header)")] = None,
):
    """Reproduce SCALE-Sim 3.0.0's COMPUTE_REPORT.csv (its compute cycles, exactly) in milliseconds."""
    import time

    from rich.table import Table

    from .hw.systolic.scalesim import compute_report, read_scalesim_config, read_topology, write_compute_report

    try:
        t0 = time.perf_counter()
        cfg = read_scalesim_config(config)
        layers = read_topology(topology, gemm)
        path = write_compute_report(layers, cfg, out)
        rows = compute_report(layers, cfg)
        dt = time.perf_counter() - t0
    except MlaccelError as e:
        _fail(e)
    t = Table(title=f"{cfg.rows}x{cfg.cols} {cfg.dataflow.upper()}, {len(layers)} layers", title_justify="left")
    for col in ("layer", "Total Cycles", "Overall Util %", "Mapping Eff %", "Compute Util %"):
        t.add_column(col, justify="right" if col != "layer" else "left")
    for layer, row in zip(layers, rows):
        t.add_row(layer.name, f"{row[2]:,}", f"{row[4]:.1f}", f"{row[5]:.1f}", f"{row[6]:.1f}")
    console.print(t)
    console.print(f"total {sum(r[2] for r in rows):,} cycles; wrote {path} in {dt * 1e3:.1f} ms")


@app.command()
def demo():
    """A short tour on the shipped models: goldens, bit-exactness, speed, per-op profile."""
    from .demo import run_demo

    try:
        run_demo(console)
    except MlaccelError as e:
        _fail(e)


soc_app = typer.Typer(no_args_is_help=True, help="CFU Playground in software: CFU projects on a simulated RISC-V SoC.")
app.add_typer(soc_app, name="soc")


@soc_app.command("new")
def soc_new(name: Annotated[str, typer.Argument(help="Folder to create")]):
    """Create a CFU project: cfu.py (a template CFU) and src/ (C kernel overrides)."""
    from .hw.soc.project import new_project

    try:
        proj = new_project(name)
    except MlaccelError as e:
        _fail(e)
    console.print(f"created {proj.path}/cfu.py and {proj.path}/src/overrides.c\n"
                  f"next: mlaccel soc run {name} --model kws --golden")


@soc_app.command("run")
def soc_run(
    name: Annotated[str, typer.Argument(help="Project folder, or an example: simd4, systolic, baseline")],
    model: Annotated[str, typer.Option("--model", "-m", help="A .tflite file or a shipped model's short name")],
    input: Annotated[Optional[list[Path]], typer.Option("--input", "-i", help="Input file(s); default random")] = None,
    golden: Annotated[bool, typer.Option(help="Run the model's golden inputs and check them bit for bit")] = False,
    uint8_shift: Annotated[bool, typer.Option("--uint8-shift", help="Raw files are uint8; subtract 128")] = False,
):
    """Build the project, run a model on it and on the baseline SoC, and print per-op speedups."""
    from .report.tables import cpu_table
    from .samples import golden_cases, golden_input, models_dir

    try:
        path = resolve_model(model)
        m = session.load(path)
        cases = []
        if golden:
            root = models_dir()
            cases = [c for c in golden_cases(root) if (root / c.model).resolve() == path.resolve()]
            if not cases:
                raise MlaccelError(f"No golden cases for '{model}' in goldens.json")
            xs = [np.stack([golden_input(c, m.inputs[0], root) for c in cases])]
        else:
            xs, note = _inputs(m, input or [], uint8_shift)
            if note:
                console.print(f"[yellow]{note}[/]")
        target = "soc:baseline" if name == "baseline" else f"soc:{name}"
        with console.status(f"building and running on {target}"):
            res = m.run(*xs, target=target)
        with console.status("running the baseline SoC"):
            base = m.run(*xs, target="soc:baseline") if name != "baseline" else res
        ref = m.run(*xs)
    except MlaccelError as e:
        _fail(e)
    console.print(cpu_table(res.ops, res.total, title=f"{Path(m.graph.name).name} on {target} (per inference)",
                            baseline=base.ops if name != "baseline" else None))
    clock = 100.0
    console.print(f"{res.total.cycles:,} cycles = {res.total.cycles / clock / 1e3:.2f} ms at {clock:g} MHz; "
                  f"speedup over baseline {base.total.cycles / res.total.cycles:.2f}x")
    same = all(np.array_equal(a, b) for a, b in zip(res.outputs, ref.outputs))
    console.print("[green]outputs bit-exact with the reference kernels[/]" if same else
                  "[bold red]outputs differ from the reference kernels[/]")
    if cases:
        ok = sum(np.array_equal(y.reshape(-1), np.array(c.tflm_output, dtype=y.dtype))
                 for y, c in zip(res.outputs[0], cases))
        console.print(f"goldens: [{'green' if ok == len(cases) else 'red'}]{ok}/{len(cases)}[/] bit-exact")
        same = same and ok == len(cases)
    if not same:
        raise typer.Exit(2)


@soc_app.command("check")
def soc_check(name: Annotated[str, typer.Argument(help="Project folder or example name")]):
    """Build the project's firmware and test its CFU's op against its compiled jit_op twin."""
    from .hw.soc.cfu import check_twins, random_ops
    from .hw.soc.project import find_project
    from .hw.soc.runner import KERNEL_SOURCES
    from .hw.soc.toolchain import FIRMWARE_DIR, build_firmware

    try:
        proj = find_project(name)
        cfg = proj.config()
        build_firmware([FIRMWARE_DIR / s for s in KERNEL_SOURCES] + list(cfg.c_sources),
                       [FIRMWARE_DIR, *cfg.include_dirs], name=proj.name)
        n = check_twins(cfg.cfu, random_ops(np.random.default_rng(0), 5000, list(range(8))))
    except MlaccelError as e:
        _fail(e)
    console.print(f"{proj.name}: firmware builds; "
                  + (f"op and jit_op agree on {n} random operations" if n else "no jit_op to check"))


rtl_app = typer.Typer(no_args_is_help=True, help="RTL: export the Amaranth designs as Verilog.")
app.add_typer(rtl_app, name="rtl")


@rtl_app.command("export")
def rtl_export(
    design: Annotated[str, typer.Argument(help="simd4, tpu or tpu-cfu")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder")],
    rows: Annotated[int, typer.Option(help="TPU array rows")] = 4,
    cols: Annotated[int, typer.Option(help="TPU array columns")] = 4,
    unsigned: Annotated[bool, typer.Option("--unsigned", help="TPU: uint8 operands, wrapping uint32 sums")] = False,
    double_buffered: Annotated[bool, typer.Option("--double-buffered", help="tpu-cfu: two A/B banks")] = False,
    depth: Annotated[int, typer.Option(help="tpu-cfu: largest K its A/B buffers hold")] = 512,
    synth: Annotated[bool, typer.Option(help="Also synthesize with Yosys and print cell and DFF counts")] = True,
):
    """Write plain Verilog of a design (and report its Yosys resource counts)."""
    from .hdl.export import synthesize, to_verilog

    try:
        if design == "simd4":
            from .hdl.simd4 import Simd4Cfu

            core, name, clock = Simd4Cfu(), "Cfu", {}
        elif design == "tpu":
            from .hdl.tpu import TPU

            core, name = TPU(not unsigned, rows, cols), "TPU"
            clock = dict(clk="clk", rst="rst_n", active_low=True, async_reset=True)
        elif design == "tpu-cfu":
            from .hdl.tpu_cfu import TpuCfu

            if (rows, cols) != (4, 4):
                raise MlaccelError(f"--rows/--cols {rows}x{cols}: the TPU-CFU RTL is 4x4, the size of the "
                                   f"systolic project's CFU protocol (4 packed rows per WRITE_A)")
            if not 1 <= depth <= 65536:
                raise MlaccelError(f"--depth {depth} must be in 1..65536")
            core, name, clock = TpuCfu(depth, double_buffered), "Cfu", {}
        else:
            raise MlaccelError(f"Unknown design '{design}'; designs: simd4, tpu, tpu-cfu")
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.v"
        if path.exists():
            raise MlaccelError(f"'{path}' already exists; choose another --out folder or remove it")
        path.write_text(to_verilog(core, name, core.ports, **clock))
        console.print(f"wrote {path}")
        if synth:
            stats = synthesize(path, name)
            console.print(f"Yosys synth (generic gates, no ABC): {stats['cells']:,} cells, {stats['dffs']:,} DFFs")
    except MlaccelError as e:
        _fail(e)


@rtl_app.command("lab3")
def rtl_lab3(
    cases: Annotated[int, typer.Option(help="Random cases with M, K, N in [4, 255]")] = 10,
    unsigned: Annotated[bool, typer.Option("--unsigned", help="uint8 operands, wrapping uint32 sums")] = False,
    rows: Annotated[int, typer.Option(help="Array rows (multiple of 4)")] = 4,
    cols: Annotated[int, typer.Option(help="Array columns (multiple of 4)")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
):
    """Grade the exported TPU Verilog as the course's Lab 3 does, under Verilator."""
    from rich.table import Table

    from .hdl.course import lab3_cases, run_cases

    try:
        with console.status("building the TPU with Verilator and running the cases"):
            results = run_cases(lab3_cases(np.random.default_rng(seed), cases), not unsigned, seed, rows, cols)
    except (MlaccelError, ImportError) as e:
        _fail(MlaccelError(f"{e} (the Lab 3 flow needs: pip install 'mlaccel[rtl]')")
              if isinstance(e, ImportError) else e)
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
