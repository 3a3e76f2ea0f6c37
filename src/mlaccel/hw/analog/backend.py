"""The analog backend: GEMMs and depthwise windows on crossbars, the rest on a digital unit; outputs
from the crossbar model itself, costs from the component table (:mod:`.cost`).

``prepare`` programs each layer's weights (one device draw, seeded by the config's ``seed`` and the
op) and prices one inference; ``run`` pushes the inputs through the crossbars, converters and
shift-and-add (:mod:`.crossbar`), then requantizes as the int8 kernels do. Read noise is drawn per
run from the seed, so a run repeats exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...backend import BoundKernel, OpResult
from ...errors import TargetError, UnsupportedOpError
from ...kernels.conv import ConvParams, FullyConnectedParams, gemm_inputs
from ...lower import Gemm, Window, WorkItem
from ...stats import Stats
from .config import AnalogConfig
from .cost import AnalogCosts
from .crossbar import map_gemm, run_gemm

__all__ = ["AnalogBackend"]


@dataclass(frozen=True)
class _Prepared:
    kernel: BoundKernel
    gemms: tuple  # MappedGemm per group; empty for digital items
    stats: Stats


def _weight_matrices(p) -> tuple[list[np.ndarray], tuple | None]:
    """The integer K x N weight matrix of each group, and ``(taps, channels_in, multiplier)`` for a
    depthwise layer (its block-diagonal matrix, rows in (tap, channel) order)."""
    if isinstance(p, ConvParams):
        return [np.rint(w).astype(np.int64) for w in p.weights], None
    if isinstance(p, FullyConnectedParams):
        return [np.rint(p.weights).astype(np.int64)], None
    taps = p.window.k_h * p.window.k_w
    cout = p.weights.shape[-1]
    cin = cout // p.multiplier
    wt = p.weights.reshape(taps, cout).astype(np.int64)
    w = np.zeros((taps * cin, cout), np.int64)
    oc = np.arange(cout)
    for t in range(taps):
        w[t * cin + oc // p.multiplier, oc] = wt[t]
    return [w], (taps, cin, p.multiplier)


class AnalogBackend:
    """Runs a model on an :class:`AnalogConfig` accelerator; Stats describe one inference."""

    name = "analog"
    parallel = False  # read noise is drawn per run, in one stream
    columns = ("macs", "cycles", "time", "util", "sram", "energy")

    def __init__(self, config: AnalogConfig):
        self.config = config
        self.name = f"analog:{config.name}"
        self.costs = AnalogCosts(config)
        self.components = self.costs.components
        self._crossbars: dict[int, int] = {}
        notes = []
        if config.adc_range == "percentile" or config.adc_bits < config.lossless_adc_bits():
            notes.append(f"the {config.adc_bits}-bit ADC ({config.adc_range} range) is lossy: a {config.rows}-row "
                         f"read needs {config.lossless_adc_bits()} bits at full range; outputs are approximate")
        if not config.ideal:
            notes.append(f"device and converter non-idealities are on (seed {config.seed}); outputs are approximate")
        self._notes = notes

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats: lossy conversion, noise, and a model larger than the chip."""
        cfg = self.config
        have = cfg.tiles * cfg.imas_per_tile * cfg.xbars_per_ima
        need = sum(self._crossbars.values())
        extra = [] if need <= have else [
            f"the model needs {need:,} crossbars, the chip has {have:,} ({cfg.tiles} tiles): weights would be "
            f"reloaded between layers, which is not costed"]
        return tuple(self._notes + extra)

    def begin(self, batch: int) -> None:
        """Nothing carries over between runs."""

    def prepare(self, item: WorkItem, kernel: BoundKernel) -> _Prepared:
        on_crossbars = (isinstance(item, Gemm) and item.b.is_weight) or \
            (isinstance(item, Window) and item.function == "depthwise")
        if isinstance(item, Gemm) and not item.b.is_weight:
            raise UnsupportedOpError(f"Op {item.label} multiplies two activations; crossbars hold weights, and "
                                     f"'{self.name}' has no digital GEMM unit", op_type=item.op.type,
                                     op_index=item.index)
        if not on_crossbars:
            return _Prepared(kernel, (), self.costs.digital(item))
        mats, depthwise = _weight_matrices(kernel.params)
        rng = np.random.default_rng([self.config.seed, item.index])
        try:
            gemms = tuple(map_gemm(w, self.config, rng, depthwise) for w in mats)
        except ValueError as e:
            raise TargetError(f"Op {item.label} cannot be mapped on '{self.name}': {e}; raise Config field "
                              f"'weight_bits' or use signed = 'differential'") from None
        self._crossbars[item.index] = sum(g.crossbars for g in gemms)
        rows = item.m if isinstance(item, Gemm) else item.pixels
        return _Prepared(kernel, gemms, self.costs.crossbars(item, rows, gemms))

    def run(self, item: WorkItem, prepared: _Prepared, inputs: list) -> OpResult:
        if not prepared.gemms:
            return OpResult([prepared.kernel(inputs)], prepared.stats)
        p = prepared.kernel.params
        n = inputs[0].shape[0]
        a = gemm_inputs(p, inputs[0])  # (n, groups, M, K): x + input_offset
        shift = p.in_offset - 128  # x + input_offset = u + shift, with u = x + 128 in 0..255
        rng = np.random.default_rng([self.config.seed, item.index, 1])
        parts = []
        for g, mapped in enumerate(prepared.gemms):
            u = a[:, g].reshape(-1, a.shape[-1]) - shift
            acc = run_gemm(mapped, u, self.config, rng)
            parts.append(np.rint(acc).astype(np.int64) + shift * mapped.col_sums)
        acc = np.concatenate(parts, axis=1) + p.bias
        out = p.requant(acc, np.zeros_like(p.bias)).reshape((n,) + p.out_shape)
        return OpResult([out], prepared.stats)

    def __repr__(self) -> str:
        return f"AnalogBackend({self.name!r})"
