"""The compression commands: ``train``, ``quantize``, ``prune``, ``eval`` and ``compress report``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.markup import escape

from . import session
from .verify.accuracy import evaluate, model_inputs, top1_agreement
from .cli import ForceOpt, _check_output, _Command, _guarded, _opt, _Progress, _typer, app, console
from .compress.flows import calibration_samples, from_onnx, prune_float, prune_int8, qat
from .compress.prune import parse_sparsity
from .compress.quantize import QuantConfig, parse_weight_bits, quantize
from .compress.recipes import RECIPES, torch_to_onnx, train_recipe
from .compress.report import layer_figures
from .data import load_dataset
from .errors import InputError, MlaccelError
from .model.onnx_writer import serialize_onnx
from .model.writer import serialize_tflite
from .report.tables import compression_table, fmt_count
from .model.zoo import golden_cases, golden_input, resolve_model
from .inputs import random_input

compress_app = _typer("Compression reports.")
app.add_typer(compress_app, name="compress")

OutOpt = Annotated[Path, _opt("--out", "-o", help="Output file", metavar="FILE")]


def _check_out(out: Path, suffix: str, force: bool) -> None:
    _check_output(out, "--out", [suffix], force, "model type")


def _write(out: Path, data: bytes) -> None:
    """Write through a temporary file, so a failure leaves no partial output."""
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, out)


def _accuracy_or_none(model: session.Model, data) -> float | None:
    return None if data is None else evaluate(model, data).accuracy


def _pct(a: float | None) -> str:
    return "—" if a is None else f"{100 * a:.1f}%"


def _labeled(spec: str):
    """A labeled dataset for a data spec, or None for unlabeled calibration arrays (.npy)."""
    return None if str(spec).endswith(".npy") else load_dataset(spec)


@app.command(cls=_Command)
@_guarded
def train(recipe: Annotated[str, typer.Argument(help=f"One of: {', '.join(RECIPES)}", metavar="RECIPE")],
          out: OutOpt,
          epochs: Annotated[int, _opt("--epochs", help="Training epochs", metavar="N")] = 30,
          seed: Annotated[int, _opt("--seed", help="Random seed", metavar="N")] = 0,
          force: ForceOpt = False):
    """Train a small float model on sklearn's digits and save it as ONNX."""
    if recipe not in RECIPES:
        raise InputError(f"Unknown recipe '{recipe}'; choose {', '.join(RECIPES)}")
    _check_out(out, ".onnx", force)
    with _Progress(f"training {recipe}", delay=0.2) as progress:
        module = train_recipe(recipe, epochs=epochs, seed=seed, progress=lambda e, n: progress(e, n, f"epoch {e}"))
    data = torch_to_onnx(module, np.zeros((1, 1, 8, 8), np.float32))
    acc = evaluate(session.load(data), load_dataset("digits")).accuracy
    _write(out, data)
    console.print(escape(f"wrote {out} ({fmt_count(len(data))}B): {RECIPES[recipe]}; "
                         f"float accuracy {_pct(acc)} on digits:test"), highlight=False)


@app.command("quantize", cls=_Command)
@_guarded
def quantize_cmd(
        model: Annotated[Path, typer.Argument(help="A float .onnx model", metavar="MODEL")],
        calib: Annotated[str, _opt("--calib", help="Calibration data: a dataset (digits) or a .npy/.npz "
                                   "of float inputs in the model's own layout", metavar="DATA")],
        out: OutOpt,
        per_tensor: Annotated[bool, _opt("--per-tensor", help="One weight scale per tensor (default: per channel)")] = False,
        weight_bits: Annotated[str, _opt("--weight-bits", help="8, 4, or mixed: 4,#0=8 (default, then per op)",
                                         metavar="SPEC")] = "8",
        method: Annotated[str, _opt("--method", help="Calibration: minmax, percentile or mse",
                                    metavar="METHOD")] = "minmax",
        float_io: Annotated[bool, _opt("--float-io", help="Float32 input and output (QUANTIZE/DEQUANTIZE)")] = False,
        samples: Annotated[int, _opt("--samples", help="Calibration samples to use", metavar="N")] = 300,
        qat_epochs: Annotated[int, _opt("--qat-epochs", help="Quantization-aware training epochs on the "
                                        "(labeled) calibration data first", metavar="N")] = 0,
        force: ForceOpt = False):
    """Quantize a float ONNX model to an int8 .tflite (TFLite's int8 spec)."""
    _check_out(out, ".tflite", force)
    if model.suffix.lower() != ".onnx":
        raise InputError(f"quantize takes a float .onnx model, got '{model}'")
    graph = from_onnx(model)
    config = QuantConfig(per_channel=not per_tensor, method=method, weight_bits=parse_weight_bits(weight_bits),
                         float_io=float_io)
    x = calibration_samples(calib, graph, limit=samples)
    if qat_epochs:
        if str(calib).endswith(".npy"):
            raise InputError("--qat-epochs needs labeled data (a dataset name or a .npz with x and y)")
        train_data = load_dataset(calib, split="train")
        with _Progress("QAT", delay=0.2) as progress:
            q, _ = qat(graph, train_data, qat_epochs, config, progress=lambda e, n: progress(e, n, f"epoch {e}"))
    else:
        q = quantize(graph, x, config)
    data = serialize_tflite(q)
    test = _labeled(calib)
    before, after = _accuracy_or_none(session.Model(graph), test), _accuracy_or_none(session.load(data), test)
    _write(out, data)
    size_f = sum(t.nbytes for t in graph.tensors if t.is_constant)
    size_q = sum(t.nbytes for t in q.tensors if t.is_constant)
    console.print(escape(f"wrote {out}: {len(data)} bytes; weights {fmt_count(size_f)}B float -> "
                         f"{fmt_count(size_q)}B ({weight_bits} bits, {'per-tensor' if per_tensor else 'per-channel'}), "
                         f"{method} on {x.shape[0]} calibration samples"), highlight=False)
    if test is not None:
        console.print(escape(f"accuracy on {test.name}: float {_pct(before)} -> int8 {_pct(after)}"), highlight=False)


@app.command(cls=_Command)
@_guarded
def prune(model: Annotated[str, typer.Argument(help="A float .onnx or an int8 .tflite", metavar="MODEL")],
          sparsity: Annotated[str, _opt("--sparsity", help="A fraction in (0, 1) or N:M such as 2:4",
                                        metavar="S")],
          out: OutOpt,
          structured: Annotated[Optional[str], _opt("--structured", help="'channels': remove whole channels",
                                                    metavar="KIND")] = None,
          finetune: Annotated[Optional[str], _opt("--finetune", help="Fine-tune on this dataset (.onnx only)",
                                                  metavar="DATA")] = None,
          epochs: Annotated[int, _opt("--epochs", help="Fine-tuning epochs", metavar="N")] = 10,
          data: Annotated[Optional[str], _opt("--data", help="Report accuracy on this dataset",
                                              metavar="DATA")] = None,
          force: ForceOpt = False):
    """Prune a model: magnitude, N:M or channels; .onnx stays .onnx, .tflite stays .tflite."""
    spec = parse_sparsity(sparsity, structured)
    path = resolve_model(model)
    is_onnx = str(path).lower().endswith(".onnx")
    _check_out(out, ".onnx" if is_onnx else ".tflite", force)
    m = session.load(path)
    if not is_onnx and finetune:
        raise InputError("--finetune applies to float .onnx models; a .tflite is pruned without retraining "
                         "(quantize the fine-tuned .onnx instead)")
    if is_onnx:
        train_data = load_dataset(finetune, split="train") if finetune else None
        with _Progress("fine-tuning", delay=0.2) as progress:
            g, notes = prune_float(m.graph, spec, train_data, epochs if finetune else 0,
                                   progress=lambda e, n: progress(e, n, f"epoch {e}"))
        blob = serialize_onnx(g)
    else:
        g, notes = prune_int8(m.graph, spec)
        blob = serialize_tflite(g)
    pruned = session.load(blob)
    for n in notes:
        console.print(escape(f"note: {n}"), style="dim", highlight=False)
    test = load_dataset(data) if data else None
    if test is not None:
        console.print(escape(f"accuracy on {test.name}: {_pct(evaluate(m, test).accuracy)} -> "
                             f"{_pct(evaluate(pruned, test).accuracy)}"), highlight=False)
    if not is_onnx:
        agree, n = _agreement(m, pruned, test)
        console.print(escape(f"top-1 agreement with the unpruned model: {_pct(agree)} of {n} sample inputs"),
                      highlight=False)
    _write(out, blob)
    before = sum(f.params for f in layer_figures(m.graph))
    nnz = sum(f.nonzero for f in layer_figures(g))
    console.print(escape(f"wrote {out} ({len(blob)} bytes): {spec.label}; {before - nnz} of {before} weights "
                         f"({1 - nnz / max(before, 1):.1%}) zeroed or removed"), highlight=False)


def _agreement(base: session.Model, pruned: session.Model, data) -> tuple[float, int]:
    """Top-1 agreement on ``data``, else the model's shipped sample inputs, else 64 seeded random inputs."""
    t = base.inputs[0]
    if data is not None:
        x = model_inputs(base, data.x)
    else:
        name = Path(base.source).name if isinstance(base.source, str) else ""
        try:
            xs = [golden_input(c, t) for c in golden_cases() if Path(c.model).name == name and c.input]
        except MlaccelError:  # no shipped models folder
            xs = []
        x = np.stack(xs) if xs else random_input(t, 64)
    return top1_agreement(base.run(x).outputs[0], pruned.run(x).outputs[0]), len(x)


@app.command("eval", cls=_Command)
@_guarded
def eval_cmd(model: Annotated[str, typer.Argument(help="A .tflite or .onnx model", metavar="MODEL")],
             data: Annotated[str, _opt("--data", help="digits, digits:train|test|all, a .npz (x, y) or an "
                                       "image folder", metavar="DATA")],
             target: Annotated[str, _opt("--target", "-t", help="Where to run it", metavar="TARGET")] = "reference",
             limit: Annotated[Optional[int], _opt("--limit", help="Only the first N samples", metavar="N")] = None,
             as_json: Annotated[bool, _opt("--json", help="Print the result as JSON")] = False):
    """Top-1 accuracy of a model on a labeled dataset, on any target."""
    m = session.load(resolve_model(model))
    ds = load_dataset(data).take(limit)
    r = evaluate(m, ds, target)
    if as_json:
        print(json.dumps(r.as_dict()))
        return
    line = f"{Path(str(model)).name} on {r.target}: top-1 {_pct(r.accuracy)} of {r.samples} ({ds.name})"
    if r.agreement is not None:
        line += f"; agreement with reference {_pct(r.agreement)}"
    console.print(escape(line + f"  [{r.seconds:.2f} s]"), highlight=False)


@compress_app.command("report", cls=_Command)
@_guarded
def report(model: Annotated[str, typer.Argument(help="A .tflite or .onnx model", metavar="MODEL")],
           baseline: Annotated[Optional[str], _opt("--baseline", help="The uncompressed model, for accuracy before",
                                                   metavar="MODEL")] = None,
           data: Annotated[Optional[str], _opt("--data", help="Dataset for accuracy", metavar="DATA")] = None):
    """Per layer: bits, sparsity, and bytes dense, bitmask, CSR and 2:4; accuracy before and after."""
    m = session.load(resolve_model(model))
    console.print(compression_table(m.graph, title=escape(Path(str(model)).name)))
    if data:
        ds = load_dataset(data)
        after = evaluate(m, ds).accuracy
        before = evaluate(session.load(resolve_model(baseline)), ds).accuracy if baseline else None
        console.print(escape(f"accuracy on {ds.name}: before {_pct(before)}, after {_pct(after)}"), highlight=False)


__all__ = ["compress_app"]
