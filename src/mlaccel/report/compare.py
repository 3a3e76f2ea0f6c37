"""Side-by-side tables of one model on two targets: a sparse array against its dense baseline."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ..stats import Stats
from .tables import _table, fmt_count

__all__ = ["compare_table", "compare_rows"]


def compare_rows(ops: list[Stats], base: list[Stats]) -> list[dict]:
    """Per op: cycles and energy on both targets, speedup, energy saving, densities and metadata.

    Returns
    -------
    list of dict
        Keys ``op``, ``sparse`` (how the op ran), ``weight_density``, ``act_density`` (None when not
        a GEMM), ``base_cycles``, ``cycles``, ``speedup``, ``base_pj``, ``pj``, ``energy_saving``
        (base / this), ``metadata_bytes``.
    """
    rows = []
    for s, b in zip(ops, base):
        rows.append(dict(op=s.op, sparse=s.extra.get("sparse", ""), weight_density=s.extra.get("weight_density"),
                         act_density=s.extra.get("act_density"), base_cycles=b.cycles, cycles=s.cycles,
                         speedup=b.cycles / s.cycles if s.cycles else 1.0, base_pj=b.energy_total_pj,
                         pj=s.energy_total_pj,
                         energy_saving=b.energy_total_pj / s.energy_total_pj if s.energy_total_pj else 1.0,
                         metadata_bytes=s.extra.get("metadata_bytes", 0)))
    return rows


def compare_table(ops: list[Stats], total: Stats, base: list[Stats], base_total: Stats, title: str = "") -> Table:
    """Per op: how it ran, weight/activation density (%), cycles on the baseline (``base``) and on
    this target, speedup, energy saving (baseline energy / this energy) and metadata bytes read;
    totals in the footer."""
    t = _table(title)
    meta = sum(s.extra.get("metadata_bytes", 0) for s in ops)
    cols = [("op", "total", "left"), ("sparse", "", "left"), ("W/A %", "", "right"),
            ("base", fmt_count(base_total.cycles), "right"), ("cycles", fmt_count(total.cycles), "right"),
            ("speedup", f"{base_total.cycles / max(total.cycles, 1):.2f}x", "right"),
            ("energy", f"{base_total.energy_total_pj / max(total.energy_total_pj, 1e-9):.2f}x", "right"),
            ("meta", fmt_count(meta), "right")]
    for header, footer, justify in cols:
        t.add_column(header, footer=footer, justify=justify, no_wrap=True)
    for r in compare_rows(ops, base):
        dens = "" if r["weight_density"] is None else \
            f"{100 * r['weight_density']:.0f}/{100 * r['act_density']:.0f}"
        t.add_row(escape(r["op"]), escape(r["sparse"]), dens, fmt_count(r["base_cycles"]), fmt_count(r["cycles"]),
                  f"{r['speedup']:.2f}x", f"{r['energy_saving']:.2f}x",
                  fmt_count(r["metadata_bytes"]) if r["metadata_bytes"] else "")
    return t
