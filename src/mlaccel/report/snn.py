"""Tables of the spiking commands: a conversion, a network's run on a chip, and a time-step sweep."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from .tables import short_label
from ..units import fmt_count, fmt_energy, fmt_seconds

__all__ = ["conversion_table", "chip_table", "chip_summary", "snn_sweep_table", "snn_sweep_verdict"]


def conversion_table(net, model_name: str, percentile: float, samples: int) -> Table:
    """Per spiking layer of a converted network: neurons, scale (lambda) and readout."""
    t = Table(title=escape(f"{model_name} as an SNN: IF neurons, reset by subtraction, {percentile:g}th-percentile "
                           f"scales from {samples} samples"), title_justify="left")
    for col in ("layer", "neurons", "scale", "readout"):
        t.add_column(col, justify="left" if col == "layer" else "right")
    for op in net.ops:
        if op.index in net.neurons or op.index == net.output_op:
            kind = net.readout if op.index == net.output_op else net.neurons[op.index].kind.upper()
            t.add_row(escape(op.label), fmt_count(op.outputs[0].size), f"{net.scales[op.index]:.3g}", kind)
    return t


def chip_table(cost, title: str) -> Table:
    """Per layer on a chip (:class:`~mlaccel.hw.neuromorphic.ChipCost`): neurons, fan-in, cores, events,
    synaptic ops, spikes, hops and energy."""
    table = Table(title=escape(title), title_justify="left")
    for col in ("layer", "neurons", "fan-in", "cores", "events", "synops", "spikes", "hops", "energy"):
        table.add_column(col, justify="left" if col == "layer" else "right")
    for c in cost.layers:
        lay = c.layer
        table.add_row(escape(short_label(lay.name)), fmt_count(lay.neurons), str(lay.fan_in), str(c.cores),
                      f"{lay.events:,.0f}", f"{lay.synops:,.0f}", f"{lay.spikes:,.0f}", f"{c.hops:,.0f}",
                      fmt_energy(c.total_pj))
    return table


def chip_summary(cost, accuracy: float, ann) -> str:
    """Accuracy and the per-inference totals on the chip, then the same network as an int8 ANN."""
    parts = ", ".join(f"{k} {fmt_energy(v)}" for k, v in cost.energy_pj.items() if v)
    return (f"accuracy {100 * accuracy:.1f}%; per inference {cost.spikes:,.0f} spikes, {cost.synops:,.0f} synaptic "
            f"ops, {fmt_energy(cost.total_pj)} ({parts}), {fmt_seconds(cost.latency_s)} on {cost.cores} core(s)\n"
            f"the same network as an int8 ANN on {ann.target}: {fmt_energy(ann.energy_pj)}, "
            f"{fmt_seconds(ann.seconds)} per inference; the SNN takes {cost.total_pj / ann.energy_pj:.2g}x that "
            f"energy (snn sweep finds the T that matches the ANN's accuracy)")


def snn_sweep_table(s, title: str) -> Table:
    """Per T: accuracy, spikes, synaptic ops and energy on each chip."""
    t = Table(title=escape(title), title_justify="left")
    for col in ("T", "accuracy", "spikes", "synops", *(c.split(":")[-1] for c in s.chips)):
        t.add_column(col, justify="right")
    for p in s.points:
        t.add_row(str(p.timesteps), f"{100 * p.accuracy:.1f}%", fmt_count(p.spikes), fmt_count(p.synops),
                  *(fmt_energy(p.energy_pj[c]) for c in s.chips))
    return t


def snn_sweep_verdict(s, steps) -> str:
    """Which T first reaches the ANN's accuracy, and the energy ratio there."""
    m = s.matching()
    if s.ann_accuracy is None:
        return ""
    if m is None:
        return (f"no T in {list(steps)} comes within {100 * s.tolerance:g} point of the ANN's "
                f"{100 * s.ann_accuracy:.1f}%; try longer runs")
    ratios = ", ".join(f"{c} {m.energy_pj[c] / s.ann.energy_pj:.2g}x" for c in s.chips)
    return (f"T = {m.timesteps} reaches the ANN within {100 * s.tolerance:g} point ({100 * m.accuracy:.1f}%); there "
            f"the SNN's energy is {ratios} the ANN's {fmt_energy(s.ann.energy_pj)} on {s.ann.target} (below 1x, spikes "
            f"pay)")
