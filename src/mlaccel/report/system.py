"""Tables of the system-level models: the device catalog, per-op rooflines, scaling and dark silicon,
chiplets, and a design's area and cost table."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from .tables import short_label
from ..units import fmt_si

__all__ = ["catalog_table", "roofline_table", "roofline_summary", "scaling_table", "chiplet_table", "area_table",
           "cost_table"]


def catalog_table(devices: dict, byte_widths: dict) -> Table:
    """One row per device: its lowest precision's dense peak, bandwidth, on-chip memory, power, node."""
    t = Table(title="Device catalog: the lowest precision's dense peak (every number, die areas and sources: "
                    "--list --json)", title_justify="left")
    t.add_column("device", no_wrap=True, min_width=max(len(k) for k in devices))
    for col in ("peak TOPS", "GB/s", "MiB", "W", "nm"):
        t.add_column(col, justify="right")
    for d in devices.values():
        dense = [k for k in d.peak_tops if not k.endswith("sparse")]
        low = min(dense, key=lambda k: byte_widths.get(k, 4), default=None)
        t.add_row(escape(d.key), f"{d.peak_tops[low]:.4g} {low}" if low else "—",
                  *(f"{v:.4g}" if v else "—" for v in (d.bandwidth_gbs, d.onchip_mib, d.tdp_w, d.node_nm)))
    return t


def roofline_table(r, device, precision: str, batch: int, model_name: str) -> Table:
    """Per op: operations, bytes, intensity, attainable performance, the bound that applies, time."""
    t = Table(title=escape(f"{model_name} on {device.name}, {precision}, batch {batch}: peak "
                           f"{fmt_si(device.peak(precision), 'op/s')}, {fmt_si(device.bandwidth(), 'B/s')}, ridge "
                           f"{device.ridge(precision):.0f} op/B"), title_justify="left")
    for col in ("op", "ops", "bytes", "op/B", "attainable", "bound", "time"):
        t.add_column(col, justify="left" if col == "op" else "right")
    for p in r.points:
        t.add_row(escape(short_label(p.load.name)), fmt_si(p.load.ops, ""), fmt_si(p.bytes, "B"), f"{p.intensity:.3g}",
                  fmt_si(p.attainable, "op/s"), p.bound, fmt_si(p.seconds, "s"))
    return t


def roofline_summary(r, device, precision: str) -> str:
    """The totals of a roofline in one line."""
    mem = sum(p.bound == "memory" for p in r.points)
    return (f"total {fmt_si(r.ops, 'op')}, {fmt_si(r.bytes, 'B')} off-chip, {fmt_si(r.seconds, 's')} at the "
            f"roofline: {fmt_si(r.attainable, 'op/s')} ({r.attainable / device.peak(precision):.1%} of peak); "
            f"{mem} of {len(r.points)} ops memory-bound")


def scaling_table(points, from_nm: float) -> Table:
    """Per node: supply, density, energy per operation and power density (Dennard against real), dark share."""
    t = Table(title=f"Scaling from {from_nm:g} nm (= 1): Dennard against post-2005 (Vdd from the node table, "
                    f"clock held)", title_justify="left")
    for col in ("node", "Vdd", "density", "E/op Dennard", "E/op real", "power density real", "dark"):
        t.add_column(col, justify="right")
    for p in points:
        t.add_row(f"{p.nm:g} nm", f"{p.vdd:g} V", f"{p.density:.3g}x", f"{p.energy_dennard:.3g}x",
                  f"{p.energy_real:.3g}x", f"{p.power_density_real:.3g}x", f"{p.dark:.0%}")
    return t


def chiplet_table(c, area: float, chiplets: int, d0: float, model: str) -> Table:
    """The monolithic die against the chiplets: area, yield, dies per wafer, costs."""
    t = Table(title=f"{area:g} mm^2 monolithic against {chiplets} chiplets, D0 {d0:g}/cm^2, {model} yield",
              title_justify="left")
    for col in ("design", "die mm^2", "yield", "dies/wafer", "cost per good die", "silicon cost"):
        t.add_column(col, justify="left" if col == "design" else "right")
    t.add_row("monolithic", f"{c.monolithic.area_mm2:.4g}", f"{c.monolithic.yield_:.1%}", str(c.monolithic.per_wafer),
              f"{c.monolithic.cost:,.0f}", f"{c.monolithic_cost:,.0f}")
    t.add_row(f"{chiplets} chiplets", f"{c.chiplet.area_mm2:.4g}", f"{c.chiplet.yield_:.1%}", str(c.chiplet.per_wafer),
              f"{c.chiplet.cost:,.2f}" if c.chiplet.cost < 100 else f"{c.chiplet.cost:,.0f}",
              f"{c.chiplet_cost:,.0f}")
    return t


def area_table(name: str, a) -> Table:
    """A design's area by component (an :class:`~mlaccel.area.AreaBreakdown`) with each part's share."""
    table = Table(title=escape(f"{name}: {a.total:.4g} mm^2"), title_justify="left")
    table.add_column("component", justify="left")
    table.add_column("mm^2", justify="right")
    table.add_column("share", justify="right")
    for part, mm2 in a.parts.items():
        table.add_row(escape(part), f"{mm2:.4g}", f"{mm2 / a.total:.1%}" if a.total else "-")
    return table


def cost_table(c) -> Table:
    """A design's cost table (:class:`~mlaccel.stats.CostTable`): energy per action, with sources."""
    t = Table(title=escape(f"{c.name}: energy per action"), title_justify="left")
    t.add_column("action", justify="left", no_wrap=True)
    t.add_column("pJ", justify="right", no_wrap=True)
    t.add_column("per", justify="left", no_wrap=True)
    t.add_column("source", justify="left", overflow="fold", style="dim")
    for name, cost in c.actions.items():
        t.add_row(escape(name), f"{cost.pj:.4g}", escape(cost.unit), escape(cost.source))
    return t
