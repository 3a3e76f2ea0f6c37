"""Spiking core: neuron dynamics, encoders, ANN->SNN conversion of the digits MLP, and refusals."""

import numpy as np
import pytest

from mlaccel.errors import ConfigError, InputError, UnsupportedOpError
from mlaccel.snn import Neuron, convert, encode, run_neurons, simulate


def test_if_neuron_rate_equals_the_current_with_reset_by_subtraction():
    current = np.full((100, 3), [0.25, 0.5, 0.75], np.float32)
    s = run_neurons(current, Neuron())
    assert s.sum(axis=0).tolist() == [25, 50, 75]


def test_lif_leak_reset_to_zero_and_refractory_period_fire_less():
    current = np.full((50, 1), 0.6, np.float32)
    base = run_neurons(current, Neuron()).sum()
    assert run_neurons(current, Neuron(kind="lif", beta=0.5)).sum() < base  # 0.6 / (1 - 0.5) > 1, but slower
    assert run_neurons(current, Neuron(reset="zero")).sum() < base
    assert run_neurons(current, Neuron(refractory=2)).sum() < base
    cuba = run_neurons(current, Neuron(kind="cuba", alpha=0.5, beta=0.9))
    assert 0 < cuba.sum() <= 50


@pytest.mark.parametrize("fields, match", [(dict(threshold=0), "'threshold' must be > 0"),
                                           (dict(kind="izhikevich"), "'kind'"), (dict(beta=1.5), "'beta'"),
                                           (dict(reset="hold"), "'reset'"), (dict(v_init=1.0), "'v_init'")])
def test_bad_neurons_name_the_field(fields, match):
    with pytest.raises(ConfigError, match=match):
        Neuron(**fields)


def test_encoders_and_timesteps():
    x = np.array([[0.0, 0.5, 1.0]], np.float32)
    assert encode(x, 4, "direct").shape == (4, 1, 3)
    rate = encode(x, 2000, "rate", seed=1).mean(axis=0)[0]
    assert rate[0] == 0 and abs(rate[1] - 0.5) < 0.05 and rate[2] == 1
    ttfs = encode(x, 5, "ttfs")[:, 0]
    assert ttfs.sum(axis=0).tolist() == [0, 1, 1] and ttfs[0, 2] == 1 and ttfs[2, 1] == 1
    for t in (0, -3, 2.5):
        with pytest.raises(InputError, match="timesteps must be a positive integer"):
            encode(x, t)


def test_converted_mlp_reaches_the_ann_within_a_point_by_32_steps(digits_mlp):
    from mlaccel.verify.accuracy import evaluate, model_inputs
    from mlaccel.data import load_dataset
    from mlaccel.session import Model

    train, test = load_dataset("digits:train"), load_dataset("digits")
    model = Model(digits_mlp)
    ann = evaluate(model, test).accuracy
    net = convert(digits_mlp, model_inputs(model, train.x[:300]))
    res = simulate(net, model_inputs(model, test.x), 32)
    acc = [float(np.mean(res.predictions(t) == test.y)) for t in (4, 8, 16, 32)]
    assert acc[-1] >= ann - 0.01
    cold = convert(digits_mlp, model_inputs(model, train.x[:300]), neuron=Neuron(v_init=0.0))
    assert float(np.mean(simulate(cold, model_inputs(model, test.x), 4).predictions() == test.y)) < acc[0]
    assert res.total_spikes(32) > res.total_spikes(8) > 0 and res.total_synops(32) > 0
    assert set(res.synops) == {op.label for op in net.ops if op.type == "FULLY_CONNECTED"}


def test_conversion_refuses_what_does_not_convert(digits_mlp):
    from mlaccel.model.builder import rebuild

    fc = [op for op in digits_mlp.ops if op.type == "FULLY_CONNECTED"]
    tanh = rebuild(digits_mlp, {}, {fc[0].index: {"activation": "TANH"}})
    with pytest.raises(UnsupportedOpError, match=f"{fc[0].label} has activation TANH; conversion needs ReLU"):
        convert(tanh, np.zeros((4, 1, 8, 8, 1), np.float32))
    with pytest.raises(InputError, match="calibration samples"):
        convert(digits_mlp, np.zeros((0, 1, 8, 8, 1), np.float32))


def test_a_residual_network_converts_with_the_add_as_neurons(digits_data):
    torch = pytest.importorskip("torch")
    from mlaccel.verify.accuracy import evaluate
    from mlaccel.compress.flows import from_torch
    from mlaccel.compress.torch_graph import train_epochs
    from mlaccel.session import Model

    nn = torch.nn

    class Res(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)
            self.c3, self.fc = nn.Conv2d(8, 8, 3, padding=1), nn.Linear(8 * 8 * 8, 10)

        def forward(self, x):
            a = torch.relu(self.c1(x))
            return self.fc(torch.flatten(torch.relu(a + self.c3(torch.relu(self.c2(a)))), 1))

    train, test = digits_data
    torch.manual_seed(0)
    module = Res()
    train_epochs(module, train.x.transpose(0, 3, 1, 2), train.y, 5, lr=3e-3)
    graph = from_torch(module.eval(), np.zeros((1, 1, 8, 8), np.float32))
    add = next(op for op in graph.ops if op.type == "ADD")
    net = convert(graph, train.x[:300])
    assert add.index in net.neurons and net.neurons[add.index].threshold != 1.0  # the add's scale is its threshold
    ann = evaluate(Model(graph), test).accuracy
    res = simulate(net, test.x, 64)
    assert float(np.mean(res.predictions(64) == test.y)) >= ann - 0.01
    from mlaccel.model.builder import rebuild

    with pytest.raises(UnsupportedOpError, match="a residual add converts when it adds two activations and a ReLU"):
        convert(rebuild(graph, {}, {add.index: {"activation": "NONE"}}), train.x[:50])
