"""The tour's figures and tables (``mlaccel demo``): every shipped model against its TFLite-Micro
goldens, kws's profile, and vww on every systolic preset and ISAAC's crossbars."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from .. import session
from ..lower import Gemm
from ..model.zoo import LABELS, golden_cases, golden_input, models_dir
from ..targets import family
from ..verify.check import against_goldens, golden_set, same_outputs
from ..units import fmt_count, fmt_energy, fmt_seconds
from .tables import _table

__all__ = ["GoldenRow", "golden_rows", "golden_table", "accelerator_rows", "accelerator_table", "kws_story",
           "NEXT_STEPS", "ACCELERATORS"]

ACCELERATORS = tuple(f"systolic:{p}" for p in family("systolic").presets) + ("analog:isaac",)

# What to try next, one command per line (each fits 80 columns), with what it needs.
NEXT_STEPS = (
    ("mlaccel run vww --target systolic:edge-16x16-os --plot vww.png", ""),
    ("mlaccel prune kws --sparsity 2:4 --out kws_24.tflite", "then:"),
    ("mlaccel run kws_24.tflite --target systolic:sparse-16x16-ws --compare dense", ""),
    ("mlaccel analog sweep kws --adc-bits 5..9", "analog crossbars"),
    ("mlaccel train digits-mlp --out mlp.onnx", "pip install -e '.[train]'"),
    ("mlaccel snn sweep mlp.onnx --data digits", "spiking, on Loihi"),
    ("mlaccel soc run simd4 --model kws --golden", "pip install -e '.[soc]'"),
    ("mlaccel rtl export tpu --out rtl/", "RTL"),
)


@dataclass(frozen=True)
class GoldenRow:
    """One shipped model: ops, MACs, parameter bytes, goldens reproduced of all, ms per inference."""

    model: str
    ops: int
    macs: int
    params: int
    equal: int
    cases: int
    ms: float


def golden_rows(progress=None) -> list[GoldenRow]:
    """Every shipped model's goldens run on the reference kernels (batched, timed after a warm-up)."""
    root = models_dir()
    by_model = defaultdict(list)
    for case in golden_cases(root):
        by_model[case.model].append(case)
    rows = []
    for i, name in enumerate(by_model):
        if progress is not None:
            progress(i, len(by_model), Path(name).stem)
        model = session.load(root / name)
        cases, xs = golden_set(model)
        model.run(xs[:1])  # prepare (and compile loops) outside the timing
        t0 = time.perf_counter()
        res = model.run(xs)
        per_inf = (time.perf_counter() - t0) / len(cases)
        ok = against_goldens(cases, res.outputs[0]).equal
        params = sum(t.nbytes for t in model.graph.tensors if t.is_constant)
        rows.append(GoldenRow(Path(name).stem, len(model.graph.ops), res.total.macs, params, ok, len(cases),
                              per_inf * 1e3))
    if progress is not None:
        progress(len(by_model), len(by_model), "done")
    return rows


def golden_table(rows: list[GoldenRow]) -> Table:
    table = _table("Goldens from CFU Playground / TFLite-Micro, reproduced", footer=False)
    for col in ("model", "ops", "MACs", "params B", "goldens", "ms/inf"):
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    for r in rows:
        table.add_row(escape(r.model), str(r.ops), fmt_count(r.macs), fmt_count(r.params),
                      f"[{'green' if r.equal == r.cases else 'red'}]{r.equal}/{r.cases}[/]", f"{r.ms:.3f}")
    return table


def kws_story():
    """kws on one golden 'yes': the heard label, its probability, the per-op run, and a line on its GEMMs."""
    root = models_dir()
    kws = session.load("kws")
    yes = next(c for c in golden_cases(root) if c.model.endswith("kws_ref_model.tflite") and "yes" in c.input)
    res = kws.run(golden_input(yes, kws.inputs[0], root))
    probs = (res.outputs[0].reshape(-1).astype(float) + 128) / 256
    top = int(probs.argmax())
    items = kws.program.items
    dominant = max(items, key=lambda item: item.macs)
    line = (f"{sum(isinstance(item, Gemm) for item in items)} of {len(items)} ops are GEMMs; the largest is "
            f"{dominant.label}.")
    return Path(yes.input).name, LABELS["kws"][top], float(probs[top]), res, line


def accelerator_rows(progress=None) -> list[tuple]:
    """vww's first golden input on each of :data:`ACCELERATORS`: ``(target, Stats total, same outputs as
    the reference)``."""
    model = session.load("vww")
    cases, xs = golden_set(model)
    x = xs[0]
    ref = model.run(x)
    rows = []
    for i, target in enumerate(ACCELERATORS):
        if progress is not None:
            progress(i, len(ACCELERATORS), target)
        res = model.run(x, target=target)
        rows.append((target, res.total, same_outputs(res, ref)))
    return rows


def accelerator_table(rows: list[tuple]) -> Table:
    t = _table("vww on modeled systolic arrays and analog crossbars", footer=False)
    for col in ("target", "cycles", "stall", "time", "util", "energy", "same"):
        t.add_column(col, justify="left" if col == "target" else "right", no_wrap=True)
    for target, tot, same in rows:
        t.add_row(target, fmt_count(tot.cycles), f"{tot.stall_cycles / tot.cycles:.0%}", fmt_seconds(tot.seconds),
                  f"{tot.utilization:.1%}", fmt_energy(tot.energy_total_pj),
                  "[green]yes[/]" if same else "[red]no[/]")
    return t
