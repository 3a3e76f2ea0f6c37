"""The ``mlaccel snn`` commands: convert, eval, sweep and train spiking networks, priced on neuromorphic chips."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from .cli import ForceOpt, _check_output, _check_plot, _Command, _guarded, _opt, _Progress, _typer, app, console
from .data import load_dataset
from .errors import InputError
from .report.tables import fmt_count
from .report.tables import short_label as _short

snn_app = _typer("Spiking networks: convert a float ReLU model (snn convert), train one (snn train), evaluate it "
                 "with its energy on a neuromorphic chip (snn eval), and sweep the time steps (snn sweep).")
app.add_typer(snn_app, name="snn")

DataOpt = Annotated[str, _opt("--data", metavar="DATA", help="Labeled data: digits (its test split), a .npz with "
                              "x and y, or an image folder")]
LimitOpt = Annotated[Optional[int], _opt("--limit", metavar="N", help="Only the first N samples of --data")]
JsonOpt = Annotated[bool, _opt("--json", help="Print the result as JSON")]
ModelOpt = Annotated[Path, typer.Argument(help="A float .onnx model with ReLU activations", metavar="MODEL")]
PercentileOpt = Annotated[float, _opt("--percentile", metavar="P", help="Activation percentile that sets each "
                                      "layer's scale (100: the maximum)")]
CalibOpt = Annotated[str, _opt("--calib", metavar="DATA", help="Calibration data: a dataset (digits: its training "
                               "split) or a .npy/.npz of float inputs in the model's own layout")]
AnnTargetOpt = Annotated[str, _opt("--ann-target", metavar="TARGET", help="Digital target for the same network as "
                                   "an int8 ANN")]


def _timesteps(t: int) -> int:
    if t <= 0:
        raise InputError(f"--timesteps must be a positive integer, got {t}")
    return t


def _converted(model: Path, calib: str, percentile: float):
    """The float graph, its calibration samples, and the converted network."""
    from .compress.flows import calibration_samples, from_onnx
    from .snn import convert

    if model.suffix.lower() != ".onnx":
        raise InputError(f"snn takes a float .onnx model, got '{model}'")
    if not model.is_file():
        raise InputError(f"No such model file: '{model}'")
    graph = from_onnx(model)
    x = calibration_samples(calib, graph)
    return graph, x, convert(graph, x, percentile)


@snn_app.command("convert", cls=_Command)
@_guarded
def convert_cmd(model: ModelOpt, calib: CalibOpt,
                out: Annotated[Path, _opt("--out", "-o", metavar="NET.nir", help="The NIR file to write")],
                timesteps: Annotated[int, _opt("--timesteps", "-T", metavar="T", help="Time steps the network is "
                                               "meant to run (the default of snn eval)")] = 32,
                percentile: PercentileOpt = 99.9, force: ForceOpt = False):
    """Convert a float ReLU network to integrate-and-fire neurons and write it as NIR."""
    from dataclasses import replace

    from .snn.nir_io import write_nir

    _timesteps(timesteps)
    _check_output(out, "--out", [".nir"], force)
    graph, x, net = _converted(model, calib, percentile)
    net = replace(net, timesteps=timesteps, source=model.stem)
    tmp = out.with_name(f".{out.name}.part")
    write_nir(net, tmp)
    os.replace(tmp, out)
    t = Table(title=escape(f"{model.name} as an SNN: IF neurons, reset by subtraction, {percentile:g}th-percentile "
                           f"scales from {len(x)} samples"), title_justify="left")
    for col in ("layer", "neurons", "scale", "readout"):
        t.add_column(col, justify="left" if col == "layer" else "right")
    for op in net.ops:
        if op.index in net.neurons or op.index == net.output_op:
            kind = net.readout if op.index == net.output_op else net.neurons[op.index].kind.upper()
            t.add_row(escape(op.label), fmt_count(op.outputs[0].size), f"{net.scales[op.index]:.3g}", kind)
    console.print(t)
    console.print(escape(f"wrote {out} (NIR, T = {timesteps}, {out.stat().st_size:,} bytes)"), highlight=False)


def _load_net(path: Path):
    from .snn.nir_io import read_nir

    if path.suffix.lower() != ".nir":
        raise InputError(f"snn eval takes a .nir network (from snn convert or snn train), got '{path}'")
    return read_nir(path)


@snn_app.command("eval", cls=_Command)
@_guarded
def eval_cmd(net_file: Annotated[Path, typer.Argument(help="A .nir network", metavar="NET.nir")], data: DataOpt,
             timesteps: Annotated[Optional[int], _opt("--timesteps", "-T", metavar="T", help="Time steps (default: "
                                                      "the network's own)")] = None,
             target: Annotated[str, _opt("--target", "-t", metavar="TARGET", help="A neuromorphic chip: "
                                         "neuromorphic:loihi, neuromorphic:truenorth or a config file")]
             = "neuromorphic:loihi",
             encoder: Annotated[str, _opt("--encoder", metavar="KIND", help="Input coding: direct, rate or ttfs")]
             = "direct",
             ann_target: AnnTargetOpt = "systolic:edge-16x16-os", limit: LimitOpt = None, as_json: JsonOpt = False):
    """Accuracy, spikes, synaptic operations, cores, latency and energy of a NIR network on a chip."""
    import numpy as np

    from .snn import simulate
    from .snn.energy import ann_cost, snn_cost
    from .snn.simulation import samples_for

    net = _load_net(net_file)
    t = _timesteps(timesteps) if timesteps is not None else net.timesteps
    if t is None:
        raise InputError(f"'{net_file}' does not say how many time steps it runs; give --timesteps")
    ds = load_dataset(data).take(limit)
    x = samples_for(net, ds.x)
    with _Progress(f"simulating {len(ds)} samples for {t} steps", delay=0.5):
        res = simulate(net, x, t, encoder)
    acc = float(np.mean(res.predictions() == ds.y))
    cost = snn_cost(net, res, target)
    ann = ann_cost(net.graph, x[:300], ann_target)
    if as_json:
        print(json.dumps({"network": str(net_file), "data": ds.name, "samples": len(ds), "timesteps": t,
                          "encoder": encoder, "accuracy": acc, "spikes": res.total_spikes(),
                          "synops": res.total_synops(), "chip": cost.as_dict(), "ann": ann.as_dict()}))
        return
    table = Table(title=escape(f"{net_file.name} on {cost.chip}: T = {t}, {encoder} coding, {len(ds)} samples of "
                               f"{ds.name}"), title_justify="left")
    for col in ("layer", "neurons", "fan-in", "cores", "events", "synops", "spikes", "hops", "nJ"):
        table.add_column(col, justify="left" if col == "layer" else "right")
    for c in cost.layers:
        lay = c.layer
        table.add_row(escape(_short(lay.name)), fmt_count(lay.neurons), str(lay.fan_in), str(c.cores),
                      f"{lay.events:,.0f}", f"{lay.synops:,.0f}", f"{lay.spikes:,.0f}", f"{c.hops:,.0f}",
                      f"{c.total_pj / 1e3:,.1f}")
    console.print(table)
    parts = ", ".join(f"{k} {v / 1e3:,.1f} nJ" for k, v in cost.energy_pj.items() if v)
    console.print(escape(f"accuracy {100 * acc:.1f}%; per inference {res.total_spikes():,.0f} spikes, "
                         f"{res.total_synops():,.0f} synaptic ops, {cost.total_pj / 1e6:.3g} uJ ({parts}), "
                         f"{cost.latency_s * 1e6:,.1f} us on {cost.cores} core(s)"), highlight=False)
    console.print(escape(f"the same network as an int8 ANN on {ann.target}: {ann.energy_pj / 1e6:.3g} uJ, "
                         f"{ann.seconds * 1e6:,.2f} us per inference; the SNN takes "
                         f"{cost.total_pj / ann.energy_pj:.2g}x that energy (snn sweep finds the T that matches the "
                         f"ANN's accuracy)"), highlight=False)


@snn_app.command("sweep", cls=_Command)
@_guarded
def sweep_cmd(model: ModelOpt, data: DataOpt,
              timesteps: Annotated[str, _opt("--timesteps", "-T", metavar="LIST", help="Time steps, e.g. "
                                             "4,8,16,32,64")] = "4,8,16,32,64",
              calib: Annotated[str, _opt("--calib", metavar="DATA", help="Calibration data (default: the training "
                                         "split of --data)")] = "",
              chips: Annotated[str, _opt("--chips", metavar="LIST", help="Neuromorphic targets, comma-separated")]
              = "neuromorphic:loihi,neuromorphic:truenorth",
              ann_target: AnnTargetOpt = "systolic:edge-16x16-os", percentile: PercentileOpt = 99.9,
              limit: LimitOpt = None,
              plot: Annotated[Optional[Path], _opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, "
                                                   ".pdf)")] = None,
              as_json: JsonOpt = False, force: ForceOpt = False):
    """Accuracy and energy against time steps, beside the same network as an int8 ANN: when do spikes pay?"""
    from .verify.accuracy import evaluate
    from .session import Model
    from .snn.sweep import parse_timesteps, snn_sweep, snn_sweep_plot

    steps = parse_timesteps(timesteps)
    if plot is not None:
        _check_plot(plot, force)
    graph, x, net = _converted(model, calib or data, percentile)
    ds = load_dataset(data).take(limit)
    ann_acc = evaluate(Model(graph), ds).accuracy
    chip_list = tuple(c.strip() for c in chips.split(",") if c.strip())
    with _Progress(f"simulating {len(ds)} samples for {steps[-1]} steps", delay=0.5):
        s = snn_sweep(net, ds, steps, chip_list, ann_graph=graph, ann_accuracy=ann_acc, calib=x,
                      ann_target=ann_target)
    if plot is not None:
        snn_sweep_plot(s, plot, title=f"{model.name} on {ds.name}: when do spikes pay?")
    if as_json:
        print(json.dumps(s.as_dict()))
        return
    t = Table(title=escape(f"{model.name} as an SNN on {ds.name} ({len(ds)} samples); ANN {100 * ann_acc:.1f}%, "
                           f"{s.ann.energy_pj / 1e6:.3g} uJ as int8 on {s.ann.target}"), title_justify="left")
    for col in ("T", "accuracy", "spikes", "synops", *(f"uJ {c.split(':')[-1]}" for c in s.chips)):
        t.add_column(col, justify="right")
    for p in s.points:
        t.add_row(str(p.timesteps), f"{100 * p.accuracy:.1f}%", f"{p.spikes:,.0f}", f"{p.synops:,.0f}",
                  *(f"{p.energy_pj[c] / 1e6:.3g}" for c in s.chips))
    console.print(t)
    m = s.matching()
    if m is None:
        console.print(escape(f"no T in {steps} comes within 1 point of the ANN's {100 * ann_acc:.1f}%; try longer "
                             f"runs"), highlight=False)
    else:
        ratios = ", ".join(f"{c} {m.energy_pj[c] / s.ann.energy_pj:.2g}x" for c in s.chips)
        console.print(escape(f"T = {m.timesteps} reaches the ANN within 1 point ({100 * m.accuracy:.1f}%); there the "
                             f"SNN's energy is {ratios} the ANN's {s.ann.energy_pj / 1e6:.3g} uJ on {s.ann.target} "
                             f"(below 1x, spikes pay)"), highlight=False)
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}")


@snn_app.command("train", cls=_Command)
@_guarded
def train_cmd(out: Annotated[Path, _opt("--out", "-o", metavar="NET.nir", help="The NIR file to write")],
              data: Annotated[str, _opt("--data", metavar="DATA", help="Training data (digits: its training split)")]
              = "digits",
              hidden: Annotated[str, _opt("--hidden", metavar="LIST", help="Hidden layer widths, e.g. 128 or 256,128")]
              = "128",
              timesteps: Annotated[int, _opt("--timesteps", "-T", metavar="T", help="Time steps")] = 8,
              epochs: Annotated[int, _opt("--epochs", metavar="N", help="Training epochs")] = 20,
              surrogate: Annotated[str, _opt("--surrogate", metavar="KIND", help="fast-sigmoid or arctan")]
              = "fast-sigmoid",
              beta: Annotated[float, _opt("--beta", metavar="B", help="LIF membrane decay per step")] = 0.9,
              seed: Annotated[int, _opt("--seed", metavar="N", help="Random seed")] = 0,
              force: ForceOpt = False):
    """Train a spiking MLP of LIF neurons with surrogate gradients (PyTorch) and write it as NIR."""
    import numpy as np

    from .snn import Neuron, simulate
    from .snn.nir_io import write_nir
    from .snn.train import TrainConfig, train_snn

    _timesteps(timesteps)
    _check_output(out, "--out", [".nir"], force)
    try:
        widths = tuple(int(h) for h in hidden.split(","))
    except ValueError:
        raise InputError(f"--hidden takes widths such as 128 or 256,128; got {hidden!r}") from None
    cfg = TrainConfig(hidden=widths, timesteps=timesteps, epochs=epochs, surrogate=surrogate, seed=seed,
                      neuron=Neuron(kind="lif", beta=beta))
    train_set = load_dataset(data, split="train")
    with _Progress(f"training an SNN on {train_set.name}", delay=0.2) as progress:
        net = train_snn(train_set, cfg, progress=lambda e, n: progress(e, n, f"epoch {e}"))
    from dataclasses import replace

    net = replace(net, timesteps=timesteps)
    test = load_dataset(data)
    acc = float(np.mean(simulate(net, test.x).predictions() == test.y))
    tmp = out.with_name(f".{out.name}.part")
    write_nir(net, tmp)
    os.replace(tmp, out)
    console.print(escape(f"wrote {out}: {net.source}, LIF beta {beta:g}, T = {timesteps}; accuracy {100 * acc:.1f}% "
                         f"on {test.name}"), highlight=False)


__all__ = ["snn_app"]
