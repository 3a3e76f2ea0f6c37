"""The cycle-stepped PE model and the closed form agree: values, cycles and SRAM accesses."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlaccel.hw.systolic import SystolicConfig, map_gemm, simulate_gemm
from mlaccel.hw.systolic.depthwise import DepthwiseGeometry, map_depthwise, simulate_depthwise
from mlaccel.hw.systolic.memory import gemm_traffic
from mlaccel.hw.systolic.pe_array import wrap
from mlaccel.kernels import KERNELS
from mlaccel.kernels.conv import accumulators
from mlaccel.model import GraphBuilder, quant

DATAFLOWS = st.sampled_from(["ws", "os", "is"])


@settings(max_examples=80)
@given(st.integers(0, 2**32 - 1), DATAFLOWS, st.integers(1, 40), st.integers(1, 40), st.integers(1, 40),
       st.integers(1, 9), st.integers(1, 9))
def test_gemm_values_cycles_and_accesses(seed, df, m, k, n, rows, cols):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-255, 256, (m, k)), rng.integers(-127, 128, (k, n))
    run = simulate_gemm(a, b, rows, cols, df)
    mp = map_gemm(m, k, n, rows, cols, df)
    assert np.array_equal(run.out, a @ b)
    assert run.cycles == mp.compute_cycles
    cfg = SystolicConfig(rows, cols, df, 64, 64, 64)
    assert run.elements == gemm_traffic(mp, cfg).elements


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), DATAFLOWS, st.integers(10, 20))
def test_narrow_accumulators_wrap(seed, df, bits):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-255, 256, (6, 40)), rng.integers(-127, 128, (40, 5))
    run = simulate_gemm(a, b, 4, 3, df, acc_bits=bits)
    assert np.array_equal(run.out, wrap(a @ b, bits))


def _conv_op(rng, op_type, h, w, cin, cout_or_mult, k, stride, padding):
    g = GraphBuilder()
    x = g.tensor("x", (1, h, w, cin), np.int8, quant(0.05, int(rng.integers(-20, 20))))
    if op_type == "CONV_2D":
        cout, fshape = cout_or_mult, (cout_or_mult, k, k, cin)
    else:
        cout, fshape = cin * cout_or_mult, (1, k, k, cin * cout_or_mult)
    wt = g.tensor("w", fshape, np.int8, quant(np.full(cout, 0.01), 0, 3 if op_type != "CONV_2D" else 0),
                  rng.integers(-127, 128, fshape))
    bias = g.tensor("b", (cout,), np.int32, quant(np.full(cout, 5e-4), 0), rng.integers(-3000, 3000, cout))
    out_h = (h + stride - 1) // stride if padding == "SAME" else (h - k + stride) // stride
    out_w = (w + stride - 1) // stride if padding == "SAME" else (w - k + stride) // stride
    y = g.tensor("y", (1, out_h, out_w, cout), np.int8, quant(0.2, 3))
    attrs = dict(padding=padding, stride_h=stride, stride_w=stride, activation="RELU")
    if op_type != "CONV_2D":
        attrs["depth_multiplier"] = cout_or_mult
    return g.op(op_type, [x, wt, bias], [y], **attrs), x


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), DATAFLOWS, st.integers(3, 9), st.integers(3, 9), st.integers(1, 5),
       st.integers(1, 6), st.integers(1, 3), st.integers(1, 2), st.sampled_from(["SAME", "VALID"]),
       st.integers(2, 6), st.integers(2, 6))
def test_conv_on_pe_array_equals_reference_kernel(seed, df, h, w, cin, cout, k, stride, padding, rows, cols):
    """im2col + the PE array + bias + requantization reproduce the golden CONV_2D bit for bit."""
    rng = np.random.default_rng(seed)
    op, xt = _conv_op(rng, "CONV_2D", h, w, cin, cout, k, stride, padding)
    if op.outputs[0].shape[1] < 1 or op.outputs[0].shape[2] < 1:
        return
    kern = KERNELS["CONV_2D"]
    p = kern.prepare(op)
    x = rng.integers(-128, 128, (1,) + xt.shape).astype(np.int8)
    ref = kern.eval(p, [x])
    acc = accumulators(p, x) - p.bias  # the GEMM part: A (im2col) @ B (filter)
    win = p.window
    from mlaccel.kernels.conv import _im2col

    a = _im2col(x.reshape((-1,) + xt.shape[1:]), p.in_offset, win, np.dtype(np.float64)).astype(np.int64)
    b = p.weights[0].astype(np.int64)
    run = simulate_gemm(a, b, rows, cols, df)
    assert np.array_equal(run.out, acc.reshape(run.out.shape))
    out = p.requant(run.out + p.bias, np.zeros_like(p.bias)).reshape(ref.shape)
    assert np.array_equal(out, ref)
    assert run.cycles == map_gemm(*a.shape, b.shape[1], rows, cols, df).compute_cycles


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(3, 9), st.integers(3, 9), st.integers(1, 5), st.integers(1, 2),
       st.integers(1, 3), st.integers(1, 2), st.sampled_from(["SAME", "VALID"]), st.integers(2, 10),
       st.integers(1, 6))
def test_depthwise_on_pe_array_equals_reference_kernel(seed, h, w, cin, mult, k, stride, padding, rows, cols):
    rng = np.random.default_rng(seed)
    op, xt = _conv_op(rng, "DEPTHWISE_CONV_2D", h, w, cin, mult, k, stride, padding)
    if op.outputs[0].shape[1] < 1 or op.outputs[0].shape[2] < 1:
        return
    kern = KERNELS["DEPTHWISE_CONV_2D"]
    p = kern.prepare(op)
    x = rng.integers(-128, 128, (1,) + xt.shape).astype(np.int8)
    ref = kern.eval(p, [x])
    win = p.window
    g = DepthwiseGeometry(win.in_h, win.in_w, cin, mult, win.k_h, win.k_w, win.stride_h, win.stride_w,
                          win.dil_h, win.dil_w, win.pad_top, win.pad_left, win.out_h, win.out_w)
    acc, cycles, counts = simulate_depthwise(x[0, 0].astype(np.int64) + p.in_offset, p.weights, g, rows, cols)
    out = p.requant(acc + p.bias, np.zeros_like(p.bias)).reshape(ref.shape)
    assert np.array_equal(out, ref)
    mp = map_depthwise(g, rows, cols)
    assert cycles == mp.compute_cycles and counts == mp.elements
