"""Sliding-window geometry shared by convolution and pooling: padding, output size, im2col."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelError
from ..graph import Op

__all__ = ["Window", "window_of", "padded", "taps"]


@dataclass(frozen=True)
class Window:
    """The geometry of one 2-D windowed op over an NHWC tensor.

    ``pad_top``/``pad_left`` follow TFLite's ComputePaddingWithOffset; ``pad_bottom``/``pad_right``
    are however many rows/columns the last window needs beyond the input (taps there contribute
    nothing, as TFLM's bounds checks skip them).
    """

    in_h: int
    in_w: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    dil_h: int
    dil_w: int
    out_h: int
    out_w: int
    pad_top: int
    pad_left: int
    pad_bottom: int
    pad_right: int


def _out_and_pad(padding: str, size: int, k: int, stride: int, dil: int) -> tuple[int, int, int]:
    eff = (k - 1) * dil + 1
    if padding == "SAME":
        out = (size + stride - 1) // stride
    else:
        out = (size - eff + stride) // stride
    total = max(0, (out - 1) * stride + eff - size)
    before = total // 2
    after = max(0, (out - 1) * stride + eff - size - before)
    return out, before, after


def window_of(op: Op, in_shape, k_h: int, k_w: int, out_shape) -> Window:
    """Compute an op's window geometry and check it against the model's output shape.

    Parameters
    ----------
    op : Op
        Provides ``padding``, ``stride_h/w`` and optionally ``dilation_h/w``.
    in_shape, out_shape : sequence of int
        NHWC shapes from the model.
    k_h, k_w : int
        Filter size.
    """
    a = op.attrs
    sh, sw = a.get("stride_h", 1), a.get("stride_w", 1)
    dh, dw = a.get("dilation_h", 1), a.get("dilation_w", 1)
    for name, v in (("stride_h", sh), ("stride_w", sw), ("dilation_h", dh), ("dilation_w", dw),
                    ("filter_h", k_h), ("filter_w", k_w)):
        if v < 1:
            raise KernelError(f"Op {op.label}: {name} is {v}; it must be at least 1")
    if len(in_shape) != 4 or len(out_shape) != 4:
        raise KernelError(f"Op {op.label}: expects 4-D NHWC tensors, got input {tuple(in_shape)} "
                          f"and output {tuple(out_shape)}")
    padding = a.get("padding", "VALID")
    oh, top, bottom = _out_and_pad(padding, in_shape[1], k_h, sh, dh)
    ow, left, right = _out_and_pad(padding, in_shape[2], k_w, sw, dw)
    if (oh, ow) != (out_shape[1], out_shape[2]):
        raise KernelError(
            f"Op {op.label}: {padding} padding of a {in_shape[1]}x{in_shape[2]} input with a "
            f"{k_h}x{k_w} window, stride {sh}x{sw} and dilation {dh}x{dw} gives {oh}x{ow}, but the "
            f"output tensor is {out_shape[1]}x{out_shape[2]}")
    if oh < 1 or ow < 1:
        raise KernelError(f"Op {op.label}: the window is larger than the input")
    return Window(in_shape[1], in_shape[2], k_h, k_w, sh, sw, dh, dw, oh, ow, top, left, bottom, right)


def padded(x: np.ndarray, w: Window, value=0) -> np.ndarray:
    """Pad an (N, H, W, C) array for the window."""
    if not (w.pad_top or w.pad_bottom or w.pad_left or w.pad_right):
        return x
    return np.pad(x, ((0, 0), (w.pad_top, w.pad_bottom), (w.pad_left, w.pad_right), (0, 0)),
                  constant_values=value)


def taps(xp: np.ndarray, w: Window):
    """Yield ``(kh, kw, view)`` for every filter tap: the (N, OH, OW, C) input view it multiplies."""
    h_span = (w.out_h - 1) * w.stride_h + 1
    w_span = (w.out_w - 1) * w.stride_w + 1
    for kh in range(w.k_h):
        y0 = kh * w.dil_h
        for kw in range(w.k_w):
            x0 = kw * w.dil_w
            yield kh, kw, xp[:, y0:y0 + h_span:w.stride_h, x0:x0 + w_span:w.stride_w, :]
