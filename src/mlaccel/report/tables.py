"""Terminal tables (rich) for models and per-op profiles."""

from __future__ import annotations

from rich.table import Table

from ..graph import Graph, Op
from ..stats import Stats
from ..workload import work_of

__all__ = ["model_table", "profile_table", "fmt_count", "fmt_shape"]


def fmt_count(n: float) -> str:
    """``12.5M``, ``640``, ``2.7k``: compact counts for tables."""
    n = float(n)
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"


def fmt_shape(shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def _attrs(op: Op) -> str:
    a = op.attrs
    parts = []
    if "filter_h" in a:
        parts.append(f"{a['filter_h']}x{a['filter_w']}")
    elif op.input(1) is not None and len(op.input(1).shape) == 4:
        w = op.input(1).shape
        parts.append(f"{w[1]}x{w[2]}")
    if "stride_h" in a and (a["stride_h"], a["stride_w"]) != (1, 1):
        parts.append(f"s{a['stride_h']}x{a['stride_w']}")
    if a.get("dilation_h", 1) != 1 or a.get("dilation_w", 1) != 1:
        parts.append(f"d{a['dilation_h']}x{a['dilation_w']}")
    if "padding" in a:
        parts.append(a["padding"])
    if a.get("activation", "NONE") != "NONE":
        parts.append(a["activation"])
    return " ".join(parts)


def model_table(graph: Graph, title: str = "") -> Table:
    """Per-op table: type, shapes, output quantization, MACs and parameters, with totals."""
    t = Table(title=title or graph.name, title_justify="left", show_footer=True)
    t.add_column("#", justify="right")
    t.add_column("op", footer="total", no_wrap=True)
    t.add_column("input", style="dim", no_wrap=True)
    t.add_column("output", no_wrap=True)
    t.add_column("attrs", style="dim")
    t.add_column("out quant", style="dim")
    macs = [work_of(op).macs for op in graph.ops]
    params = [sum(x.nbytes for x in op.inputs if x is not None and x.is_constant) for op in graph.ops]
    t.add_column("MACs", justify="right", footer=fmt_count(sum(macs)))
    t.add_column("params (B)", justify="right", footer=fmt_count(sum(params)))
    for op, m, p in zip(graph.ops, macs, params):
        x = op.input(0)
        out = op.outputs[0]
        t.add_row(str(op.index), op.type, fmt_shape(x.shape) if x is not None else "-",
                  fmt_shape(out.shape), _attrs(op), out.quant.describe() if out.quant else out.dtype.name,
                  fmt_count(m) if m else "", fmt_count(p) if p else "")
    return t


def cpu_table(ops: list[Stats], total: Stats, title: str = "", baseline: list[Stats] | None = None) -> Table:
    """Per-op cycles on a CPU target (TFLM-profiler style): cycles, instructions, CPI and CFU calls,
    with speedups against ``baseline`` when given. Cache misses are in each Stats' ``extra``."""
    t = Table(title=title, title_justify="left", show_footer=True)
    t.add_column("op", footer="total", no_wrap=True)
    if baseline is not None:
        base_total = sum(b.cycles for b in baseline)
        t.add_column("baseline", justify="right", footer=fmt_count(base_total))
    t.add_column("cycles", justify="right", footer=fmt_count(total.cycles))
    if baseline is not None:
        t.add_column("speedup", justify="right", footer=f"{base_total / max(total.cycles, 1):.2f}x")
    instr = sum(s.extra.get("instructions", 0) for s in ops)
    t.add_column("instr", justify="right", footer=fmt_count(instr))
    t.add_column("CPI", justify="right", footer=f"{total.cycles / max(instr, 1):.2f}")
    t.add_column("CFU ops", justify="right", footer=fmt_count(sum(s.extra.get("cfu_ops", 0) for s in ops)))
    for i, s in enumerate(ops):
        row = [s.op]
        if baseline is not None:
            row.append(fmt_count(baseline[i].cycles))
        row.append(fmt_count(s.cycles))
        if baseline is not None:
            row.append(f"{baseline[i].cycles / max(s.cycles, 1):.2f}x")
        row += [fmt_count(s.extra.get("instructions", 0)), f"{s.extra.get('cpi', 0):.2f}",
                fmt_count(s.extra.get("cfu_ops", 0))]
        t.add_row(*row)
    return t


def profile_table(ops: list[Stats], total: Stats, title: str = "") -> Table:
    """Per-op Stats of a run. Untimed targets show bytes moved; timed ones show cycles,
    stalls, utilization, SRAM and DRAM traffic and energy; CPU targets show :func:`cpu_table`."""
    if ops and "instructions" in ops[0].extra:
        return cpu_table(ops, total, title)
    timed = total.cycles > 0
    t = Table(title=title, title_justify="left", show_footer=True)
    t.add_column("op", footer="total", no_wrap=True)
    if not timed:
        t.add_column("output", no_wrap=True)
    t.add_column("MACs", justify="right", footer=fmt_count(total.macs))
    if not timed:
        t.add_column("share", footer="", no_wrap=True)
    if timed:
        sram = lambda s: sum(v for k, v in {**s.reads, **s.writes}.items() if k.endswith("_sram"))  # noqa: E731
        dram = lambda s: s.reads.get("dram", 0) + s.writes.get("dram", 0)  # noqa: E731
        t.add_column("cycles", justify="right", footer=fmt_count(total.cycles))
        t.add_column("stall", justify="right", footer=fmt_count(total.stall_cycles))
        t.add_column("util", justify="right", footer=f"{(total.utilization or 0):.1%}")
        t.add_column("SRAM B", justify="right", footer=fmt_count(sram(total)))
        t.add_column("DRAM B", justify="right", footer=fmt_count(dram(total)))
        t.add_column("uJ", justify="right", footer=f"{total.energy_total_pj / 1e6:.3g}")
    else:
        t.add_column("param B", justify="right", footer=fmt_count(total.param_bytes))
        t.add_column("read B", justify="right", footer=fmt_count(total.reads.get("activations", 0)))
        t.add_column("write B", justify="right", footer=fmt_count(total.writes.get("activations", 0)))
    for s in ops:
        share = s.macs / total.macs if total.macs else 0.0
        bar = "█" * int(round(share * 10)) if share else ""
        if timed:
            row = [s.op, fmt_count(s.macs) if s.macs else ""]
            row += [fmt_count(s.cycles), fmt_count(s.stall_cycles) if s.stall_cycles else "",
                    f"{s.utilization:.0%}" if s.macs else "-", fmt_count(sram(s)), fmt_count(dram(s)),
                    f"{s.energy_total_pj / 1e6:.3g}"]
        else:
            row = [s.op, fmt_shape(s.output_shape), fmt_count(s.macs) if s.macs else "",
                   f"[cyan]{bar}[/] {share:.0%}" if share else ""]
            row += [fmt_count(s.param_bytes) if s.param_bytes else "",
                    fmt_count(s.reads.get("activations", 0)), fmt_count(s.writes.get("activations", 0))]
        t.add_row(*row)
    return t
