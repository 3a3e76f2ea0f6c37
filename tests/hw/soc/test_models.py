"""Shipped models on the simulated SoC: goldens on the baseline and every example project."""

import numpy as np
import pytest

import mlaccel
from mlaccel.hw.soc.cfu import check_twins, random_ops
from mlaccel.hw.soc.project import config_for, project_parts
from mlaccel.model.zoo import golden_cases, golden_input

from ...conftest import MODELS

REQUIRED = ["mlperf_tiny/kws_ref_model.tflite", "mlperf_tiny/pretrainedResnet_quant.tflite",
            "mlperf_tiny/vww_96_int8.tflite", "mlperf_tiny/ad01_int8.tflite", "cfu_playground/model_pdti8.tflite",
            "cfu_playground/model_micro_speech.tflite"]
TARGETS = ["soc:baseline", "soc:simd4", "soc:systolic"]
_BASELINE: dict = {}


def _goldens(name):
    model = mlaccel.load(MODELS / name)
    cases = [c for c in golden_cases(MODELS) if c.model == name]
    return model, cases, np.stack([golden_input(c, model.inputs[0], MODELS) for c in cases])


# The sparse project runs simd4's MAC4 on layers that are not 2:4, as every shipped layer is; two
# models cover that path, and tests/hw/soc/test_sparse_project.py its 2:4 one.
CASES = [(n, t) for n in REQUIRED for t in TARGETS] + [(n, "soc:sparse") for n in REQUIRED[:1] + REQUIRED[-1:]]


@pytest.mark.parametrize("name, target", CASES, ids=[f"{n.split('/')[1].split('.')[0]}-{t}" for n, t in CASES])
def test_goldens_bit_exact(name, target):
    model, cases, xs = _goldens(name)
    res = model.run(xs, target=target)
    for y, c in zip(res.outputs[0], cases):
        assert y.reshape(-1).tolist() == c.tflm_output, f"{c.label} on {target}"
    assert res.total.cycles > 0 and all(s.cycles > 0 for s in res.ops)
    assert all(s.extra["instructions"] > 0 and s.extra["cpi"] >= 1.0 for s in res.ops)
    if target != "soc:baseline":
        assert sum(s.extra["cfu_ops"] for s in res.ops) > 0


def test_projects_speed_up_and_report_per_op():
    model, _, xs = _goldens("mlperf_tiny/kws_ref_model.tflite")
    base = model.run(xs[:1], target="soc:baseline")
    for target in ("soc:simd4", "soc:systolic"):
        res = model.run(xs[:1], target=target)
        assert res.total.cycles < 0.8 * base.total.cycles
        convs = [(b, s) for b, s in zip(base.ops, res.ops) if "#2 CONV_2D" in s.op]
        assert convs and convs[0][1].cycles < convs[0][0].cycles / 2  # pointwise convs gain most


def test_calibration_against_cfu_playground():
    """Baseline totals within 1.5x of CFU Playground's published figures (docs/soc.md)."""
    published = {"cfu_playground/model_pdti8.tflite": 183e6, "mlperf_tiny/kws_ref_model.tflite": 87e6}
    for name, cycles in published.items():
        model, _, xs = _goldens(name)
        ours = model.run(xs[:1], target="soc:baseline").total.cycles
        assert 1 / 1.5 <= ours / cycles <= 1.5, (name, ours)


@pytest.mark.parametrize("project", ["simd4", "systolic", "sparse"])
def test_cfu_twins_agree(project):
    make_cfu = project_parts(config_for(project))[0]
    assert check_twins(make_cfu, random_ops(np.random.default_rng(1), 3000, list(range(8)))) == 3000
