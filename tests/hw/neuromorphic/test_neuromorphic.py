"""The neuromorphic family: presets, core mapping, energy and latency by hand, and its refusals."""

import numpy as np
import pytest
from typer.testing import CliRunner

from mlaccel.cli import app
from mlaccel.errors import ConfigError, TargetError
from mlaccel.hw.neuromorphic import Layer, NeuromorphicConfig, chip_cost, load_config, map_layers
from mlaccel.targets import resolve


def test_presets_carry_the_published_energies():
    loihi, tn = resolve("neuromorphic:loihi").config, resolve("neuromorphic:truenorth").config
    assert (loihi.synop_pj, loihi.spike_pj, loihi.hop_ew_pj, loihi.hop_ns_pj) == (23.6, 1.7, 3.0, 4.0)
    assert loihi.cores == 128 and loihi.neurons_per_core == 1024
    assert tn.synop_pj == 26.0 and tn.cores == 4096 and (tn.neurons_per_core, tn.axons_per_core) == (256, 256)
    assert tn.tick_s == 1e-3


@pytest.mark.parametrize("fields, match", [(dict(chips=0), "'chips'"), (dict(synop_pj=-1), "'synop_pj'"),
                                           (dict(neurons_per_core=2.5), "'neurons_per_core'")])
def test_bad_configs_name_the_field(fields, match):
    with pytest.raises(ConfigError, match=match):
        NeuromorphicConfig(**fields)


def _layer(name, neurons, fan_in, fanout=10.0, events=100.0, spikes=50.0):
    return Layer(name, neurons, fan_in, fanout, events, events * fanout, spikes)


def test_layers_split_over_cores_by_neurons_synapses_and_fan_in():
    tn = resolve("neuromorphic:truenorth").config
    p = map_layers([_layer("a", 1000, 64), _layer("b", 100, 600)], tn)
    assert [(x.cores, x.in_splits) for x in p] == [(4, 1), (3, 3)]  # ceil(1000/256); 600 inputs > 256 axons
    loihi = resolve("neuromorphic:loihi").config
    # 131,072 synapses per core hold 32 neurons of fan-in 4,096: 100 neurons take 4 cores
    assert map_layers([_layer("c", 100, 4096)], loihi)[0].cores == 4


def test_energy_and_latency_by_hand():
    cfg = NeuromorphicConfig(cores_per_router=1, mesh_cols=2, neurons_per_core=4, synapses_per_core=1000,
                             axons_per_core=100, neuron_update_pj=2.0, barrier_ns=100.0, static_mw=1.0)
    layers = [_layer("a", 4, 8, fanout=4, events=10), _layer("b", 8, 4, fanout=8, events=6)]
    c = chip_cost(layers, cfg, timesteps=2)
    assert c.cores == 3  # a: core 0 at (0, 0); b: cores 1 (1, 0) and 2 (0, 1)
    a, b = c.layers
    assert (a.reach, b.reach) == (1, 2) and a.hops == 0
    # b's events fan out to both its cores: from (0, 0), 1 E-W hop to one and 1 N-S hop to the other
    assert b.hops == pytest.approx(6 * 2 * 1.0)
    assert b.energy_pj["routing"] == pytest.approx(6 * 2 * (0.5 * 3.0 + 0.5 * 4.0))
    assert b.energy_pj["spikes"] == pytest.approx(6 * 2 * 1.7)
    assert b.energy_pj["synops"] == pytest.approx(48 * 23.6) and b.energy_pj["neurons"] == 8 * 2 * 2.0
    step_ns = max((40 / 2 * 3.5 + 4 * 8.4) / 1, (48 / 2 * 3.5 + 8 * 8.4) / 2) + 100
    assert c.latency_s == pytest.approx(2 * step_ns * 1e-9)
    assert c.energy_pj["static"] == pytest.approx(1e-3 * c.latency_s * 1e12)
    assert c.total_pj == pytest.approx(sum(x.total_pj for x in c.layers) + c.energy_pj["static"])


def test_a_network_too_big_for_the_chip_says_how_many_cores_it_needs(tmp_path):
    small = tmp_path / "tiny.toml"
    small.write_text('[neuromorphic]\npreset = "truenorth"\ncores_per_chip = 4\n')
    cfg = load_config(small)
    with pytest.raises(TargetError, match=r"does not fit tiny: it needs 7 cores \(a 4, b 3\), and 1 chip\(s\) "
                                          r"have 4; set Config field 'chips' to 2"):
        map_layers([_layer("a", 1000, 64), _layer("b", 100, 600)], cfg, "tiny")
    assert len(map_layers([_layer("a", 1000, 64)], cfg.replace(chips=2))) == 1


def test_running_an_ann_on_a_neuromorphic_target_points_to_snn():
    r = CliRunner().invoke(app, ["run", "kws", "--target", "neuromorphic:loihi"], terminal_width=200)
    assert r.exit_code != 0
    assert "runs spiking networks" in r.output and "mlaccel snn convert" in r.output


def test_energy_follows_the_events_of_a_real_run(trained_net_and_run):
    from mlaccel.dse.snn_sweep import chip_backends
    from mlaccel.targets import make_backend

    net, res = trained_net_and_run
    loihi = make_backend(resolve("neuromorphic:loihi"))
    short, full = loihi.cost(net, res, 4), loihi.cost(net, res)
    assert short.synops == pytest.approx(res.total_synops(4)) and full.synops == pytest.approx(res.total_synops())
    assert full.energy_pj["synops"] == pytest.approx(23.6 * res.total_synops())
    tn = make_backend(resolve("neuromorphic:truenorth")).cost(net, res)
    assert tn.total_pj == pytest.approx(26.0 * res.total_synops()) and tn.latency_s == pytest.approx(8e-3)
    with pytest.raises(TargetError, match="priced on targets that run them"):
        chip_backends(["systolic:edge-16x16-os"])


def test_a_network_runs_through_the_session_and_the_cli(trained_net_and_run, tmp_path):
    """``mlaccel run NET.nir --target neuromorphic:loihi`` and Model.run take the backend's path."""
    import json

    import mlaccel
    from mlaccel.data import load_dataset
    from mlaccel.snn.nir_io import write_nir

    net, res = trained_net_and_run
    from dataclasses import replace

    path = tmp_path / "net.nir"
    write_nir(replace(net, timesteps=8), path)
    m = mlaccel.load(path)
    assert m.workload == "spiking"
    x = load_dataset("digits").x[:64]
    r = m.run(x, target="neuromorphic:loihi", timesteps=8)
    assert np.allclose(r.outputs[0], res.scores[-1], rtol=1e-5, atol=1e-5)
    assert r.total.energy_total_pj == pytest.approx(r.extra["chip"].total_pj)
    assert r.total.seconds == pytest.approx(r.extra["chip"].latency_s) and r.family.workload == "spiking"
    with pytest.raises(TargetError, match="is a spiking network; it runs on neuromorphic:loihi"):
        m.run(x, target="systolic:edge-16x16-os")
    out = CliRunner().invoke(app, ["run", str(path), "--target", "neuromorphic:loihi", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["target"] == "neuromorphic:loihi" and doc["chip"]["synops"] > 0


@pytest.fixture(scope="module")
def trained_net_and_run():
    pytest.importorskip("torch")
    from mlaccel.data import load_dataset
    from mlaccel.snn import simulate
    from mlaccel.snn.train import TrainConfig, train_snn

    net = train_snn(load_dataset("digits:train"), TrainConfig(epochs=2))
    return net, simulate(net, load_dataset("digits").x[:64], 8)


def test_mean_hops_are_manhattan_distances():
    from mlaccel.hw.neuromorphic.mapping import mean_hops

    assert mean_hops(np.array([[0, 0]]), np.array([[2, 1], [0, 3]])) == (1.0, 2.0)
