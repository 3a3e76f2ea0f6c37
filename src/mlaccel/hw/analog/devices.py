"""Device and converter non-idealities: programmed conductances and ADC conversion.

Conductances are in cell levels: a cell of ``b`` bits programmed to level ``L`` holds
``g = L * g_max / (2^b - 1)``, so an ideal cell's value is exactly ``L``. Every draw comes from the
generator it is given (seeded by the config's ``seed`` and the layer), so runs repeat.
"""

from __future__ import annotations

import numpy as np

__all__ = ["program", "pcm_programming_sigma", "convert", "PCM_G_MAX_US"]

# aihwkit's PCMLikeNoiseModel (Nandakumar et al., "Phase-change memory models for deep learning
# training and inference", ICECS 2019): programming noise sigma in uS as a polynomial of the target
# conductance normalized to g_max = 25 uS.
PCM_G_MAX_US = 25.0
_PCM_PROG_COEFF = (0.26348, 1.9650, -1.1731)


def pcm_programming_sigma(x: np.ndarray) -> np.ndarray:
    """Programming noise sigma (uS) of PCM cells at normalized target conductance ``x`` in [0, 1]."""
    c0, c1, c2 = _PCM_PROG_COEFF
    return np.maximum(c0 + c1 * x + c2 * x * x, 0.0)


def program(levels: np.ndarray, config, rng: np.random.Generator) -> np.ndarray:
    """The conductances (in levels, float) that programming ``levels`` gives, then stuck cells and
    drift to ``config.drift_time_s``.

    Parameters
    ----------
    levels : ndarray of int, any shape
        Target levels in ``0 .. 2^cell_bits - 1``.
    """
    top = 2 ** config.cell_bits - 1
    g = levels.astype(np.float64)
    if config.prog_noise == "pcm":
        sigma = pcm_programming_sigma(g / top) / PCM_G_MAX_US * top
    elif isinstance(config.prog_noise, str):
        sigma = 0.0
    else:
        sigma = float(config.prog_noise) * top
    if np.any(sigma):
        g = np.maximum(g + rng.standard_normal(g.shape) * sigma, 0.0)
    if config.stuck_on or config.stuck_off:
        u = rng.random(g.shape)
        g = np.where(u < config.stuck_on, float(top), g)
        g = np.where((u >= config.stuck_on) & (u < config.stuck_on + config.stuck_off), 0.0, g)
    if config.drift_nu:
        ratio = config.drift_time_s / config.drift_t0_s
        nu = np.maximum(config.drift_nu + config.drift_nu_std * rng.standard_normal(g.shape), 0.0)
        g = g * ratio ** -nu
        if config.drift_compensation:  # a global correction by the mean drift, as aihwkit applies
            g = g / ratio ** -config.drift_nu
    return g


def convert(v: np.ndarray, full_scale: float, bits: int, offset: np.ndarray | float = 0.0,
            inl_lsb: float = 0.0) -> np.ndarray:
    """An ADC: the value each code stands for, for analog column sums ``v`` (in level x input units).

    The ADC spans ``[0, full_scale]`` in ``2^bits - 1`` steps, but never finer than one unit (the
    sums of ideal cells are integers, which a step of 1 converts exactly). ``offset`` (LSB, per
    column) shifts the input; ``inl_lsb`` bows the transfer curve, peaking at mid-scale.
    """
    top = 2 ** bits - 1
    lsb = max(1.0, full_scale / top)
    x = v / lsb if lsb != 1.0 else v.copy()
    if inl_lsb:
        y = np.clip(x / top, 0.0, 1.0)
        x += inl_lsb * 4.0 * y * (1.0 - y)
    if np.any(offset):
        x += offset
    np.rint(x, out=x)
    np.clip(x, 0, top, out=x)
    if lsb != 1.0:
        x *= lsb
    return x
