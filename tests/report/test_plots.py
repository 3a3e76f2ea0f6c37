"""Plots read in human units and their tick labels never overlap (every plot the package writes)."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

import mlaccel  # noqa: E402
from mlaccel.units import fmt_energy, fmt_seconds  # noqa: E402


@pytest.fixture
def figures(monkeypatch):
    """Every figure saved while the test runs."""
    saved = []
    real = Figure.savefig

    def keep(self, *args, **kwargs):
        saved.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return saved


def _overlaps(fig) -> list[str]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # the plot closed its figure: give it a canvas to measure on
    canvas.draw()
    renderer = canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for axis in (a for a in (ax.xaxis, ax.yaxis) if a.get_visible()):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
            for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
                if ba.overlaps(bb) and ba.intersection(ba, bb).width > 1 and ba.intersection(ba, bb).height > 1:
                    out.append(f"{ax.get_title() or axis.get_label_text()}: '{a}' and '{b}'")
    return out


def _labels(fig) -> str:
    return " ".join(a.get_label_text() for ax in fig.axes for a in (ax.xaxis, ax.yaxis))


class _P:
    def __init__(self, i, metrics, feasible=True):
        self.id, self.metrics, self.feasible = i, metrics, feasible


def test_pareto_plots_read_in_units_without_crowded_ticks(figures, tmp_path):
    from mlaccel.dse.pareto import pareto_plot

    rng = np.random.default_rng(0)
    cases = {"wide": (2e-3, 2.0, 2e10, 8e11), "narrow": (1.0e-3, 1.3e-3, 4.0e7, 4.6e7)}
    for name, (l0, l1, e0, e1) in cases.items():
        points = [_P(i, {"latency_s": rng.uniform(l0, l1), "energy_pj": rng.uniform(e0, e1),
                         "area_mm2": rng.uniform(1, 8), "accuracy": rng.uniform(0.8, 0.99)}) for i in range(300)]
        pareto_plot(points, ("latency_s", "energy_pj", "area_mm2"), tmp_path / f"{name}.png")
        pareto_plot(points, ("energy_pj", "accuracy"), tmp_path / f"{name}-acc.png", maximize=("accuracy",))
    labels = " | ".join(_labels(f) for f in figures)
    assert "energy (mJ)" in labels and "latency (ms)" in labels and "energy (µJ)" in labels
    assert "top-1 accuracy (%)" in labels and "pJ" not in labels
    for fig in figures:
        assert not _overlaps(fig), _overlaps(fig)
        ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
        assert len([t for t in ticks]) >= 4 and not any("e+" in t or "10^" in t for t in ticks)


def test_layer_and_sweep_plots_do_not_crowd(figures, tmp_path):
    from mlaccel.dse.sweeps import Sweep, SweepPoint, sweep_plot
    from mlaccel.report.plots import layer_plot

    for name in ("vww", "kws"):
        res = mlaccel.load(name).run(np.zeros(mlaccel.load(name).inputs[0].shape, np.int8),
                                     target="systolic:edge-16x16-os")
        layer_plot(res.ops, tmp_path / f"{name}.png", title=name)
    points = tuple(SweepPoint(b, 0.5 + b / 20, 0.01, 1, 1e6 * 2 ** b, {"adc": 0.5}) for b in range(3, 11))
    sweep_plot(Sweep("adc_bits", "agreement", "analog:isaac", 12, None, points), tmp_path / "sweep.png")
    assert "energy per inference (mJ)" in _labels(figures[-1])
    for fig in figures:
        assert not _overlaps(fig), _overlaps(fig)


def test_units_read_as_people_read_them():
    assert fmt_energy(2.239e10) == "22.4 mJ" and fmt_energy(1.5e5) == "150 nJ" and fmt_energy(12) == "12.0 pJ"
    assert fmt_seconds(1.76e-6) == "1.76 µs" and fmt_seconds(0.25) == "250 ms" and fmt_seconds(3) == "3.00 s"


def test_system_plots_do_not_crowd(figures, tmp_path):
    from mlaccel.dse.snn_sweep import SnnPoint, SnnSweep, snn_sweep_plot
    from mlaccel.system.power import scaling, scaling_plot
    from mlaccel.system.roofline import device, loads_of_model, roofline, roofline_plot

    roofline_plot(roofline(loads_of_model("kws"), device("a100"), "int8", 1), tmp_path / "roof.png", title="kws")
    scaling_plot(scaling(45, 7), tmp_path / "power.png")
    chips = ("neuromorphic:loihi", "neuromorphic:truenorth")
    pts = [SnnPoint(t, 0.9, 1e3 * t, 1e4 * t, {c: 1e5 * t * (i + 1) for i, c in enumerate(chips)},
                    {c: 1e-6 * t for c in chips}, {c: 3 for c in chips}) for t in (4, 8, 16, 32, 64)]
    snn_sweep_plot(SnnSweep("mlp", pts, chips, 0.95), tmp_path / "snn.png")
    assert "energy per inference (µJ)" in _labels(figures[-1])
    for fig in figures:
        assert not _overlaps(fig), _overlaps(fig)
