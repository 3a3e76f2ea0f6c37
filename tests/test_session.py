"""The session API: batching forms, Stats, and Result fields."""

import numpy as np
import pytest

import mlaccel
from mlaccel.errors import InputError, TargetError
from mlaccel.stats import Stats, total

from .conftest import model_path


@pytest.fixture(scope="module")
def kws():
    return mlaccel.load(model_path("kws"))


def test_batch_forms_agree(kws, rng):
    xs = rng.integers(-128, 128, (5, 1, 49, 10, 1)).astype(np.int8)
    stacked = kws.run(xs)                      # (N, *shape)
    batch_dim = kws.run(xs[:, 0])              # (N, *shape[1:]) replacing the model's batch of 1
    singles = [kws.run(x).outputs[0] for x in xs]
    assert stacked.outputs[0].shape == (5, 1, 12)
    assert batch_dim.outputs[0].shape == (5, 12)
    assert singles[0].shape == (1, 12)
    for i in range(5):
        assert np.array_equal(stacked.outputs[0][i], singles[i])
        assert np.array_equal(batch_dim.outputs[0][i], singles[i][0])
    assert stacked.batch == 5 and kws.run(xs[0]).batch == 1


def test_stats_schema(kws, rng):
    res = kws.run(rng.integers(-128, 128, (1, 49, 10, 1)).astype(np.int8))
    assert len(res.ops) == len(kws.graph.ops)
    conv = res.ops[0]
    assert conv.op == "#0 CONV_2D" and conv.output_shape == (1, 25, 5, 64)
    assert conv.macs == 25 * 5 * 64 * 10 * 4 * 1
    assert conv.param_bytes == 64 * 10 * 4 + 64 * 4  # int8 filter + int32 bias
    assert conv.reads == {"mem.input": 490, "mem.weight": conv.param_bytes}
    assert conv.writes == {"mem.output": 25 * 5 * 64}
    assert conv.read_bytes("mem") == 490 + conv.param_bytes and conv.levels == ("mem",)
    assert res.total.macs == sum(s.macs for s in res.ops) == 2_656_768  # published 2.7M
    assert res.total.cycles == 0 and res.total.utilization is None  # reference: no timing
    assert res.target == "reference"


def test_total_merges_levels_and_weights_utilization():
    a = Stats(op="a", cycles=100, seconds=1e-6, macs=10, utilization=0.5, reads={"sram.input": 4},
              energy_pj={"mac": 1.0})
    b = Stats(op="b", cycles=300, seconds=3e-6, macs=30, utilization=1.0, reads={"sram.input": 6, "dram.weight": 2})
    t = total([a, b])
    assert t.cycles == 400 and t.macs == 40 and t.seconds == pytest.approx(4e-6)
    assert t.reads == {"sram.input": 10, "dram.weight": 2} and t.energy_pj == {"mac": 1.0}
    assert t.read_bytes("sram") == 10 and t.read_bytes(operand="weight") == 2 and t.levels == ("dram", "sram")
    assert t.utilization == pytest.approx((0.5 * 100 + 1.0 * 300) / 400)
    assert t.to_dict()["reads"] == {"sram.input": 10, "dram.weight": 2}


def test_published_mac_counts():
    """MAC counts agree with MLPerf Tiny's published figures (models README)."""
    expected = {"kws": 2.657e6, "vww": 7.490e6, "ic": 12.502e6, "ad": 0.264e6, "pdti8": 7.158e6,
                "mnv2": 29.597e6, "hps": 470.8e6}
    for alias, macs in expected.items():
        m = mlaccel.load(model_path(alias))
        got = m.run(*[np.zeros(t.shape, t.dtype) for t in m.inputs]).total.macs
        assert got == pytest.approx(macs, rel=1e-3), alias


def test_list_inputs_are_range_checked(kws):
    with pytest.raises(InputError, match=r"int8 values in \[-128, 127\]"):
        kws.run(np.full((1, 49, 10, 1), 300).tolist())
    assert kws.run(np.zeros((1, 49, 10, 1), int).tolist()).outputs[0].dtype == np.int8


def test_mismatched_batches_and_unknown_target(rng):
    m = mlaccel.load(model_path("simple_add"))
    a = rng.integers(-128, 128, (3, 1, 128, 128, 1)).astype(np.int8)
    with pytest.raises(InputError, match="different batch sizes"):
        m.run(a, a[:2])
    assert m.run(a, a).outputs[0].shape == (3, 1, 128, 128, 1)
    with pytest.raises(TargetError, match="known targets: reference"):
        m.run(a[0], a[0], target="warp-drive")
