"""``mlaccel demo``: every shipped model against its TFLite-Micro goldens, then a profile of one."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from ..model.zoo import models_dir
from ..report.demo import (NEXT_STEPS, accelerator_rows, accelerator_table, golden_rows, golden_table,
                           kws_story)
from ..report.tables import profile_table
from .common import Bar

__all__ = ["run_demo"]


def run_demo(console: Console) -> dict:
    """Run the tour; returns the per-model figures it printed (for tests)."""
    console.print(Panel.fit(
        "[bold]mlaccel[/] runs real int8 TFLite models with NumPy kernels that are [bold]bit-exact[/] "
        "with TFLite-Micro,\nand reports per-op MACs and memory traffic. "
        f"Models and goldens: [dim]{escape(str(models_dir()))}[/]", title="mlaccel demo"))
    with Bar("running goldens") as progress:
        rows = golden_rows(progress)
    console.print(golden_table(rows))
    ok, n = sum(r.equal for r in rows), sum(r.cases for r in rows)
    console.print(f"[bold]{ok}/{n}[/] golden outputs reproduced bit for bit.\n")
    clip, label, p, res, line = kws_story()
    console.print(f"Keyword spotting on [bold]{escape(clip)}[/]: heard [bold green]'{label}'[/] (p = {p:.2f})")
    console.print(profile_table(res.ops, res.total, res.columns, title="kws per-op profile (reference backend)"))
    console.print(f"[dim]{escape(line)}[/]")
    with Bar("vww on the accelerators") as progress:
        acc = accelerator_rows(progress)
    console.print(accelerator_table(acc))
    console.print("[bold]Next:[/]")
    for cmd, what in NEXT_STEPS:
        console.print(f"  {escape(cmd)}" + (f"  [dim]# {escape(what)}[/]" if what else ""), highlight=False,
                      soft_wrap=True)
    figures = {r.model: {"goldens": (r.equal, r.cases), "ms": r.ms} for r in rows}
    figures["kws_top"] = label
    figures["systolic"] = {target.split(":", 1)[1]: tot.cycles for target, tot, _ in acc}
    return figures
