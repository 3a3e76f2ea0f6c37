"""The torch neurons equal the NumPy ones, and surrogate-gradient training learns digits in seconds."""

import time

import numpy as np
import pytest

from mlaccel.errors import InputError
from mlaccel.snn import Neuron, run_neurons, simulate

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("neuron", [Neuron(), Neuron(reset="zero", v_init=0.5), Neuron(kind="lif", beta=0.8),
                                    Neuron(kind="cuba", alpha=0.6, beta=0.9, threshold=0.7),
                                    Neuron(refractory=2, threshold=0.5)])
def test_torch_neurons_step_exactly_as_the_numpy_ones(neuron):
    from mlaccel.snn.torch_neurons import run_neurons_torch

    current = np.random.default_rng(0).uniform(-0.3, 1.2, (24, 5, 7)).astype(np.float32)
    want = run_neurons(current, neuron)
    got = run_neurons_torch(torch.tensor(current), neuron).numpy()
    assert want.sum() > 0 and np.array_equal(got, want)


@pytest.mark.parametrize("surrogate", ["fast-sigmoid", "arctan"])
def test_surrogates_pass_gradients_where_the_step_has_none(surrogate):
    from mlaccel.snn.torch_neurons import run_neurons_torch, spike_fn

    current = torch.full((6, 3), 0.4, requires_grad=True)
    run_neurons_torch(current, Neuron(kind="lif", beta=0.9), spike_fn(surrogate)).sum().backward()
    assert current.grad is not None and bool((current.grad.abs() > 0).all())
    with pytest.raises(InputError, match="surrogate must be one of fast-sigmoid, arctan"):
        spike_fn("sigmoid")


def test_a_digits_snn_trains_in_seconds_and_runs_in_numpy(digits_data):
    from mlaccel.snn.train import TrainConfig, train_snn

    train, test = digits_data
    t0 = time.perf_counter()
    net = train_snn(train, TrainConfig(epochs=6, surrogate="arctan"))
    assert time.perf_counter() - t0 < 60  # the bound; about 1.5 s here
    res = simulate(net, test.x, 8)
    assert float(np.mean(res.predictions() == test.y)) > 0.9
    assert set(net.neurons) == {1} and net.neurons[1].kind == "lif" and res.total_spikes() > 0


@pytest.mark.parametrize("fields, match", [(dict(hidden=()), "hidden"), (dict(timesteps=0), "timesteps"),
                                           (dict(epochs=-1), "epochs")])
def test_bad_training_configs_name_the_field(fields, match):
    from mlaccel.snn.train import TrainConfig

    with pytest.raises(InputError, match=match):
        TrainConfig(**fields)
