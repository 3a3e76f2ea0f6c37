"""The lecture's fully worked backpropagation example, by hand in NumPy and by torch autograd.

A 2-2-2 network of sigmoid units (Mazur's example): inputs i1 = 0.05, i2 = 0.10; weights w1..w4
from the inputs to the hidden units (w1: i1->h1, w2: i2->h1, w3: i1->h2, w4: i2->h2), w5..w8 from
the hidden to the output units (w5: h1->o1, w6: h2->o1, w7: h1->o2, w8: h2->o2); biases b1 (hidden)
and b2 (output), not trained; targets 0.01 and 0.99; squared error ``E = sum 1/2 (target - out)^2``;
one gradient step with learning rate 0.5, every weight updated from the same (old) weights.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EXAMPLE", "EXPECTED", "backprop_numpy", "backprop_torch"]

EXAMPLE = dict(i=(0.05, 0.10), w=(0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55), b=(0.35, 0.60),
               target=(0.01, 0.99), lr=0.5)
# The lecture's numbers.
EXPECTED = dict(net_h1=0.3775, out_h1=0.593269992, E_total=0.298371109, w5=0.35891648, w1=0.149780716)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def backprop_numpy(example: dict = EXAMPLE) -> dict:
    """Forward pass, the chain rule written out per weight, and one step; every intermediate value."""
    i = np.array(example["i"], np.float64)
    w = np.array(example["w"], np.float64)
    b1, b2 = example["b"]
    t = np.array(example["target"], np.float64)
    w_ih = w[:4].reshape(2, 2)  # rows: h1, h2; columns: i1, i2
    w_ho = w[4:].reshape(2, 2)  # rows: o1, o2; columns: h1, h2
    net_h = w_ih @ i + b1
    out_h = _sigmoid(net_h)
    net_o = w_ho @ out_h + b2
    out_o = _sigmoid(net_o)
    e = 0.5 * (t - out_o) ** 2
    # Output layer: dE/dw = dE/dout * dout/dnet * dnet/dw
    delta_o = -(t - out_o) * out_o * (1 - out_o)
    grad_ho = np.outer(delta_o, out_h)
    # Hidden layer: each hidden unit's error is the sum of what it sent to both outputs (old w5..w8)
    delta_h = (w_ho.T @ delta_o) * out_h * (1 - out_h)
    grad_ih = np.outer(delta_h, i)
    new = np.concatenate([(w_ih - example["lr"] * grad_ih).ravel(), (w_ho - example["lr"] * grad_ho).ravel()])
    return {"net_h1": net_h[0], "out_h1": out_h[0], "out_h2": out_h[1], "net_o1": net_o[0], "out_o1": out_o[0],
            "out_o2": out_o[1], "E_o1": e[0], "E_o2": e[1], "E_total": e.sum(),
            "grads": np.concatenate([grad_ih.ravel(), grad_ho.ravel()]), "new_w": new,
            **{f"w{k + 1}": new[k] for k in range(8)}}


def backprop_torch(example: dict = EXAMPLE) -> dict:
    """The same step by torch autograd (float64)."""
    from ..compress.torch_support import require_torch

    torch = require_torch()
    i = torch.tensor(example["i"], dtype=torch.float64)
    w = torch.tensor(example["w"], dtype=torch.float64, requires_grad=True)
    b1, b2 = example["b"]
    t = torch.tensor(example["target"], dtype=torch.float64)
    out_h = torch.sigmoid(w[:4].reshape(2, 2) @ i + b1)
    out_o = torch.sigmoid(w[4:].reshape(2, 2) @ out_h + b2)
    e = (0.5 * (t - out_o) ** 2).sum()
    e.backward()
    with torch.no_grad():
        new = (w - example["lr"] * w.grad).numpy()
        net_h1 = float(w[:2] @ i) + b1
    return {"net_h1": net_h1, "out_h1": float(out_h[0].detach()), "E_total": float(e.detach()),
            "grads": w.grad.numpy().copy(), "new_w": new, **{f"w{k + 1}": float(new[k]) for k in range(8)}}
