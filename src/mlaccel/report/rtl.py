"""Tables of the RTL flows: the Lab 3 grading run and the systolic area model against Yosys."""

from __future__ import annotations

from rich.table import Table

__all__ = ["lab3_table", "lab3_passed", "area_check_table", "area_check_per_pe"]


def lab3_passed(results) -> int:
    """Cases whose product is right and whose cycle count equals the model's."""
    return sum(r.correct and r.cycles == r.expected_cycles for r in results)


def lab3_table(results, rows: int, cols: int, signed: bool) -> Table:
    """Per case: M, K, N, the RTL's cycles, the model's, and pass or FAIL."""
    t = Table(title=f"Lab 3 on the {rows}x{cols} TPU ({'signed' if signed else 'unsigned'})", title_justify="left")
    for col in ("M", "K", "N", "cycles", "model cycles", "result"):
        t.add_column(col, justify="right")
    for r in results:
        ok = r.correct and r.cycles == r.expected_cycles
        t.add_row(str(r.m), str(r.k), str(r.n), f"{r.cycles:,}", f"{r.expected_cycles:,}",
                  "[green]pass[/]" if ok else "[red]FAIL[/]")
    return t


def area_check_table(checks) -> Table:
    """Per array size: the RTL's and the model's area and flip-flops."""
    t = Table(title="The systolic PE-array area model against Yosys' generic gates of the course TPU (45 nm cells)",
              title_justify="left")
    for col in ("array", "RTL um^2", "model um^2", "model / RTL", "RTL flip-flops", "model flip-flops"):
        t.add_column(col, justify="right")
    for c in checks:
        t.add_row(f"{c.rows}x{c.cols}", f"{c.rtl_um2:,.0f}", f"{c.model_um2:,.0f}", f"{c.ratio:.2f}",
                  f"{c.rtl_dffs:,}", f"{c.model_dffs:,}")
    return t


def area_check_per_pe(checks) -> str | None:
    """Area per PE between the smallest and largest size, RTL against model (None for one size)."""
    if len(checks) < 2:
        return None
    a, b = checks[0], checks[-1]
    pes = b.rows * b.cols - a.rows * a.cols
    return (f"per PE (from {a.rows}x{a.cols} to {b.rows}x{b.cols}): RTL {(b.rtl_um2 - a.rtl_um2) / pes:,.0f} um^2, "
            f"model {(b.model_um2 - a.model_um2) / pes:,.0f} um^2")
