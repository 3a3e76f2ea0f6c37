"""The compression commands: ``train``, ``quantize``, ``prune``, ``eval`` and ``compress report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from .. import session
from ..compress.flows import calibration_samples, from_onnx, prune_float, prune_int8, qat
from ..compress.prune import parse_sparsity
from ..compress.quantize import QuantConfig, check_weight_bits, parse_weight_bits, quantize
from ..compress.recipes import RECIPES, torch_to_onnx, train_recipe
from ..compress.report import weight_counts
from ..data import load_dataset
from ..errors import InputError
from ..inputs import model_samples
from ..model.onnx_writer import serialize_onnx
from ..model.writer import serialize_tflite
from ..report.tables import compression_table, eval_line, fmt_count, pct
from ..targets import resolve
from ..verify.accuracy import evaluate, top1_agreement
from .common import (Bar, Command, ForceOpt, JsonOpt, check_output, console, guarded, note, opt, positive,
                     print_json, typer_app, write_atomic)

app = typer_app()
compress_app = typer_app("Compression reports.")

OutOpt = Annotated[Path, opt("--out", "-o", help="Output file", metavar="FILE")]
TRAIN = "needs PyTorch: pip install -e '.[train]'"


def _check_out(out: Path, suffix: str, force: bool) -> None:
    check_output(out, "--out", [suffix], force, "model type")


def _accuracy_or_none(model: session.Model, data) -> float | None:
    return None if data is None else evaluate(model, data).accuracy


def _labeled(spec: str):
    """A labeled dataset for a data spec, or None for unlabeled calibration arrays (.npy)."""
    return None if str(spec).endswith(".npy") else load_dataset(spec)


@app.command(cls=Command, help=f"Train a small float model on sklearn's digits and save it as ONNX ({TRAIN}).")
@guarded
def train(recipe: Annotated[str, typer.Argument(help=f"One of: {', '.join(RECIPES)}", metavar="RECIPE")],
          out: OutOpt,
          epochs: Annotated[int, opt("--epochs", help="Training epochs", metavar="N")] = 30,
          seed: Annotated[int, opt("--seed", help="Random seed", metavar="N")] = 0,
          force: ForceOpt = False):
    if recipe not in RECIPES:
        raise InputError(f"Unknown recipe '{recipe}'; choose {', '.join(RECIPES)}")
    positive(epochs, "--epochs")
    _check_out(out, ".onnx", force)
    with Bar(f"training {recipe}") as progress:
        module = train_recipe(recipe, epochs=epochs, seed=seed, progress=lambda e, n: progress(e, n, f"epoch {e}"))
    import numpy as np

    data = torch_to_onnx(module, np.zeros((1, 1, 8, 8), np.float32))
    acc = evaluate(session.load(data), load_dataset("digits")).accuracy
    write_atomic(out, data)
    console.print(escape(f"wrote {out} ({fmt_count(len(data))}B): {RECIPES[recipe]}; "
                         f"float accuracy {pct(acc)} on digits:test"), highlight=False)


@app.command("quantize", cls=Command)
@guarded
def quantize_cmd(
        model: Annotated[Path, typer.Argument(help="A float .onnx model", metavar="MODEL")],
        calib: Annotated[str, opt("--calib", help="Calibration data: a dataset (digits) or a .npy/.npz "
                                  "of float inputs in the model's own layout", metavar="DATA")],
        out: OutOpt,
        per_tensor: Annotated[bool, opt("--per-tensor", help="One weight scale per tensor (default: per channel)")] = False,
        weight_bits: Annotated[str, opt("--weight-bits", help="8, 4, or mixed: 4,#0=8 (default, then per op)",
                                        metavar="SPEC")] = "8",
        method: Annotated[str, opt("--method", help="Calibration: minmax, percentile or mse",
                                   metavar="METHOD")] = "minmax",
        float_io: Annotated[bool, opt("--float-io", help="Float32 input and output (QUANTIZE/DEQUANTIZE)")] = False,
        samples: Annotated[int, opt("--samples", help="Calibration samples to use", metavar="N")] = 300,
        qat_epochs: Annotated[int, opt("--qat-epochs", help="Quantization-aware training epochs on the "
                                       "(labeled) calibration data first (needs PyTorch)", metavar="N")] = 0,
        force: ForceOpt = False):
    """Quantize a float ONNX model to an int8 .tflite (TFLite's int8 spec)."""
    positive(samples, "--samples")
    if qat_epochs < 0:
        raise InputError(f"--qat-epochs must be 0 or more, got {qat_epochs}")
    _check_out(out, ".tflite", force)
    if model.suffix.lower() != ".onnx":
        raise InputError(f"quantize takes a float .onnx model, got '{model}'")
    graph = from_onnx(model)
    config = QuantConfig(per_channel=not per_tensor, method=method, weight_bits=parse_weight_bits(weight_bits),
                         float_io=float_io)
    check_weight_bits(graph, config)
    x = calibration_samples(calib, graph, limit=samples)
    if qat_epochs:
        if str(calib).endswith(".npy"):
            raise InputError("--qat-epochs needs labeled data (a dataset name or a .npz with x and y)")
        train_data = load_dataset(calib, split="train")
        with Bar("QAT") as progress:
            q, _ = qat(graph, train_data, qat_epochs, config, progress=lambda e, n: progress(e, n, f"epoch {e}"))
    else:
        q = quantize(graph, x, config)
    data = serialize_tflite(q)
    test = _labeled(calib)
    before, after = _accuracy_or_none(session.Model(graph), test), _accuracy_or_none(session.load(data), test)
    write_atomic(out, data)
    size_f = sum(t.nbytes for t in graph.tensors if t.is_constant)
    size_q = sum(t.nbytes for t in q.tensors if t.is_constant)
    console.print(escape(f"wrote {out}: {len(data)} bytes; weights {fmt_count(size_f)}B float -> "
                         f"{fmt_count(size_q)}B ({weight_bits} bits, {'per-tensor' if per_tensor else 'per-channel'}), "
                         f"{method} on {x.shape[0]} calibration samples"), highlight=False)
    if test is not None:
        console.print(escape(f"accuracy on {test.name}: float {pct(before)} -> int8 {pct(after)}"), highlight=False)


@app.command(cls=Command)
@guarded
def prune(model: Annotated[str, typer.Argument(help="A float .onnx or an int8 .tflite", metavar="MODEL")],
          sparsity: Annotated[str, opt("--sparsity", help="A fraction in (0, 1) or N:M such as 2:4", metavar="S")],
          out: OutOpt,
          structured: Annotated[Optional[str], opt("--structured", help="'channels': remove whole channels",
                                                   metavar="KIND")] = None,
          finetune: Annotated[Optional[str], opt("--finetune", help="Fine-tune on this dataset (.onnx only; needs "
                                                 "PyTorch)", metavar="DATA")] = None,
          epochs: Annotated[int, opt("--epochs", help="Fine-tuning epochs", metavar="N")] = 10,
          data: Annotated[Optional[str], opt("--data", help="Report accuracy and agreement on this dataset "
                                             "(default: the model's golden inputs, else random ones)",
                                             metavar="DATA")] = None,
          force: ForceOpt = False):
    """Prune a model: magnitude, N:M or channels; .onnx stays .onnx, .tflite stays .tflite."""
    spec = parse_sparsity(sparsity, structured)
    positive(epochs, "--epochs")
    m = session.load(model)
    is_onnx = str(m.source).lower().endswith(".onnx")
    _check_out(out, ".onnx" if is_onnx else ".tflite", force)
    if not is_onnx and finetune:
        raise InputError("--finetune applies to float .onnx models; a .tflite is pruned without retraining "
                         "(quantize the fine-tuned .onnx instead)")
    test = load_dataset(data) if data else None
    if is_onnx:
        train_data = load_dataset(finetune, split="train") if finetune else None
        with Bar("fine-tuning") as progress:
            g, notes = prune_float(m.graph, spec, train_data, epochs if finetune else 0,
                                   progress=lambda e, n: progress(e, n, f"epoch {e}"))
        blob = serialize_onnx(g)
    else:
        g, notes = prune_int8(m.graph, spec)
        blob = serialize_tflite(g)
    pruned = session.load(blob)
    for n in notes:
        console.print(escape(f"note: {n}"), style="dim", highlight=False)
    if test is not None:
        console.print(escape(f"accuracy on {test.name}: {pct(evaluate(m, test).accuracy)} -> "
                             f"{pct(evaluate(pruned, test).accuracy)}"), highlight=False)
    if not is_onnx:
        samples = model_samples(m, data=test, goldens=True, random=64)
        x = samples.arrays[0]
        agree = top1_agreement(m.run(x).outputs[0], pruned.run(x).outputs[0])
        console.print(escape(f"top-1 agreement with the unpruned model: {pct(agree)} on {samples.description}"),
                      highlight=False)
        if not samples.real:
            note("agreement on random inputs says little about real accuracy; give --data with labeled samples")
    write_atomic(out, blob)
    before, nonzero = weight_counts(m.graph)[0], weight_counts(g)[1]
    console.print(escape(f"wrote {out} ({len(blob)} bytes): {spec.label}; {before - nonzero} of {before} weights "
                         f"({1 - nonzero / max(before, 1):.1%}) zeroed or removed"), highlight=False)


@app.command("eval", cls=Command)
@guarded
def eval_cmd(model: Annotated[str, typer.Argument(help="A .tflite or .onnx model", metavar="MODEL")],
             data: Annotated[str, opt("--data", help="digits, digits:train|test|all, a .npz (x, y) or an "
                                      "image folder", metavar="DATA")],
             target: Annotated[str, opt("--target", "-t", help="Where to run it", metavar="TARGET")] = "reference",
             limit: Annotated[Optional[int], opt("--limit", help="Only the first N samples", metavar="N")] = None,
             as_json: JsonOpt = False):
    """Top-1 accuracy of a model on a labeled dataset, on any target."""
    positive(limit, "--limit")
    t = resolve(target)
    m = session.load(model)
    ds = load_dataset(data).take(limit)
    with Bar(f"evaluating on {t.name}") as progress:
        r = evaluate(m, ds, t, progress=progress)
    if as_json:
        print_json(r.as_dict())
        return
    console.print(escape(eval_line(Path(str(model)).name, r)), highlight=False)


@compress_app.command("report", cls=Command)
@guarded
def report(model: Annotated[str, typer.Argument(help="A .tflite or .onnx model", metavar="MODEL")],
           baseline: Annotated[Optional[str], opt("--baseline", help="The uncompressed model, for accuracy before",
                                                  metavar="MODEL")] = None,
           data: Annotated[Optional[str], opt("--data", help="Dataset for accuracy", metavar="DATA")] = None):
    """Per layer: bits, sparsity, and bytes dense, bitmask, CSR and 2:4; accuracy before and after."""
    m = session.load(model)
    console.print(compression_table(m.graph, title=escape(Path(str(model)).name)))
    if data:
        ds = load_dataset(data)
        after = evaluate(m, ds).accuracy
        before = evaluate(session.load(baseline), ds).accuracy if baseline else None
        console.print(escape(f"accuracy on {ds.name}: before {pct(before)}, after {pct(after)}"), highlight=False)
