"""The writer: every shipped model survives read -> write -> read, and TFLM runs the written bytes."""

import numpy as np
import pytest

from mlaccel.model import GraphBuilder, parse_tflite, quant, read_tflite, serialize_tflite, write_tflite
from mlaccel.verify.oracle import tflm_run
from mlaccel.session import Model

from ..conftest import ALL_MODELS, LARGE, random_inputs


@pytest.mark.parametrize("path", ALL_MODELS, ids=[p.stem for p in ALL_MODELS])
def test_round_trip(path, rng):
    g = read_tflite(path)
    g2 = parse_tflite(serialize_tflite(g))
    assert [op.type for op in g2.ops] == [op.type for op in g.ops]
    assert [op.attrs for op in g2.ops] == [op.attrs for op in g.ops]
    for a, b in zip(g.tensors, g2.tensors):
        assert (a.name, a.shape, a.dtype) == (b.name, b.shape, b.dtype)
        assert (a.data is None) == (b.data is None)
        if a.data is not None:
            assert np.array_equal(a.data, b.data)
        if a.quant is not None:
            assert np.array_equal(a.quant.scale, b.quant.scale) and a.quant.axis == b.quant.axis
    if path.stem not in LARGE:
        xs = random_inputs(g.inputs, rng)
        ours = Model(g2).run(*xs).outputs
        theirs = tflm_run(serialize_tflite(g2), *xs, n_outputs=len(ours))
        assert all(np.array_equal(a.view(np.uint8), b.reshape(a.shape).view(np.uint8))
                   for a, b in zip(ours, theirs))


def test_write_refuses_to_overwrite(tmp_path):
    g = GraphBuilder()
    x = g.tensor("x", (1, 4), np.int8, quant(0.5, 0))
    y = g.tensor("y", (1, 4), np.int8, quant(1 / 256, -128))
    g.op("SOFTMAX", [x], [y], beta=1.0)
    path = tmp_path / "m.tflite"
    path.write_bytes(b"user data")
    with pytest.raises(FileExistsError):
        write_tflite(g.build([x], [y]), path)
    assert path.read_bytes() == b"user data"
    write_tflite(g.build([x], [y]), tmp_path / "new.tflite")
    assert read_tflite(tmp_path / "new.tflite").ops[0].attrs == {"beta": 1.0}
