"""The sparse example project on a 2:4-pruned kws: the pruned model's outputs, faster than simd4."""

import numpy as np
import pytest

import mlaccel
from mlaccel.compress import parse_sparsity, prune_int8
from mlaccel.session import Model

from ...conftest import model_path


@pytest.fixture(scope="module")
def kws_24():
    graph, _ = prune_int8(mlaccel.load(model_path("kws")).graph, parse_sparsity("2:4"))
    return Model(graph)


def test_sparse_cfu_beats_simd4_on_a_2_4_model(kws_24):
    x = np.random.default_rng(0).integers(-128, 128, (1,) + kws_24.inputs[0].shape).astype(np.int8)
    ref = kws_24.run(x)
    runs = {t: kws_24.run(x, target=f"soc:{t}") for t in ("baseline", "simd4", "sparse")}
    for t, res in runs.items():
        assert np.array_equal(res.outputs[0], ref.outputs[0]), t
    speedup = {t: runs["baseline"].total.cycles / runs[t].total.cycles for t in ("simd4", "sparse")}
    assert speedup["sparse"] > speedup["simd4"]
    pointwise = [i for i, s in enumerate(runs["sparse"].ops) if s.op == "#2 CONV_2D"][0]
    # the 2:4 pointwise convs: one select-and-MAC per 8 positions against simd4's two MAC4s
    assert runs["simd4"].ops[pointwise].cycles > 1.5 * runs["sparse"].ops[pointwise].cycles
    assert runs["sparse"].ops[pointwise].extra["cfu_ops"] < runs["simd4"].ops[pointwise].extra["cfu_ops"] / 1.5
