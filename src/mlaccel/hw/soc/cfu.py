"""Checks for CFUs: the Python ``op`` and its compiled ``jit_op`` twin must agree."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from ...errors import MlaccelError

__all__ = ["check_twins", "random_ops", "check_project"]


def check_twins(make_cfu: Callable, ops: Iterable[tuple[int, int, int, int]]) -> int:
    """Run the same operations through ``op`` and ``jit_op`` of two fresh CFUs.

    Parameters
    ----------
    make_cfu : callable
        Returns a new CFU.
    ops : iterable of (funct3, funct7, in0, in1)

    Returns
    -------
    int
        The number of operations compared.

    Raises
    ------
    MlaccelError
        At the first operation whose result or latency differs, or whose error differs.
    """
    py, jit = make_cfu(), make_cfu()
    if getattr(jit, "jit_op", None) is None:
        return 0
    n = 0
    for f3, f7, a, b in ops:
        a, b = a & 0xFFFFFFFF, b & 0xFFFFFFFF
        try:
            want = tuple(int(v) for v in py.op(f3, f7, a, b))
            want_err = None
        except Exception as e:  # noqa: BLE001
            want, want_err = None, type(e).__name__
        try:
            got = tuple(int(v) for v in jit.jit_op(jit.state, f3, f7, a, b))
            got_err = None
        except Exception as e:  # noqa: BLE001
            got, got_err = None, type(e).__name__
        if (want is None) != (got is None) or (want is not None and (want[0] & 0xFFFFFFFF, want[1]) !=
                                               (got[0] & 0xFFFFFFFF, got[1])):
            raise MlaccelError(f"CFU twins differ at operation {n} (funct3={f3}, funct7={f7}, in0=0x{a:08x}, "
                               f"in1=0x{b:08x}): op gives {want or want_err}, jit_op gives {got or got_err}")
        n += 1
    return n


def random_ops(rng: np.random.Generator, n: int, funct3s: list[int], funct7s: list[int] = (0, 1)):
    """Random operations for :func:`check_twins`: operands are small numbers (indices, sizes)
    half of the time and arbitrary 32-bit words otherwise."""
    def operand():
        return int(rng.integers(0, 64)) if rng.random() < 0.5 else int(rng.integers(0, 2**32))

    for _ in range(n):
        yield int(rng.choice(funct3s)), int(rng.choice(funct7s)), operand(), operand()


def check_project(config, n: int = 5000, seed: int = 0) -> int | None:
    """Build a SoC config's firmware and hold its CFU's ``op`` and ``jit_op`` equal on ``n`` random
    operations.

    Returns
    -------
    int or None
        Operations compared; 0 when the CFU has no ``jit_op``; None when there is no CFU.

    Raises
    ------
    BuildError, MlaccelError
        The firmware does not build, or the twins differ (naming the operation).
    """
    from .backend import firmware_for

    _, make_cfu = firmware_for(config)
    if make_cfu is None:
        return None
    return check_twins(make_cfu, random_ops(np.random.default_rng(seed), n, list(range(8))))
