"""Pruning (float and int8), datasets, and the torch flows: recipes, QAT, fine-tuning with masks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mlaccel import session
from mlaccel.verify.accuracy import evaluate
from mlaccel.compress.flows import from_onnx, from_torch, prune_float, prune_int8, qat
from mlaccel.compress.prune import magnitude_mask, nm_mask, parse_sparsity, polynomial_sparsity
from mlaccel.compress.quantize import quantize
from mlaccel.compress.report import encoded_bytes
from mlaccel.data import load_dataset
from mlaccel.errors import InputError
from mlaccel.model.writer import serialize_tflite
from mlaccel.verify.oracle import tflm_interpreter, tflm_run


def test_masks_and_schedule(rng):
    w = rng.normal(0, 1, (8, 3, 3, 16))
    assert np.isclose(1 - magnitude_mask(w, 0.75).mean(), 0.75, atol=1 / w.size)
    m = nm_mask(w, 2, 4)
    assert np.all(m.reshape(-1, 4).sum(axis=1) == 2)
    assert polynomial_sparsity(0, 100, 0.8) == 0.0 and polynomial_sparsity(100, 100, 0.8) == pytest.approx(0.8)
    for bad in ("0", "1.0", "1.5", "4:2", "2:2", "x"):
        with pytest.raises(InputError):
            parse_sparsity(bad)
    dense, bitmask, csr, nm = encoded_bytes((w * m).reshape(8, -1), 8)
    assert dense == w.size and nm == w.size // 2 + w.size // 8 and bitmask == w.size // 2 + w.size // 8


def _quantized(cnn_onnx):
    g = from_onnx(cnn_onnx)
    return quantize(g, load_dataset("digits:train").x[:100])


@pytest.mark.parametrize("spec", ["0.5", "2:4", "channels"])
def test_int8_pruning_keeps_quantization_and_stays_bit_exact(cnn_onnx, spec, rng):
    q = _quantized(cnn_onnx)
    p, _ = prune_int8(q, parse_sparsity("0.5", "channels") if spec == "channels" else parse_sparsity(spec))
    data = serialize_tflite(p)
    if spec == "channels":
        assert len(data) < len(serialize_tflite(q))
    else:
        for a, b in zip(q.tensors, p.tensors):
            assert a.quant is None or np.array_equal(a.quant.scale, b.quant.scale)
    x = rng.integers(-128, 128, (6,) + p.inputs[0].shape[1:]).astype(np.int8)
    ours = session.load(data).run(x).outputs[0]
    it = tflm_interpreter(data)
    for i in range(6):
        np.testing.assert_array_equal(tflm_run(data, x[i:i + 1], interpreter=it)[0], ours[i:i + 1])


def test_channel_pruning_shrinks_the_float_model(cnn_onnx):
    g = from_onnx(cnn_onnx)
    p, skipped = prune_float(g, parse_sparsity("0.5", "channels"))
    assert sum(t.nbytes for t in p.tensors if t.is_constant) < 0.6 * sum(t.nbytes for t in g.tensors if t.is_constant)
    assert session.Model(p).run(np.zeros((1, 8, 8, 1), np.float32)).outputs[0].shape == (1, 10)
    assert skipped and "FULLY_CONNECTED" in skipped[0]


def test_datasets(tmp_path):
    assert len(load_dataset("digits")) == 450 and len(load_dataset("digits:train")) == 1347
    assert load_dataset("digits:all").x.shape == (1797, 8, 8, 1)
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 4), np.float32), y=np.array([0, 1, 2]))
    assert load_dataset(tmp_path / "d.npz").classes == ("0", "1", "2")
    np.savez(tmp_path / "bad.npz", x=np.zeros((3, 4)))
    with pytest.raises(InputError, match="lacks y"):
        load_dataset(tmp_path / "bad.npz")
    for cls in ("cat", "dog"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((5, 4), 40 * i, np.uint8)).save(tmp_path / "imgs" / cls / f"{i}.png")
    d = load_dataset(tmp_path / "imgs")
    assert d.x.shape == (4, 5, 4, 1) and d.classes == ("cat", "dog") and d.y.tolist() == [0, 0, 1, 1]
    with pytest.raises(InputError, match="Unknown dataset"):
        load_dataset("mnist")


def test_recipe_then_qat_export_matches_the_qat_model():
    import torch

    from mlaccel.compress.recipes import train_recipe
    from mlaccel.verify.accuracy import model_inputs

    g = from_torch(train_recipe("digits-cnn", epochs=4), np.zeros((1, 1, 8, 8), np.float32))
    train, test = load_dataset("digits:train"), load_dataset("digits")
    assert evaluate(session.Model(g), test).accuracy > 0.85
    q, module = qat(g, train, 1)
    with torch.no_grad():
        logits = module(torch.tensor(test.x)).numpy()
    exported = session.load(serialize_tflite(q))
    y = exported.run(model_inputs(exported, test.x)).outputs[0].reshape(len(test.y), -1).astype(np.int64)
    assert float(np.mean(y.argmax(1) == test.y)) > 0.8
    # The fake quantization rounds in float where the kernels use fixed-point multipliers: outputs
    # may differ by a step or two, never more, and a top-1 class only where the module's two best
    # scores are within those steps (a tie the float order breaks one way, the integers the other).
    out = exported.outputs[0].quant
    fake = np.clip(np.round(logits / out.s) + out.zp, -128, 127)
    assert np.abs(fake - y).max() <= 2
    best = np.sort(logits, axis=1)
    differ = logits.argmax(1) != y.argmax(1)
    assert np.all(best[differ, -1] - best[differ, -2] <= 2 * out.s + 1e-6), np.nonzero(differ)[0]


def test_nm_finetuning_keeps_the_pattern_and_from_torch(cnn_onnx):
    from tests.compress.conftest import small_cnn

    g = from_torch(small_cnn(), np.zeros((1, 1, 8, 8), np.float32))
    assert [op.type for op in g.ops] == [op.type for op in from_onnx(cnn_onnx).ops]
    p, _ = prune_float(g, parse_sparsity("2:4"), load_dataset("digits:train").take(256), 1)
    for op in p.ops:
        if op.type == "FULLY_CONNECTED" or (op.type == "CONV_2D" and op.inputs[1].shape[-1] % 4 == 0):
            assert np.all(np.count_nonzero(op.inputs[1].data.reshape(-1, 4), axis=1) <= 2), op.label
