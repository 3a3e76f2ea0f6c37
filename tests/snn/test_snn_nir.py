"""NIR: our exports read back exactly, snnTorch loads them and spikes as we do, and bad graphs are refused."""

import dataclasses

import numpy as np
import pytest

from mlaccel.errors import InputError, UnsupportedOpError
from mlaccel.snn import convert, simulate
from mlaccel.snn.nir_io import from_nir, read_nir, to_nir, write_nir

nir = pytest.importorskip("nir")


def _same_run(a, b, x, t):
    ra, rb = simulate(a, x, t), simulate(b, x, t)
    assert np.array_equal(ra.scores.reshape(t, len(x), -1), rb.scores.reshape(t, len(x), -1))
    assert ra.total_spikes() == rb.total_spikes() > 0
    return ra


def test_trained_and_converted_mlps_round_trip_exactly(tmp_path, trained_snn, digits_mlp, digits_data):
    train, test = digits_data
    back = read_nir(write_nir(dataclasses.replace(trained_snn, timesteps=8), tmp_path / "snn.nir"))
    assert back.timesteps == 8 and back.neurons[1].kind == "lif" and back.readout == "membrane"
    _same_run(trained_snn, back, test.x[:100], 8)
    net = convert(digits_mlp, train.x[:200])
    back = read_nir(write_nir(net, tmp_path / "mlp.nir"))
    assert back.neurons[1] == net.neurons[1]  # IF, reset by subtraction, v_init 0.5: from the metadata
    _same_run(net, back, test.x[:100], 16)


def _avg_pool_cnn():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 6, 3, padding=1, groups=6), nn.ReLU(),
                         nn.AvgPool2d(2), nn.Conv2d(6, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(32, 10)).eval()


def test_a_cnn_with_depthwise_pooling_and_a_flatten_round_trips(tmp_path, digits_data):
    from mlaccel.compress.flows import from_torch

    train, test = digits_data
    net = convert(from_torch(_avg_pool_cnn(), np.zeros((1, 1, 8, 8), np.float32)), train.x[:100])
    graph = to_nir(net)
    kinds = [type(graph.nodes[a]).__name__ for a, _ in graph.edges]
    assert kinds[:6] == ["Input", "Conv2d", "IF", "Conv2d", "IF", "AvgPool2d"] and "Flatten" in kinds
    dw = next(n for n in graph.nodes.values() if type(n).__name__ == "Conv2d" and n.groups == 6)
    assert dw.weight.shape == (6, 1, 3, 3) and tuple(dw.padding) == (1, 1)
    back = read_nir(write_nir(net, tmp_path / "cnn.nir"))
    assert [op.type for op in back.ops] == [op.type for op in net.ops]
    _same_run(net, back, test.x[:50], 8)


def test_a_hand_written_graph_with_padding_and_a_leaky_neuron_imports():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w = rng.normal(size=(4, 2, 3, 3)).astype(np.float32)
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([2, 6, 6])}),
        "conv": nir.Conv2d(input_shape=(6, 6), weight=w, stride=1, padding=2, dilation=1, groups=1,
                           bias=np.zeros(4, np.float32)),
        "lif": nir.LIF(tau=np.full((4, 8, 8), 1e-3), r=np.full((4, 8, 8), 5.0), v_leak=np.zeros((4, 8, 8)),
                       v_threshold=np.ones((4, 8, 8))),
        "out": nir.Output(output_type={"output": np.array([4, 8, 8])})},
        edges=[("in", "conv"), ("conv", "lif"), ("lif", "out")])
    net = from_nir(g)
    assert [op.type for op in net.ops] == ["PAD", "CONV_2D"] and net.readout == "spikes"
    assert net.neurons[1].kind == "lif" and np.isclose(net.neurons[1].beta, 0.9)
    x = rng.uniform(0, 1, (3, 6, 6, 2)).astype(np.float32)
    res = simulate(net, x, 1)
    # One step from rest: a spike wherever r dt / tau x (conv of x) reaches the threshold.
    want = torch.nn.functional.conv2d(torch.tensor(x.transpose(0, 3, 1, 2)), torch.tensor(w), padding=2).numpy()
    assert np.array_equal(res.scores[0].reshape(3, 8, 8, 4), (0.5 * want.transpose(0, 2, 3, 1) >= 1.0))


def test_snntorch_loads_our_export_and_its_spike_counts_equal_ours(tmp_path, trained_snn, digits_data):
    """The one convention: snnTorch's NIR import resets LIF neurons to zero (NIR's v_reset) and
    ignores our reset-by-subtraction metadata, so ours runs with reset to zero for the comparison."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("nirtorch")
    snn = pytest.importorskip("snntorch")
    from snntorch.import_nir import import_from_nir

    _, test = digits_data
    path = write_nir(trained_snn, tmp_path / "snn.nir")
    module = import_from_nir(nir.read(path))
    counts = []
    for m in module.modules():
        if isinstance(m, snn.Leaky):
            m.register_forward_hook(lambda mod, i, o: counts.append((o[0] if isinstance(o, tuple) else o).sum()))
            m.reset_mem()
    x, steps = torch.tensor(test.x.reshape(len(test.x), -1)), 8
    with torch.no_grad():
        out = torch.stack([module(x)[0] for _ in range(steps)]).cumsum(0).numpy()
    ours = dataclasses.replace(trained_snn, neurons={k: dataclasses.replace(n, reset="zero")
                                                     for k, n in trained_snn.neurons.items()})
    res = simulate(ours, test.x, steps)
    assert float(sum(counts)) == round(res.total_spikes() * len(test.x)) > 1000
    assert np.allclose(out, res.scores.reshape(out.shape), atol=1e-4)
    assert np.array_equal(out[-1].argmax(1), res.predictions())


def test_max_pooling_does_not_export_and_says_why(digits_data):
    from mlaccel.compress.flows import from_torch
    from mlaccel.compress.recipes import build_recipe

    net = convert(from_torch(build_recipe("digits-cnn").eval(), np.zeros((1, 1, 8, 8), np.float32)),
                  digits_data[0].x[:50])
    with pytest.raises(UnsupportedOpError, match=r"Op #2 MAX_POOL_2D has no NIR node \(NIR has no max pooling"):
        to_nir(net)


def _graph(middle: dict, edges=None):
    nodes = {"in": nir.Input(input_type={"input": np.array([4])}), **middle,
             "out": nir.Output(output_type={"output": np.array([4])})}
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=edges or list(zip(names, names[1:])))


def test_bad_graphs_name_the_node(tmp_path):
    with pytest.raises(UnsupportedOpError, match="NIR node 'wait' is a Delay, which mlaccel does not import; it "
                                                 "imports Input, Output, Affine"):
        from_nir(_graph({"wait": nir.Delay(delay=np.ones(4))}))
    fc = nir.Affine(weight=np.eye(4, dtype=np.float32), bias=np.zeros(4, np.float32))
    with pytest.raises(InputError, match="NIR node 'a' has several inputs or outputs"):
        from_nir(_graph({"a": fc, "b": nir.Affine(weight=np.eye(4), bias=np.zeros(4))},
                        edges=[("in", "a"), ("a", "b"), ("a", "out"), ("b", "out")]))
    thr = np.array([1.0, 2.0, 1.0, 1.0])
    with pytest.raises(InputError, match="NIR node 'spk': field 'v_threshold' differs between neurons"):
        from_nir(_graph({"fc": fc, "spk": nir.IF(r=np.ones(4), v_threshold=thr)}))
    with pytest.raises(InputError, match="NIR node 'spk' \\(IF\\) must follow a layer"):
        from_nir(_graph({"spk": nir.IF(r=np.ones(4), v_threshold=np.ones(4))}))
    bad = tmp_path / "broken.nir"
    bad.write_bytes(b"\x89HDF\r\n not really")
    with pytest.raises(InputError, match="'.*broken.nir' is not a readable NIR file"):
        read_nir(bad)
    with pytest.raises(InputError, match="Network file .* does not exist"):
        read_nir(tmp_path / "missing.nir")
