"""Compression on digits: accuracy, size and cycles of each variant of the digits CNN and MLP.

Prints one table per model (accuracy on digits:test, weight bytes, cycles on systolic:edge-16x16-os
and soc:baseline for the int8 variants) and the issue's targets as ratios measured in this run:
int8 PTQ within 0.5 points of float, QAT int8 >= float - 0.2, 2:4 fine-tuned within 1 point,
quantizing the CNN with 300 calibration samples in under 5 s, and all 1,797 digits through the
int8 CNN on the batched reference in under 1 s.
MLACCEL_BENCH_QUICK=1 trains for fewer epochs and skips the SoC (a smoke run for the docs test).

    python benchmarks/compress_digits.py
"""

from __future__ import annotations

import time

import numpy as np

from mlaccel import session
from mlaccel.verify.accuracy import evaluate, model_inputs
from mlaccel.compress.flows import calibration_samples, from_torch, prune_float, qat
from mlaccel.compress.prune import parse_sparsity
from mlaccel.compress.quantize import QuantConfig, quantize
from mlaccel.compress.recipes import train_recipe
from mlaccel.data import load_dataset
from mlaccel.model.writer import serialize_tflite
from verdict import QUICK, Verdict  # this folder's helper; the script's folder is on sys.path

EPOCHS = 5 if QUICK else 30
FT = 2 if QUICK else 10


def weight_bytes(graph) -> int:
    return sum(t.nbytes for t in graph.tensors if t.is_constant)


def cycles(model, target: str) -> float | None:
    x = model_inputs(model, load_dataset("digits").x[:1])
    return model.run(x, target=target).total.cycles


def row(name, graph, test, targets):
    is_int8 = graph.inputs[0].dtype != np.float32
    m = session.load(serialize_tflite(graph)) if is_int8 else session.Model(graph)
    acc = evaluate(m, test).accuracy
    cyc = [cycles(m, t) if is_int8 else None for t in targets]
    return name, acc, weight_bytes(graph), cyc


def main() -> None:
    verdict = Verdict()
    train, test = load_dataset("digits:train"), load_dataset("digits")
    targets = ["systolic:edge-16x16-os"] + ([] if QUICK else ["soc:baseline"])
    for recipe in ("digits-cnn", "digits-mlp"):
        g = from_torch(train_recipe(recipe, epochs=EPOCHS), np.zeros((1, 1, 8, 8), np.float32))
        calib = calibration_samples("digits", g)
        t0 = time.perf_counter()
        ptq = quantize(g, calib)
        t_quant = time.perf_counter() - t0
        q_of = lambda graph: quantize(graph, calib)  # noqa: E731
        p24, _ = prune_float(g, parse_sparsity("2:4"))
        p24ft, _ = prune_float(g, parse_sparsity("2:4"), train, FT)
        p75ft, _ = prune_float(g, parse_sparsity("0.75"), train, FT)
        pch, _ = prune_float(g, parse_sparsity("0.5", "channels"), train, FT)
        q_qat, _ = qat(g, train, 3 if QUICK else 5)
        rows = [row("float", g, test, targets),
                row("int8 PTQ per-channel", ptq, test, targets),
                row("int8 PTQ per-tensor", quantize(g, calib, QuantConfig(per_channel=False)), test, targets),
                row("int4 weights", quantize(g, calib, QuantConfig(weight_bits=4)), test, targets),
                row("QAT int8", q_qat, test, targets),
                row("2:4 (no fine-tune) int8", q_of(p24), test, targets),
                row("2:4 fine-tuned int8", q_of(p24ft), test, targets),
                row("75% unstructured ft int8", q_of(p75ft), test, targets),
                row("50% channels ft int8", q_of(pch), test, targets)]
        print(f"\n{recipe}  (accuracy on digits:test, {len(test)} images)")
        print(f"{'variant':26} {'top-1':>7} {'bytes':>7} " + " ".join(f"{t:>24}" for t in targets))
        for name, acc, size, cyc in rows:
            cs = " ".join(f"{'—' if c is None else f'{c:,.0f}':>24}" for c in cyc)
            print(f"{name:26} {100 * acc:6.1f}% {size:7d} {cs}")
        acc = {r[0]: r[1] for r in rows}
        f = acc["float"]
        everything = load_dataset("digits:all")
        eval_s = evaluate(session.load(serialize_tflite(ptq)), everything).seconds
        # Accuracy gaps need the full training; a quick run's few epochs leave the float model itself short.
        for name, variant, floor in (("PTQ", "int8 PTQ per-channel", -0.5), ("QAT", "QAT int8", -0.2),
                                     ("2:4 fine-tuned", "2:4 fine-tuned int8", -1.0)):
            gap = 100 * (acc[variant] - f)
            verdict.target(f"{recipe} {name} - float >= {floor:+.1f} pt", gap >= floor - 1e-9, f"{gap:+.1f} pt",
                           quick=False)
        verdict.target(f"{recipe} quantize in under 5 s", t_quant < 5, f"{t_quant:.2f} s = {t_quant / 5:.2f}x the budget")
        verdict.target(f"{recipe} int8 eval of {len(everything)} digits in under 1 s", eval_s < 1,
                       f"{eval_s:.2f} s = {eval_s:.2f}x the budget")
    verdict.finish()


if __name__ == "__main__":
    main()
