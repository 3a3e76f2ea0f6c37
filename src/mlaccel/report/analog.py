"""Tables of the analog commands: ISAAC rebuilt from its parameters, the ADC power law, and field sweeps."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ..units import fmt_energy

__all__ = ["isaac_table", "adc_law_table", "sweep_table"]


def isaac_table(r, target: str, bits: int) -> Table:
    """Our figures beside ISAAC's published ones (:class:`~mlaccel.hw.analog.isaac.Reconstruction`)."""
    table = Table(title=escape(f"ISAAC rebuilt from {target} ({bits}-bit operands)"), title_justify="left")
    for col in ("figure", "ours", "ISAAC (ISCA 2016)", "difference"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for name, ours, paper in r.rows():
        fmt = (lambda v: f"{100 * v:.1f}%") if "share" in name else (lambda v: f"{v:,.3f}" if v < 10 else f"{v:,.1f}")
        table.add_row(name, fmt(ours), fmt(paper), f"{100 * (ours / paper - 1):+.2f}%")
    return table


def adc_law_table(rows) -> Table:
    """``rows`` of ``(bits, law mW, survey mW)``."""
    law = Table(title="ADC power law (Walden 2^ENOB + fixed share) against MNSIM's survey", title_justify="left")
    for col in ("bits", "law (mW)", "survey (mW)"):
        law.add_column(col, justify="right")
    for b, ours, theirs in rows:
        law.add_row(str(b), f"{ours:.2f}", f"{theirs:g}")
    return law


def sweep_table(s, model_name: str, what: str) -> Table:
    """One row per value of a field sweep: metric (mean and std over draws), energy, ADC share."""
    t = Table(title=escape(f"{model_name} on {s.base}: {what}, {s.points[0].draws} draw(s) per value"),
              title_justify="left")
    cols = [s.parameter] + ([s.metric, "± std"] if s.metric else []) + ["energy/inference", "ADC share"]
    for col in cols:
        t.add_column(col, justify="right")
    for p in s.points:
        metric = [f"{100 * p.mean:.1f}%", f"{100 * p.std:.1f}"] if s.metric else []
        t.add_row(escape(str(p.value)), *metric, fmt_energy(p.energy_pj), f"{100 * p.adc_share:.0f}%")
    return t
