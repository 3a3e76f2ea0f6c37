"""The ``mlaccel snn`` commands: convert, eval, sweep and train spiking networks, priced on neuromorphic chips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.markup import escape

from .. import session
from ..data import load_dataset
from ..errors import InputError
from ..report.snn import chip_summary, chip_table, conversion_table, snn_sweep_table, snn_sweep_verdict
from ..targets import resolve
from .common import (Bar, Command, ForceOpt, JsonOpt, check_output, check_plot, console, guarded, opt, positive,
                     print_json, typer_app, wrote)

snn_app = typer_app("Spiking networks: convert a float ReLU model (snn convert), train one (snn train; needs "
                    "PyTorch), evaluate it with its energy on a neuromorphic chip (snn eval), and sweep the time "
                    "steps (snn sweep).")

DataOpt = Annotated[str, opt("--data", metavar="DATA", help="Labeled data: digits (its test split), a .npz with "
                             "x and y, or an image folder")]
LimitOpt = Annotated[Optional[int], opt("--limit", metavar="N", help="Only the first N samples of --data")]
ModelOpt = Annotated[Path, typer.Argument(help="A float .onnx model with ReLU activations", metavar="MODEL")]
PercentileOpt = Annotated[float, opt("--percentile", metavar="P", help="Activation percentile that sets each "
                                     "layer's scale (100: the maximum)")]
CalibOpt = Annotated[str, opt("--calib", metavar="DATA", help="Calibration data: a dataset (digits: its training "
                              "split) or a .npy/.npz of float inputs in the model's own layout")]
AnnTargetOpt = Annotated[str, opt("--ann-target", metavar="TARGET", help="Digital target for the same network as "
                                  "an int8 ANN")]


def _float_model(model: Path) -> Path:
    if model.suffix.lower() != ".onnx":
        raise InputError(f"snn takes a float .onnx model, got '{model}'")
    if not model.is_file():
        raise InputError(f"Model file '{model}' does not exist")
    return model


def _converted(model: Path, calib: str, percentile: float):
    """The float graph, its calibration samples, and the converted network."""
    from ..compress.flows import calibration_samples, from_onnx
    from ..snn import convert

    graph = from_onnx(_float_model(model))
    x = calibration_samples(calib, graph)
    return graph, x, convert(graph, x, percentile)


def _write_nir(net, out: Path) -> None:
    import os

    from ..snn.nir_io import write_nir

    tmp = out.with_name(f".{out.name}.part")
    write_nir(net, tmp)
    os.replace(tmp, out)


@snn_app.command("convert", cls=Command)
@guarded
def convert_cmd(model: ModelOpt, calib: CalibOpt,
                out: Annotated[Path, opt("--out", "-o", metavar="NET.nir", help="The NIR file to write")],
                timesteps: Annotated[int, opt("--timesteps", "-T", metavar="T", help="Time steps the network is "
                                              "meant to run (the default of snn eval)")] = 32,
                percentile: PercentileOpt = 99.9, force: ForceOpt = False):
    """Convert a float ReLU network to integrate-and-fire neurons and write it as NIR."""
    positive(timesteps, "--timesteps")
    check_output(out, "--out", [".nir"], force)
    graph, x, net = _converted(model, calib, percentile)
    net = replace(net, timesteps=timesteps, source=model.stem)
    _write_nir(net, out)
    console.print(conversion_table(net, model.name, percentile, len(x)))
    console.print(escape(f"wrote {out} (NIR, T = {timesteps}, {out.stat().st_size:,} bytes)"), highlight=False)


@snn_app.command("eval", cls=Command)
@guarded
def eval_cmd(net_file: Annotated[Path, typer.Argument(help="A .nir network", metavar="NET.nir")], data: DataOpt,
             timesteps: Annotated[Optional[int], opt("--timesteps", "-T", metavar="T", help="Time steps (default: "
                                                     "the network's own)")] = None,
             target: Annotated[str, opt("--target", "-t", metavar="TARGET", help="A neuromorphic chip: "
                                        "neuromorphic:loihi, neuromorphic:truenorth or a config file")]
             = "neuromorphic:loihi",
             encoder: Annotated[str, opt("--encoder", metavar="KIND", help="Input coding: direct, rate or ttfs")]
             = "direct",
             ann_target: AnnTargetOpt = "systolic:edge-16x16-os", limit: LimitOpt = None, as_json: JsonOpt = False):
    """Accuracy, spikes, synaptic operations, cores, latency and energy of a NIR network on a chip."""
    from ..dse.compare import ann_cost
    from ..snn.simulation import samples_for

    if net_file.suffix.lower() != ".nir":
        raise InputError(f"snn eval takes a .nir network (from snn convert or snn train), got '{net_file}'")
    positive(timesteps, "--timesteps")
    positive(limit, "--limit")
    t = resolve(target)
    m = session.load(net_file)
    steps = timesteps if timesteps is not None else m.network.timesteps
    if steps is None:
        raise InputError(f"'{net_file}' does not say how many time steps it runs; give --timesteps")
    ds = load_dataset(data).take(limit)
    with Bar(f"simulating {len(ds)} samples for {steps} steps on {t.name}") as progress:
        res = m.run(ds.x, target=t, timesteps=steps, encoder=encoder, progress=progress)
    scores = np.asarray(res.outputs[0])
    acc = float(np.mean(scores.reshape(len(ds), -1).argmax(axis=1) == ds.y))
    cost = res.extra["chip"]
    ann = ann_cost(m.network.graph, samples_for(m.network, ds.x)[:300], ann_target)
    sim = res.extra["simulation"]
    if as_json:
        print_json({"network": str(net_file), "data": ds.name, "samples": len(ds), "timesteps": steps,
                    "encoder": encoder, "accuracy": acc, "spikes": sim.total_spikes(), "synops": sim.total_synops(),
                    "chip": cost.as_dict(), "ann": ann.as_dict()})
        return
    console.print(chip_table(cost, f"{net_file.name} on {cost.chip}: T = {steps}, {encoder} coding, {len(ds)} "
                                   f"samples of {ds.name}"))
    console.print(escape(chip_summary(cost, acc, ann)), highlight=False)


@snn_app.command("sweep", cls=Command)
@guarded
def sweep_cmd(model: ModelOpt, data: DataOpt,
              timesteps: Annotated[str, opt("--timesteps", "-T", metavar="LIST", help="Time steps, e.g. "
                                            "4,8,16,32,64")] = "4,8,16,32,64",
              calib: Annotated[str, opt("--calib", metavar="DATA", help="Calibration data (default: the training "
                                        "split of --data)")] = "",
              chips: Annotated[str, opt("--chips", metavar="LIST", help="Neuromorphic targets, comma-separated")]
              = "neuromorphic:loihi,neuromorphic:truenorth",
              ann_target: AnnTargetOpt = "systolic:edge-16x16-os", percentile: PercentileOpt = 99.9,
              limit: LimitOpt = None,
              store: Annotated[Optional[Path], opt("--store", metavar="FILE", help="Keep the points in this results "
                                                   "store (mlaccel results, mlaccel report read it)")] = None,
              plot: Annotated[Optional[Path], opt("--plot", metavar="FILE", help="Also write a plot (.png, .svg, "
                                                  ".pdf)")] = None,
              as_json: JsonOpt = False, force: ForceOpt = False):
    """Accuracy and energy against time steps, beside the same network as an int8 ANN: when do spikes pay?"""
    from ..dse.snn_sweep import parse_timesteps, snn_sweep, snn_sweep_plot

    steps = parse_timesteps(timesteps)
    positive(limit, "--limit")
    if plot is not None:
        check_plot(plot, force)
    if store is not None:
        check_output(store, "--store", [store.suffix.lower()], True)
    _float_model(model)
    chip_list = tuple(c.strip() for c in chips.split(",") if c.strip())
    if not chip_list:
        raise InputError("--chips names no chip")
    with Bar(f"sweeping T on {len(chip_list)} chip(s)") as progress:
        s = snn_sweep(model, data, steps, chip_list, calibration=calib or None, percentile=percentile, samples=limit,
                      ann_target=ann_target, store=store, progress=progress)
    if plot is not None:
        snn_sweep_plot(s, plot, title=f"{model.name} on {data}: when do spikes pay?")
    if as_json:
        print_json(s.as_dict())
        return
    console.print(snn_sweep_table(s, f"{model.name} as an SNN on {data}; ANN {100 * s.ann_accuracy:.1f}% float, "
                                     f"int8 on {s.ann.target}"))
    console.print(escape(snn_sweep_verdict(s, steps)), highlight=False)
    wrote(plot)


@snn_app.command("train", cls=Command)
@guarded
def train_cmd(out: Annotated[Path, opt("--out", "-o", metavar="NET.nir", help="The NIR file to write")],
              data: Annotated[str, opt("--data", metavar="DATA", help="Training data (digits: its training split)")]
              = "digits",
              hidden: Annotated[str, opt("--hidden", metavar="LIST", help="Hidden layer widths, e.g. 128 or 256,128")]
              = "128",
              timesteps: Annotated[int, opt("--timesteps", "-T", metavar="T", help="Time steps")] = 8,
              epochs: Annotated[int, opt("--epochs", metavar="N", help="Training epochs")] = 20,
              surrogate: Annotated[str, opt("--surrogate", metavar="KIND", help="fast-sigmoid or arctan")]
              = "fast-sigmoid",
              beta: Annotated[float, opt("--beta", metavar="B", help="LIF membrane decay per step")] = 0.9,
              seed: Annotated[int, opt("--seed", metavar="N", help="Random seed")] = 0,
              force: ForceOpt = False):
    """Train a spiking MLP of LIF neurons with surrogate gradients (PyTorch) and write it as NIR."""
    from ..snn import Neuron, simulate
    from ..snn.train import TrainConfig, train_snn

    positive(timesteps, "--timesteps")
    positive(epochs, "--epochs")
    check_output(out, "--out", [".nir"], force)
    try:
        widths = tuple(int(h) for h in hidden.split(","))
    except ValueError:
        raise InputError(f"--hidden takes widths such as 128 or 256,128; got {hidden!r}") from None
    cfg = TrainConfig(hidden=widths, timesteps=timesteps, epochs=epochs, surrogate=surrogate, seed=seed,
                      neuron=Neuron(kind="lif", beta=beta))
    train_set = load_dataset(data, split="train")
    with Bar(f"training an SNN on {train_set.name}") as progress:
        net = train_snn(train_set, cfg, progress=lambda e, n: progress(e, n, f"epoch {e}"))
    net = replace(net, timesteps=timesteps)
    test = load_dataset(data)
    acc = float(np.mean(simulate(net, test.x).predictions() == test.y))
    _write_nir(net, out)
    console.print(escape(f"wrote {out}: {net.source}, LIF beta {beta:g}, T = {timesteps}; accuracy {100 * acc:.1f}% "
                         f"on {test.name}"), highlight=False)
