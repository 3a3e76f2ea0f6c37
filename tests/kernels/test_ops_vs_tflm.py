"""Property tests: every kernel equals TFLite-Micro on single-op models with random parameters.

Each example builds a one-op graph, writes it with our writer, and runs the bytes through both
TFLite-Micro and (re-read by our reader) the reference backend, so the writer and reader are
exercised too.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlaccel.model import GraphBuilder, parse_tflite, quant, serialize_tflite
from mlaccel.verify.oracle import tflm_run
from mlaccel.session import Model

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
SCALES = st.floats(1e-3, 2.0)
ZPS = st.integers(-128, 127)


def run_both(graph, inputs):
    data = serialize_tflite(graph)
    ours = Model(parse_tflite(data)).run(*inputs).outputs
    theirs = tflm_run(data, *inputs, n_outputs=len(ours))
    for a, b in zip(ours, theirs):
        b = np.asarray(b).reshape(a.shape)
        if a.dtype == np.float32:
            assert np.array_equal(a.view(np.uint32), b.view(np.uint32))
        else:
            assert np.array_equal(a, b), f"max |diff| {np.abs(a.astype(int) - b.astype(int)).max()}"
    return ours


def rand_int8(rng, shape, lo=-128, hi=127):
    return rng.integers(lo, hi + 1, shape).astype(np.int8)


def out_scale(in_scale, w_scale, taps, factor):
    """An output scale that keeps most outputs in range: about 3 standard deviations of the sum."""
    return float(in_scale * w_scale * 74 * 73 * np.sqrt(taps) * 3 / 128 * factor)


@st.composite
def conv_cases(draw, depthwise=False):
    seed = draw(st.integers(0, 2**32 - 1))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    cin = draw(st.integers(1, 8))
    if depthwise:
        mult = draw(st.integers(1, 3))
        cout, groups = cin * mult, 1
    else:
        groups = draw(st.sampled_from([1, 1, 1, 2]))
        cin *= groups
        cout = draw(st.integers(1, 6)) * groups
        mult = 1
    return dict(seed=seed, h=h, w=w, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw, padding=padding,
                cin=cin, cout=cout, groups=groups, mult=mult, act=draw(ACTS),
                in_scale=draw(SCALES), in_zp=draw(ZPS), out_zp=draw(ZPS),
                factor=draw(st.floats(0.25, 4.0)),
                # TFLite-Micro's depthwise kernel crashes (segfault) without a bias tensor.
                bias=True if depthwise else draw(st.booleans()))


def _out_size(padding, size, k, stride, dil):
    eff = (k - 1) * dil + 1
    return (size + stride - 1) // stride if padding == "SAME" else (size - eff + stride) // stride


def _conv_graph(c, depthwise):
    rng = np.random.default_rng(c["seed"])
    oh = _out_size(c["padding"], c["h"], c["kh"], c["sh"], c["dh"])
    ow = _out_size(c["padding"], c["w"], c["kw"], c["sw"], c["dw"])
    assume(oh >= 1 and ow >= 1)
    cout = c["cout"]
    w_scales = rng.uniform(0.002, 0.05, cout).astype(np.float32)
    taps = c["kh"] * c["kw"] * (1 if depthwise else c["cin"] // c["groups"])
    o_s = out_scale(c["in_scale"], float(w_scales.mean()), taps, c["factor"])
    g = GraphBuilder()
    x = g.tensor("x", (1, c["h"], c["w"], c["cin"]), np.int8, quant(c["in_scale"], c["in_zp"]))
    fshape = (1, c["kh"], c["kw"], cout) if depthwise else (cout, c["kh"], c["kw"], c["cin"] // c["groups"])
    wt = g.tensor("w", fshape, np.int8, quant(w_scales, 0, axis=3 if depthwise else 0),
                  rand_int8(rng, fshape, -127))
    b = None
    if c["bias"]:
        b_scale = (np.float32(c["in_scale"]) * w_scales).astype(np.float32)
        b = g.tensor("b", (cout,), np.int32, quant(b_scale, 0), rng.integers(-20000, 20000, cout))
    y = g.tensor("y", (1, oh, ow, cout), np.int8, quant(o_s, c["out_zp"]))
    attrs = dict(padding=c["padding"], stride_h=c["sh"], stride_w=c["sw"], dilation_h=c["dh"],
                 dilation_w=c["dw"], activation=c["act"])
    if depthwise:
        attrs["depth_multiplier"] = c["mult"]
    g.op("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", [x, wt, b], [y], **attrs)
    return g.build([x], [y]), rand_int8(rng, x.shape)


@SETTINGS
@given(conv_cases())
def test_conv2d(c):
    graph, x = _conv_graph(c, depthwise=False)
    run_both(graph, [x])


@SETTINGS
@given(conv_cases(depthwise=True))
def test_depthwise_conv2d(c):
    graph, x = _conv_graph(c, depthwise=True)
    run_both(graph, [x])


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 256), st.integers(1, 64), ACTS,
       SCALES, ZPS, ZPS, st.floats(0.25, 4.0), st.booleans())
def test_fully_connected(seed, batches, depth, units, act, in_s, in_zp, out_zp, factor, bias):
    rng = np.random.default_rng(seed)
    w_s = float(rng.uniform(0.002, 0.05))
    g = GraphBuilder()
    x = g.tensor("x", (batches, depth), np.int8, quant(in_s, in_zp))
    w = g.tensor("w", (units, depth), np.int8, quant(w_s, 0), rand_int8(rng, (units, depth), -127))
    b = g.tensor("b", (units,), np.int32, quant(np.float32(in_s) * np.float32(w_s), 0),
                 rng.integers(-20000, 20000, units)) if bias else None
    y = g.tensor("y", (batches, units), np.int8, quant(out_scale(in_s, w_s, depth, factor), out_zp))
    g.op("FULLY_CONNECTED", [x, w, b], [y], activation=act)
    run_both(g.build([x], [y]), [rand_int8(rng, x.shape)])


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from(["AVERAGE_POOL_2D", "MAX_POOL_2D"]),
       st.integers(1, 12), st.integers(1, 12), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4),
       st.integers(1, 3), st.integers(1, 3), st.sampled_from(["SAME", "VALID"]), ACTS, SCALES, ZPS)
def test_pooling(seed, op, h, w, c, fh, fw, sh, sw, padding, act, s, zp):
    oh, ow = _out_size(padding, h, fh, sh, 1), _out_size(padding, w, fw, sw, 1)
    assume(oh >= 1 and ow >= 1)
    rng = np.random.default_rng(seed)
    g = GraphBuilder()
    x = g.tensor("x", (1, h, w, c), np.int8, quant(s, zp))
    y = g.tensor("y", (1, oh, ow, c), np.int8, quant(s, zp))  # TFLM pools keep the quantization
    g.op(op, [x], [y], padding=padding, stride_h=sh, stride_w=sw, filter_h=fh, filter_w=fw, activation=act)
    run_both(g.build([x], [y]), [rand_int8(rng, x.shape)])


@st.composite
def broadcast_shapes(draw):
    rank = draw(st.integers(1, 4))
    full = [draw(st.integers(1, 5)) for _ in range(rank)]
    a = [d if draw(st.integers(0, 3)) else 1 for d in full]
    b = [d if draw(st.integers(0, 3)) else 1 for d in full]
    b = b[draw(st.integers(0, rank - 1)):]  # shorter rank: TFLite aligns on the right
    return tuple(a), tuple(b)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from(["ADD", "SUB", "MUL"]), broadcast_shapes(), ACTS,
       SCALES, SCALES, SCALES, ZPS, ZPS, ZPS)
def test_binary_elementwise(seed, op, shapes, act, s1, s2, so, z1, z2, zo):
    rng = np.random.default_rng(seed)
    out_shape = np.broadcast_shapes(*shapes)
    if op == "MUL":
        so = float(s1 * s2 * 74 * 74 / 128 * so)  # keep products in range
    g = GraphBuilder()
    a = g.tensor("a", shapes[0], np.int8, quant(s1, z1))
    b = g.tensor("b", shapes[1], np.int8, quant(s2, z2))
    y = g.tensor("y", out_shape, np.int8, quant(so, zo))
    g.op(op, [a, b], [y], activation=act)
    run_both(g.build([a, b], [y]), [rand_int8(rng, a.shape), rand_int8(rng, b.shape)])


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([(1, 1), (1, 10), (2, 7), (1, 3, 4, 12), (4, 64)]),
       st.floats(1e-3, 1.0), ZPS, st.sampled_from([1.0, 0.5, 2.0, 0.1]))
def test_softmax(seed, shape, s, zp, beta):
    rng = np.random.default_rng(seed)
    g = GraphBuilder()
    x = g.tensor("x", shape, np.int8, quant(s, zp))
    y = g.tensor("y", shape, np.int8, quant(1 / 256, -128))
    g.op("SOFTMAX", [x], [y], beta=beta)
    run_both(g.build([x], [y]), [rand_int8(rng, shape)])


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.floats(1e-3, 0.5), ZPS)
def test_logistic(seed, n, s, zp):
    rng = np.random.default_rng(seed)
    g = GraphBuilder()
    x = g.tensor("x", (1, n), np.int8, quant(s, zp))
    y = g.tensor("y", (1, n), np.int8, quant(1 / 256, -128))
    g.op("LOGISTIC", [x], [y])
    x_data = np.concatenate([np.arange(-128, 128), rng.integers(-128, 128, n)])[:n].astype(np.int8)
    run_both(g.build([x], [y]), [x_data.reshape(1, n)])


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 64), SCALES, ZPS, st.floats(0.1, 100.0))
def test_quantize_dequantize(seed, n, s, zp, spread):
    rng = np.random.default_rng(seed)
    g = GraphBuilder()
    f = g.tensor("f", (1, n), np.float32)
    q = g.tensor("q", (1, n), np.int8, quant(s, zp))
    r = g.tensor("r", (1, n), np.float32)
    g.op("QUANTIZE", [f], [q])
    g.op("DEQUANTIZE", [q], [r])
    x = (rng.normal(0, spread, n) * s).astype(np.float32)
    x[: n // 4] = (np.round(x[: n // 4] / s) + 0.5) * np.float32(s)  # exact ties
    run_both(g.build([f], [q, r]), [x.reshape(1, n)])


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 6), st.integers(1, 4),
       st.lists(st.integers(0, 3), min_size=8, max_size=8), SCALES, ZPS)
def test_pad(seed, h, w, c, p, s, zp):
    rng = np.random.default_rng(seed)
    pads = np.array([[0, 0], [p[0], p[1]], [p[2], p[3]], [p[4] % 2, p[5] % 2]], np.int32)
    g = GraphBuilder()
    x = g.tensor("x", (1, h, w, c), np.int8, quant(s, zp))
    pt = g.tensor("pads", (4, 2), np.int32, None, pads)
    y = g.tensor("y", (1, h + p[0] + p[1], w + p[2] + p[3], c + p[4] % 2 + p[5] % 2), np.int8, quant(s, zp))
    g.op("PAD", [x, pt], [y])
    run_both(g.build([x], [y]), [rand_int8(rng, x.shape)])


@st.composite
def slice_cases(draw):
    """Shape, per-axis (begin, end, stride) and masks; shrunk axes get a valid begin, stride 1."""
    shape = [draw(st.integers(1, 6)) for _ in range(4)]
    begin, end, strides, masks = [], [], [], [0, 0, 0]
    for ax, d in enumerate(shape):
        stride = draw(st.sampled_from([1, 2, 3, -1, -2]))
        b_, n = draw(st.integers(0, d - 1)), draw(st.integers(1, d))
        e_ = b_ + n * stride
        if e_ < 0:
            e_ = -d - 1  # "past index 0" for a negative stride
        if draw(st.booleans()):
            b_ -= d  # the same start written as a negative index
        kind = draw(st.sampled_from(["plain", "plain", "begin_mask", "end_mask", "shrink"]))
        if kind == "shrink":
            # TFLM's loop for a shrunk axis with a negative stride runs zero times and leaves the
            # output unwritten, so only positive strides have a defined value to compare with.
            stride, b_ = 1, draw(st.integers(-d, d - 1))
        if kind != "plain":
            masks[["begin_mask", "end_mask", "shrink"].index(kind)] |= 1 << ax
        begin.append(b_)
        end.append(e_)
        strides.append(stride)
    return shape, begin, end, strides, masks


@SETTINGS
@given(st.integers(0, 2**32 - 1), slice_cases())
def test_strided_slice(seed, case):
    shape, begin, end, strides, (begin_mask, end_mask, shrink_mask) = case
    rng = np.random.default_rng(seed)
    index = []  # the same slice in NumPy's terms, for an independent expected value
    for ax in range(4):
        bit = 1 << ax
        if shrink_mask & bit:
            index.append(begin[ax])
        else:
            index.append(slice(None if begin_mask & bit else begin[ax],
                               None if end_mask & bit else end[ax], strides[ax]))
    data = rand_int8(rng, shape)
    expected = data[tuple(index)]
    assume(expected.size > 0)
    g = GraphBuilder()
    x = g.tensor("x", shape, np.int8, quant(0.5, 1))
    tb, te, ts = (g.tensor(n, (4,), np.int32, None, np.array(v, np.int32))
                  for n, v in (("b", begin), ("e", end), ("s", strides)))
    y = g.tensor("y", expected.shape, np.int8, quant(0.5, 1))
    g.op("STRIDED_SLICE", [x, tb, te, ts], [y], begin_mask=begin_mask, end_mask=end_mask,
         shrink_axis_mask=shrink_mask)
    (out,) = run_both(g.build([x], [y]), [data])
    assert np.array_equal(out, expected)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(0, 3), st.lists(st.integers(1, 4), min_size=2, max_size=4),
       SCALES, ZPS)
def test_concatenation_and_reshape(seed, axis, sizes, s, zp):
    rng = np.random.default_rng(seed)
    base = [1, 3, 2, 2]
    g = GraphBuilder()
    ins = []
    for i, n in enumerate(sizes):
        shape = list(base)
        shape[axis] = n
        ins.append(g.tensor(f"x{i}", tuple(shape), np.int8, quant(s, zp)))
    out_shape = list(base)
    out_shape[axis] = sum(sizes)
    y = g.tensor("y", tuple(out_shape), np.int8, quant(s, zp))
    g.op("CONCATENATION", ins, [y], axis=axis, activation="NONE")
    shape_t = g.tensor("shape", (2,), np.int32, None, np.array([1, -1], np.int32))
    z = g.tensor("z", (1, int(np.prod(out_shape))), np.int8, quant(s, zp))
    g.op("RESHAPE", [y, shape_t], [z])
    data = [rand_int8(rng, t.shape) for t in ins]
    (out,) = run_both(g.build(ins, [z]), data)
    assert np.array_equal(out.reshape(out_shape), np.concatenate(data, axis=axis))


FLOATS = st.floats(width=32, allow_nan=True, allow_infinity=True)


@SETTINGS
@given(st.lists(FLOATS, min_size=1, max_size=32), SCALES, ZPS)
def test_quantize_equals_tflm_for_every_float(values, s, zp):
    """Infinities, NaN and values far outside int32 included: TFLM's cast to int32 gives INT32_MIN
    for them on x86-64, and adding the zero point wraps (kernels/boundary.py)."""
    specials = [np.inf, -np.inf, np.nan, -1e11, 1e11, 3e38, -3e38, 2.0**31, -(2.0**31), 0.0, -0.0]
    x = np.array(values + specials, np.float32)
    g = GraphBuilder()
    f = g.tensor("f", (1, x.size), np.float32)
    q = g.tensor("q", (1, x.size), np.int8, quant(s, zp))
    g.op("QUANTIZE", [f], [q])
    run_both(g.build([f], [q]), [x.reshape(1, -1)])


def test_magic_wand_with_extreme_inputs():
    from ..conftest import model_path

    path = model_path("magic_wand")
    m = Model(parse_tflite(path.read_bytes()))
    rng = np.random.default_rng(7)
    for fill in (-1e11, -np.inf, np.inf, np.nan, 1e30):
        x = rng.normal(0, 100, m.inputs[0].shape).astype(np.float32)
        x.reshape(-1)[::3] = fill
        ours = m.run(x).outputs[0]
        theirs = np.asarray(tflm_run(path, x)[0]).reshape(ours.shape)
        assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32)), fill
