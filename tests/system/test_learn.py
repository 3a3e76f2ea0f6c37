"""Training fundamentals: the worked example to 1e-9, and the experiments' effects."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.errors import InputError

torch = pytest.importorskip("torch")
runner = CliRunner()


def test_the_worked_example_to_nine_digits_by_hand_and_by_autograd():
    from mlaccel.learn import EXPECTED, backprop_numpy, backprop_torch

    ours, auto = backprop_numpy(), backprop_torch()
    for k, v in EXPECTED.items():
        assert abs(ours[k] - v) < 1e-9, k
        assert abs(auto[k] - v) < 1e-9, k
    assert np.allclose(ours["grads"], auto["grads"], atol=1e-12)


def test_sigmoid_vanishes_relu_with_he_does_not_and_batchnorm_rescues_sigmoid():
    from mlaccel.learn.experiments import gradient_norms

    sig = gradient_norms(30, "sigmoid", "xavier", steps=0)
    relu = gradient_norms(30, "relu", "he", steps=0)
    bn = gradient_norms(30, "sigmoid", "xavier", batchnorm=True, steps=0)
    assert sig.at_init[0] / sig.at_init[-1] < 1e-10
    assert 0.1 < relu.at_init[0] / relu.at_init[-1] < 10
    assert bn.at_init[0] / bn.at_init[-1] > 1e-3
    zero = gradient_norms(10, "relu", "zero", steps=0)
    assert zero.at_init[:-1].max() == 0  # zero init: no gradient reaches the hidden layers


def test_clipping_bounds_the_gradient():
    from mlaccel.learn.experiments import gradient_norms

    r = gradient_norms(10, "tanh", "xavier", clip_norm=0.5, steps=5)
    assert np.sqrt((r.trained ** 2).sum()) <= 0.5 + 1e-6
    v = gradient_norms(10, "tanh", "xavier", clip_value=1e-3, steps=5)
    assert v.clip == "value 0.001" and v.trained.max() <= 1e-3 * np.sqrt(64 * 64) + 1e-9


def test_regularization_and_loss_experiments_run_and_over_fit():
    from mlaccel.learn.experiments import loss_comparison, regularization

    c = regularization({"none": {}, "dropout 0.5": {"dropout": 0.5}}, train_samples=60, epochs=15, width=64)
    assert c.train["none"][-1] > c.test["none"][-1]  # over-fitting: train above test
    assert len(c.test_loss["dropout 0.5"]) == 15
    m = loss_comparison(epochs=3)
    assert set(m.test) == {"MSE (softmax)", "cross-entropy"}


@pytest.mark.parametrize("args, match", [(dict(depth=0), "depth must be a positive integer"),
                                         (dict(act="swish"), "Unknown activation 'swish'; choose sigmoid"),
                                         (dict(init="orthogonal"), "Unknown initialization")])
def test_bad_experiments_say_what_is_wrong(args, match):
    from mlaccel.learn.experiments import gradient_norms

    with pytest.raises(InputError, match=match):
        gradient_norms(**{"depth": 5, "steps": 0, **args})


def test_the_learn_commands(tmp_path):
    r = runner.invoke(app, ["learn", "backprop-example"], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "0.593269992" in r.output and "0.358916480" in r.output and "0.149780716" in r.output
    plot = tmp_path / "g.png"
    r = runner.invoke(app, ["learn", "gradients", "--depth", "20", "--act", "sigmoid", "--init", "xavier",
                            "--steps", "5", "--plot", str(plot)], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "vanishing" in r.output and plot.stat().st_size > 10_000
    doc = json.loads(runner.invoke(app, ["learn", "loss", "--epochs", "2", "--json"]).output)
    assert len(doc["test"]["cross-entropy"]) == 2
    r = runner.invoke(app, ["learn", "gradients", "--depth", "0"], terminal_width=200)
    assert r.exit_code != 0 and "--depth must be a positive whole number, got 0" in r.output
