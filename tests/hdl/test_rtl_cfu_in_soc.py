"""An RTL CFU (Amaranth, under Verilator) on the SoC's CFU port equals its Python twin on kws."""

import numpy as np

import mlaccel
from mlaccel.hdl.cosim import verilated_cfu
from mlaccel.hdl.simd4 import Simd4Cfu
from mlaccel.model.zoo import golden_cases, golden_input

from ..conftest import MODELS


def test_verilated_cfu_handshake():
    cfu = verilated_cfu(Simd4Cfu())
    assert cfu.op(1, 0, 5, 0) == (0, 1)  # SET_OFFSET
    assert cfu.op(0, 1, 0x01020304, 0x01010101) == (30, 1)  # cleared, then 4 MACs with offset 5
    assert cfu.op(0, 0, 0x01020304, 0x01010101) == (60, 1)


def test_kws_inference_equal_results_and_cycles():
    name = "mlperf_tiny/kws_ref_model.tflite"
    model = mlaccel.load(MODELS / name)
    case = next(c for c in golden_cases(MODELS) if c.model == name)
    x = golden_input(case, model.inputs[0], MODELS)
    python = model.run(x, target="soc:simd4")
    rtl = model.run(x, target="soc:simd4_rtl")
    assert rtl.outputs[0].reshape(-1).tolist() == case.tflm_output
    assert np.array_equal(rtl.outputs[0], python.outputs[0])
    assert [s.cycles for s in rtl.ops] == [s.cycles for s in python.ops]
    assert sum(s.extra["cfu_ops"] for s in rtl.ops) == sum(s.extra["cfu_ops"] for s in python.ops) > 500_000
