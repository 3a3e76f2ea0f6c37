"""Spiking networks on the digits MLP and CNN: accuracy, spikes, synaptic ops and energy against time
steps, on Loihi and TrueNorth, beside the same network as an int8 ANN on systolic:edge-16x16-os; the
directly trained SNN; and the simulator's speed.

Conversion: IF neurons, reset by subtraction, membranes starting at half the threshold, 99.9th-
percentile normalization on 300 training images; accuracy on digits:test (450 images). Anchors,
printed beside our numbers:

* the issue's NumPy emulation of an IF conversion of a digits MLP (ANN 97.0%, reset by subtraction,
  99.9th percentile): 92.6% / 95.4% / 97.0% at T = 4 / 8 / 16; with reset to zero it peaked at 96.1%;
* target: within 1 point of the ANN by T = 32 on both models;
* surrogate-gradient training of a digits SNN: under 60 s on the CPU;
* simulation: 540 digits images (the 450 of the test split and 90 more) at T = 32 in under 2 s, on
  the CNN (the heavier model), quiet and with another process busy.

MLACCEL_BENCH_QUICK=1 runs the MLP only, trained for fewer epochs, and one timing round.

    python benchmarks/snn.py
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np

from mlaccel.compress.flows import calibration_samples, from_torch
from mlaccel.compress.recipes import torch_to_onnx, train_recipe
from mlaccel.data import load_dataset
from mlaccel.snn import Neuron, convert, simulate
from mlaccel.dse.snn_sweep import snn_sweep
from mlaccel.snn.train import TrainConfig, train_snn
from reference_vs_tflm import busy_core  # this folder's other benchmark; the script's folder is on sys.path
from verdict import QUICK, Verdict

VERDICT = Verdict()
STEPS = (4, 8, 16, 32, 64)
ANCHOR = {4: 0.926, 8: 0.954, 16: 0.970}  # the IF emulation, digits MLP (ANN 97.0%)
ANCHOR_ZERO_RESET_PEAK = 0.961
SPEED_TARGET_S = 2.0
TRAIN_TARGET_S = 60.0
CHIPS = ("neuromorphic:loihi", "neuromorphic:truenorth")


def sweep_table(recipe: str, train, test, tmp: Path) -> None:
    module = train_recipe(recipe, epochs=5 if QUICK else 30)
    graph = from_torch(module, np.zeros((1, 1, 8, 8), np.float32))
    path = tmp / f"{recipe}.onnx"
    path.write_bytes(torch_to_onnx(module, np.zeros((1, 1, 8, 8), np.float32)))
    net = convert(graph, calibration_samples("digits", graph))
    s = snn_sweep(path, "digits", STEPS, CHIPS)  # the design-space engine; calibration: digits' training split
    ann_acc = s.ann_accuracy
    print(f"\n{recipe}: ANN {100 * ann_acc:.1f}% (float), {s.ann.energy_pj / 1e6:.3g} uJ per inference as int8 on "
          f"{s.ann.target}")
    print("| T | accuracy | anchor | spikes | synops | Loihi uJ | TrueNorth uJ | Loihi / ANN | Loihi cores | "
          "Loihi latency |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p in s.points:
        anchor = f"{100 * ANCHOR[p.timesteps]:.1f}%" if recipe == "digits-mlp" and p.timesteps in ANCHOR else ""
        lo, tn = p.energy_pj[CHIPS[0]], p.energy_pj[CHIPS[1]]
        print(f"| {p.timesteps} | {100 * p.accuracy:.1f}% | {anchor} | {p.spikes:,.0f} | {p.synops:,.0f} | "
              f"{lo / 1e6:.3g} | {tn / 1e6:.3g} | {lo / s.ann.energy_pj:.2f}x | {p.cores[CHIPS[0]]} | "
              f"{p.latency_s[CHIPS[0]] * 1e6:,.0f} us |")
    m = s.matching()
    at32 = next(p for p in s.points if p.timesteps == 32)
    ok = at32.accuracy >= ann_acc - 0.01
    if m is None:
        print("no T reaches the ANN within 1 point")
    else:
        print(f"T = {m.timesteps} reaches the ANN within 1 point: SNN / ANN energy = "
              + ", ".join(f"{c.split(':')[1]} {m.energy_pj[c] / s.ann.energy_pj:.2f}x" for c in CHIPS))
    # The quick run trains its ANN for a few epochs only: the gap it sees is not the full run's.
    VERDICT.target(f"{recipe} within 1 point of the ANN by T = 32", ok,
                   f"{100 * at32.accuracy:.1f}% vs {100 * ann_acc:.1f}%", quick=False)
    if recipe == "digits-mlp":
        zero = dataclasses.replace(net, neurons={k: Neuron(reset="zero") for k in net.neurons})
        r = simulate(zero, test.x, STEPS[-1])
        peak = max(float(np.mean(r.predictions(t) == test.y)) for t in STEPS)
        print(f"reset to zero (membranes from 0): peak {100 * peak:.1f}% over T = {', '.join(map(str, STEPS))} "
              f"(anchor {100 * ANCHOR_ZERO_RESET_PEAK:.1f}%)")


def trained(train, test) -> bool:
    t0 = time.perf_counter()
    net = train_snn(train, TrainConfig(epochs=5 if QUICK else 20))
    took = time.perf_counter() - t0
    r = simulate(net, test.x, 8)
    print(f"\ntrained SNN (64-128-10, LIF beta 0.9, fast-sigmoid surrogate, T = 8): "
          f"{100 * np.mean(r.predictions() == test.y):.1f}% on {test.name}, {r.total_spikes():,.0f} spikes per "
          f"inference; training {took:.1f} s / {TRAIN_TARGET_S:.0f} s = {took / TRAIN_TARGET_S:.2f}")
    VERDICT.target(f"surrogate-gradient training in under {TRAIN_TARGET_S:.0f} s", took < TRAIN_TARGET_S,
                   f"{took:.1f} s")


def speed(train, test, busy: bool) -> bool:
    recipe = "digits-mlp" if QUICK else "digits-cnn"
    graph = from_torch(train_recipe(recipe, epochs=2), np.zeros((1, 1, 8, 8), np.float32))
    net = convert(graph, calibration_samples("digits", graph))
    x = np.concatenate([test.x, train.x[:90]])
    simulate(net, x[:8], 2)  # warm the kernels
    best = float("inf")
    for _ in range(1 if QUICK else 3):
        t0 = time.perf_counter()
        simulate(net, x, 32)
        best = min(best, time.perf_counter() - t0)
    where = "another process busy" if busy else "quiet"
    print(f"simulation, {recipe}, {len(x)} images at T = 32 ({where}): {best:.2f} s / {SPEED_TARGET_S:.0f} s = "
          f"{best / SPEED_TARGET_S:.2f}")
    VERDICT.target(f"simulation of {len(x)} images at T = 32 in under {SPEED_TARGET_S:.0f} s ({where})",
                   best < SPEED_TARGET_S, f"{best:.2f} s")


def main() -> None:
    train, test = load_dataset("digits:train"), load_dataset("digits")
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in ("digits-mlp",) if QUICK else ("digits-mlp", "digits-cnn"):
            sweep_table(recipe, train, test, Path(tmp))
    trained(train, test)
    print()
    speed(train, test, busy=False)
    with busy_core():
        speed(train, test, busy=True)
    VERDICT.finish()


if __name__ == "__main__":
    main()
