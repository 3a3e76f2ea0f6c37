"""The system-level models against their published anchors, measured in one run:

* rooflines of kws, vww, ic and ResNet-50 (batch 1 and 64) on the A100 and TPU v1 (int8), and the
  TPU v1 paper's six apps: our roofline bound against the TOPS Jouppi et al. (ISCA 2017) measured;
* dark silicon from 45 nm against Esmaeilzadeh et al. (ISCA 2011): 21% at 22 nm, over 50% at 8 nm;
* AMD's chiplet cost ratio (0.59x for EPYC's four 213 mm^2 dies against a 777 mm^2 die);
* the lecture's backpropagation example to nine digits.

``--figures DIR`` also writes one figure per model and experiment. MLACCEL_BENCH_QUICK=1 skips the
training experiments' figures.

    python benchmarks/system.py --figures figures/
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import mlaccel
from mlaccel.system.chiplet import AMD_EPYC, compare
from mlaccel.hw.systolic.topologies import resnet50
from mlaccel.learn import EXPECTED, backprop_numpy
from mlaccel.system.power import ESMAEILZADEH, scaling, scaling_plot
from mlaccel.system.roofline import device, loads_of_graph, loads_of_layers, roofline, roofline_plot, tpu_v1_check
from mlaccel.model.zoo import resolve_model

QUICK = os.environ.get("MLACCEL_BENCH_QUICK") == "1"


def rooflines(figures: Path | None) -> None:
    print("| model | batch | device | ops | off-chip bytes | op/B | time | attainable | % of peak | memory-bound ops |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    models = {name: loads_of_graph(mlaccel.load(resolve_model(name)).graph) for name in ("kws", "vww", "ic")}
    for dev in ("a100", "tpu-v1"):
        d = device(dev)
        for name, batch in (("kws", 1), ("vww", 1), ("ic", 1), ("resnet50", 1), ("resnet50", 64)):
            loads = loads_of_layers(resnet50(), batch) if name == "resnet50" else models[name]
            r = roofline(loads, d, "int8", batch)
            mem = sum(p.bound == "memory" for p in r.points)
            print(f"| {name} | {batch} | {dev} | {r.ops:.3g} | {r.bytes:.3g} | {r.ops / r.bytes:.0f} | "
                  f"{r.seconds * 1e6:,.1f} us | {r.attainable / 1e12:.2f} TOPS | "
                  f"{r.attainable / d.peak('int8'):.1%} | {mem} of {len(r.points)} |")
            if figures is not None and batch == 1:
                roofline_plot(r, figures / f"roofline-{name}-{dev}.png", f"{name} on {d.name} (int8)")
    print("\nTPU v1's six apps (Jouppi et al. 2017): roofline bound against measured")
    print("| app | MACs / weight byte | bound TOPS | measured TOPS | measured / bound |")
    print("|---|---|---|---|---|")
    for app, i, bound, measured in tpu_v1_check(device("tpu-v1")):
        print(f"| {app} | {i} | {bound:.1f} | {measured} | {measured / bound:.2f} |")


def dark(figures: Path | None) -> None:
    pts = scaling(45, 3)
    print("\n| node | Vdd | E/op | power density | dark (ours) | Esmaeilzadeh |")
    print("|---|---|---|---|---|---|")
    for p in pts:
        theirs = {22: "21%", 8: ">50%"}.get(int(p.nm), "")
        print(f"| {p.nm:g} nm | {p.vdd:g} | {p.energy_real:.3f}x | {p.power_density_real:.2f}x | {p.dark:.0%} | "
              f"{theirs} |")
    at22 = next(p for p in pts if p.nm == 22).dark
    print(f"22 nm: ours {at22:.0%} against their {ESMAEILZADEH[22]:.0%} ({100 * (at22 - ESMAEILZADEH[22]):+.0f} "
          f"points); 8 nm lies between our 10 nm "
          f"({next(p for p in pts if p.nm == 10).dark:.0%}) and 7 nm ({next(p for p in pts if p.nm == 7).dark:.0%})")
    if figures is not None:
        scaling_plot(pts, figures / "power-scaling.png")


def chiplets() -> None:
    print("\n| D0 / cm^2 | monolithic yield | chiplet yield | chiplet / monolithic cost |")
    print("|---|---|---|---|")
    for d0 in (0.05, 0.1, 0.15, 0.2):
        c = compare(AMD_EPYC["monolithic_mm2"], 4, d0, 10_000, overhead=4 * 213 / 777 - 1)
        print(f"| {d0} | {c.monolithic.yield_:.1%} | {c.chiplet.yield_:.1%} | {c.ratio:.2f}x |")
    print(f"AMD published {AMD_EPYC['published_ratio']}x (Naffziger et al., ISCA 2021)")


def worked_example() -> None:
    ours = backprop_numpy()
    print("\n| quantity | ours | lecture |")
    print("|---|---|---|")
    for k, v in EXPECTED.items():
        print(f"| {k} | {ours[k]:.9f} | {v} |")


def experiments(figures: Path) -> None:
    from mlaccel.learn.experiments import (curves_plot, gradient_norms, gradients_plot, loss_comparison,
                                           regularization)

    runs = [gradient_norms(30, a, i, steps=200) for a, i in (("sigmoid", "xavier"), ("tanh", "xavier"),
                                                              ("relu", "he"), ("relu", "small"))]
    gradients_plot(runs, figures / "gradients-depth30.png", "Gradient norms, 30 hidden layers, digits")
    fixes = [gradient_norms(30, "sigmoid", "xavier", batchnorm=True, steps=200),
             gradient_norms(30, "tanh", "xavier", clip_norm=1.0, steps=200),
             gradient_norms(30, "tanh", "xavier", clip_value=0.01, steps=200)]
    gradients_plot(fixes, figures / "gradients-fixes.png", "BatchNorm and clipping, 30 hidden layers")
    curves_plot(regularization(), figures / "regularization.png", "Over-fitting and regularization")
    curves_plot(loss_comparison(), figures / "loss.png", "MSE against cross-entropy")
    print(f"\nwrote the experiments' figures to {figures}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--figures", type=Path, help="write the figures to this folder")
    args = ap.parse_args()
    if args.figures is not None:
        args.figures.mkdir(parents=True, exist_ok=True)
    rooflines(args.figures)
    dark(args.figures)
    chiplets()
    worked_example()
    if args.figures is not None and not QUICK:
        experiments(args.figures)


if __name__ == "__main__":
    main()
