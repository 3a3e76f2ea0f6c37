"""The SoC backend: a model's ops run as C kernels on the simulated RISC-V core.

``prepare`` places every tensor an op touches in simulated RAM (constants are written once) and
packs the kernel's parameter block with what TFLM computes in Prepare (multipliers, offsets,
activation ranges; taken from the golden kernels' own ``prepare``). ``run`` writes the inputs,
calls the kernel through the firmware's trampoline, reads the output back, and reports the cycles,
instructions, cache misses, CFU calls, memory traffic and energy the core counted, per inference.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ...backend import BoundKernel, OpResult
from ...energy import load_table
from ...errors import Interrupted, UnsupportedOpError
from ...graph import Op, Tensor
from ...lower import WorkItem
from ...stats import Stats
from . import core
from .config import SocConfig
from .cost import cfu_energy, core_energy
from .machine import CacheState, Machine
from .project import project_parts
from .toolchain import FIRMWARE_DIR, build_firmware, kernel_sources

__all__ = ["SocBackend", "firmware_for"]


def _words(*values) -> bytes:
    return struct.pack(f"<{len(values)}I", *[int(v) & 0xFFFFFFFF for v in values])


def firmware_for(config: SocConfig):
    """Build (or find cached) the firmware of a config; returns ``(elf_path, make_cfu)``.

    Imports the project's ``cfu.py``; a compile error raises BuildError with the compiler's
    ``file:line`` lines.
    """
    make_cfu, sources, includes = project_parts(config)
    elf = build_firmware(kernel_sources() + sources, [FIRMWARE_DIR, *includes], name=config.name)
    return elf, make_cfu


@dataclass
class _Call:
    function: str
    params: int  # address of the parameter block


@dataclass
class _Prepared:
    calls: list[_Call]
    inputs: list[tuple[int, Tensor]]  # (address, tensor) of activation inputs
    output: tuple[int, Tensor]
    stats: Stats


class SocBackend:
    """Runs ops on a :class:`~.machine.Machine` configured by a :class:`SocConfig`.

    Every inference starts with empty caches and a reset CFU (unless ``config.warm_caches``), so
    a batch of N gives each sample the Stats it would get alone, and every run the same Stats.
    """

    columns = ("cycles", "stall", "instructions", "cpi", "cfu_ops", "dram", "energy")

    def __init__(self, config: SocConfig):
        self.config = config
        self.name = f"soc:{config.name}"
        elf, make_cfu = firmware_for(config)
        self.machine = Machine(config.ram_bytes, config.timing, make_cfu() if make_cfu else None,
                               cfu_timeout_s=config.cfu_timeout_s)
        self.machine.load_elf(elf)
        self.tech = load_table(config.tech)
        self.cfu_energy = cfu_energy(self.machine.cfu, self.tech)
        notes = []
        if self.machine.cfu is not None and self.cfu_energy is None:
            notes.append(f"the CFU ({type(self.machine.cfu).__name__}) declares no ENERGY; its energy is not counted")
        note = self.tech.sram_note(config.timing.dcache_bytes)
        if note:
            notes.append(note)
        self.notes = tuple(notes)
        self._addr: dict[int, int] = {}
        self._caches: list[CacheState | None] = []

    def begin(self, batch: int) -> None:
        """Start a run of ``batch`` inferences: cold caches for each (unless warm) and a reset CFU."""
        self.machine.reset_cfu()
        self._caches = [None] * batch

    # -- memory --------------------------------------------------------------------------------

    def _place(self, t: Tensor) -> int:
        if t.index not in self._addr:
            self._addr[t.index] = self.machine.alloc(max(t.nbytes, 4))
            if t.is_constant:
                self.machine.write(self._addr[t.index], np.ascontiguousarray(t.data))
        return self._addr[t.index]

    def _array(self, values, dtype=np.int32) -> int:
        data = np.ascontiguousarray(np.asarray(values, dtype))
        addr = self.machine.alloc(max(data.nbytes, 4))
        self.machine.write(addr, data)
        return addr

    def _block(self, *values) -> int:
        raw = _words(*values)
        addr = self.machine.alloc(len(raw))
        self.machine.write(addr, raw)
        return addr

    # -- ops -----------------------------------------------------------------------------------

    def prepare(self, item: WorkItem, kernel: BoundKernel) -> _Prepared:
        op = item.op
        packer = getattr(self, "_pack_" + op.type.lower(), None)
        if packer is None:
            raise UnsupportedOpError(f"Op {op.label} has no C kernel on target '{self.name}'",
                                     op_type=op.type, op_index=op.index)
        calls = packer(op, kernel.params)
        ins = [(self._place(t), t) for t in op.inputs if t is not None and not t.is_constant]
        stats = Stats(op=item.label, macs=item.macs, param_bytes=item.weight_bytes, output_shape=op.outputs[0].shape)
        return _Prepared(calls, ins, (self._place(op.outputs[0]), op.outputs[0]), stats)

    def run(self, item: WorkItem, prepared: _Prepared, inputs: list) -> OpResult:
        op = item.op
        m, warm = self.machine, self.config.warm_caches
        act = [x for t, x in zip(op.inputs, inputs) if t is not None and not t.is_constant]
        n = max(x.shape[0] for x in act) if act else 1
        if len(self._caches) != n:  # run outside Model.run: start cold
            self.begin(n)
        out_addr, out_t = prepared.output
        outs = np.empty((n,) + out_t.shape, out_t.dtype)
        before = m.counters.copy()
        for i in range(n):
            if not warm:
                if self._caches[i] is None:
                    m.reset_caches()
                else:
                    m.set_cache_state(self._caches[i])
            for (addr, t), x in zip(prepared.inputs, act):
                m.write(addr, np.ascontiguousarray(x[min(i, x.shape[0] - 1)], t.dtype))
            try:
                for call in prepared.calls:
                    m.call(call.function, call.params, max_instructions=self.config.max_instructions)
            except Interrupted as e:
                raise Interrupted(f"{e} (sample {i + 1} of {n})") from None
            outs[i] = np.frombuffer(m.read(out_addr, out_t.nbytes), out_t.dtype).reshape(out_t.shape)
            if not warm:
                self._caches[i] = m.cache_state()
        return OpResult([outs], self._stats(prepared.stats, (m.counters - before) / n))

    def _stats(self, s: Stats, d: np.ndarray) -> Stats:
        """Per-inference Stats from the counters' mean change over the batch."""
        counts = dict(zip(core.COUNTERS, d.tolist()))
        t = self.config.timing
        cycles = int(round(counts["cycles"]))
        instr = counts["instret"]
        misses = counts["icache_misses"] + counts["dcache_misses"]
        n = lambda name: int(round(counts[name]))  # noqa: E731
        reads = {"cache.code": n("instret") * 4, "cache.data": n("loads") * 4,
                 "dram.code": n("icache_misses") * t.line_bytes, "dram.data": n("dcache_misses") * t.line_bytes}
        writes = {"dram.data": n("stores") * 4}
        extra = {name: n(name) for name in ("icache_misses", "dcache_misses", "branch_mispredicts",
                                            "load_use_stalls", "cfu_ops", "cfu_cycles", "loads", "stores", "traps")}
        extra.update(instructions=int(round(instr)), cpi=counts["cycles"] / instr if instr else 0.0)
        return Stats(op=s.op, cycles=cycles, seconds=cycles / (self.config.clock_mhz * 1e6),
                     stall_cycles=int(round(misses * t.miss_penalty)), macs=s.macs, param_bytes=s.param_bytes,
                     reads=reads, writes=writes, energy_pj=core_energy(counts, t, self.tech, self.cfu_energy),
                     output_shape=s.output_shape, extra=extra)

    def _conv_block(self, op: Op, p, filt: np.ndarray, depthwise: bool) -> list[_Call]:
        w, r = p.window, p.requant
        x, out = op.inputs[0], op.outputs[0]
        bias = self._place(op.inputs[2]) if op.input(2) is not None else 0
        block = self._block(
            self._place(x), self._place(op.inputs[1]), bias, self._place(out),
            self._array(r.multiplier), self._array(r.left - r.right),
            x.shape[0], w.in_h, w.in_w, x.shape[3], w.out_h, w.out_w, out.shape[3], w.k_h, w.k_w,
            filt.shape[3] if not depthwise else 1, w.stride_h, w.stride_w, w.dil_h, w.dil_w,
            w.pad_top, w.pad_left, p.in_offset, r.zero_point, r.lo, r.hi,
            p.multiplier if depthwise else 1)
        return [_Call("depthwise_conv_per_channel" if depthwise else "conv_per_channel", block)]

    def _pack_conv_2d(self, op: Op, p) -> list[_Call]:
        return self._conv_block(op, p, op.inputs[1].data, False)

    def _pack_depthwise_conv_2d(self, op: Op, p) -> list[_Call]:
        return self._conv_block(op, p, op.inputs[1].data, True)

    def _pack_fully_connected(self, op: Op, p) -> list[_Call]:
        wq = op.inputs[1].quant
        if wq.per_axis and np.any(wq.zero_point != 0):
            raise UnsupportedOpError(f"Op {op.label}: per-channel weight zero points have no C kernel",
                                     op_type=op.type, op_index=op.index)
        r = p.requant
        out_c = op.inputs[1].shape[0]
        bias = self._place(op.inputs[2]) if op.input(2) is not None else 0
        block = self._block(self._place(op.inputs[0]), self._place(op.inputs[1]), bias, self._place(op.outputs[0]),
                            self._array(r.multiplier), self._array(r.left - r.right),
                            op.inputs[0].size // p.depth, p.depth, out_c, p.in_offset, -int(wq.zero_point[0]),
                            r.zero_point, r.lo, r.hi)
        return [_Call("fully_connected", block)]

    def _pool(self, op: Op, p, function: str) -> list[_Call]:
        w = p.window
        x, out = op.inputs[0], op.outputs[0]
        block = self._block(self._place(x), self._place(out), x.shape[0], w.in_h, w.in_w, x.shape[3],
                            w.out_h, w.out_w, w.k_h, w.k_w, w.stride_h, w.stride_w, w.pad_top, w.pad_left,
                            p.lo, p.hi)
        return [_Call(function, block)]

    def _pack_average_pool_2d(self, op: Op, p) -> list[_Call]:
        return self._pool(op, p, "average_pool")

    def _pack_max_pool_2d(self, op: Op, p) -> list[_Call]:
        return self._pool(op, p, "max_pool")

    def _binary(self, op: Op, p) -> list[_Call]:
        out_shape = (1,) * (4 - len(op.outputs[0].shape)) + tuple(op.outputs[0].shape)
        if len(op.outputs[0].shape) > 4:
            raise UnsupportedOpError(f"Op {op.label}: more than 4 dimensions", op_type=op.type, op_index=op.index)
        strides = []
        for t in op.inputs[:2]:
            shape = (1,) * (4 - len(t.shape)) + tuple(t.shape)
            dense = np.cumprod((1,) + shape[:0:-1])[::-1]
            strides.append([0 if d == 1 and o > 1 else int(s) for d, o, s in zip(shape, out_shape, dense)])
        kind = {"ADD": 0, "SUB": 1, "MUL": 2}[p.kind]
        (m1, s1), (m2, s2) = p.in_mults if p.in_mults else ((0, 0), (0, 0))
        block = self._block(self._place(op.inputs[0]), self._place(op.inputs[1]), self._place(op.outputs[0]),
                            *out_shape, *strides[0], *strides[1], kind, p.offsets[0], p.offsets[1], 20,
                            m1, s1, m2, s2, p.out_mult[0], p.out_mult[1], p.zero_point, p.lo, p.hi)
        return [_Call("binary_elementwise", block)]

    _pack_add = _pack_sub = _pack_mul = _binary

    def _pack_softmax(self, op: Op, p) -> list[_Call]:
        x = op.inputs[0]
        depth = x.shape[-1]
        block = self._block(self._place(x), self._place(op.outputs[0]), x.size // depth, depth, p.multiplier,
                            p.left_shift, p.diff_min)
        return [_Call("softmax", block)]

    def _pack_logistic(self, op: Op, p) -> list[_Call]:
        x = op.inputs[0]
        block = self._block(self._place(x), self._place(op.outputs[0]), x.size, p.zero_point, p.radius,
                            p.multiplier, p.left_shift)
        return [_Call("logistic", block)]

    def _copy(self, src: int, dst: int, dims, src_strides, dst_strides) -> _Call:
        return _Call("copy_4d", self._block(src, dst, *dims, *src_strides, *dst_strides))

    def _pack_reshape(self, op: Op, p) -> list[_Call]:
        n = op.outputs[0].nbytes
        return [self._copy(self._place(op.inputs[0]), self._place(op.outputs[0]), (1, 1, 1, n), (0, 0, 0, 1),
                           (0, 0, 0, 1))]

    def _pack_pad(self, op: Op, p) -> list[_Call]:
        x, out = op.inputs[0], op.outputs[0]
        if len(x.shape) > 4:
            raise UnsupportedOpError(f"Op {op.label}: more than 4 dimensions", op_type=op.type, op_index=op.index)
        pads = ((0, 0),) * (4 - len(x.shape)) + p.pads
        in_shape = (1,) * (4 - len(x.shape)) + tuple(x.shape)
        out_shape = (1,) * (4 - len(out.shape)) + tuple(out.shape)
        dst_strides = np.cumprod((1,) + out_shape[:0:-1])[::-1]
        src_strides = np.cumprod((1,) + in_shape[:0:-1])[::-1]
        start = int(sum(a * s for (a, _), s in zip(pads, dst_strides)))
        dst = self._place(out)
        return [_Call("fill", self._block(dst, out.nbytes, p.value)),
                self._copy(self._place(x), dst + start, in_shape, src_strides, dst_strides)]

    def _pack_strided_slice(self, op: Op, p) -> list[_Call]:
        slices, _ = p
        x = op.inputs[0]
        if len(x.shape) > 4:
            raise UnsupportedOpError(f"Op {op.label}: more than 4 dimensions", op_type=op.type, op_index=op.index)
        shape = (1,) * (4 - len(x.shape)) + tuple(x.shape)
        slices = (slice(0, 1, 1),) * (4 - len(x.shape)) + tuple(slices)
        dense = np.cumprod((1,) + shape[:0:-1])[::-1]
        dims, start, src_strides = [], 0, []
        for sl, size, stride in zip(slices, shape, dense):
            idx = range(size)[sl]
            dims.append(len(idx))
            start += (idx[0] if len(idx) else 0) * int(stride)
            src_strides.append(sl.step * int(stride) if sl.step else int(stride))
        dst_strides = np.cumprod((1,) + tuple(dims)[:0:-1])[::-1]
        return [self._copy(self._place(x) + start, self._place(op.outputs[0]), dims, src_strides, dst_strides)]

    def _pack_concatenation(self, op: Op, p) -> list[_Call]:
        out = op.outputs[0]
        if len(out.shape) > 4:
            raise UnsupportedOpError(f"Op {op.label}: more than 4 dimensions", op_type=op.type, op_index=op.index)
        lead = 4 - len(out.shape)
        out_shape = (1,) * lead + tuple(out.shape)
        dst_strides = np.cumprod((1,) + out_shape[:0:-1])[::-1]
        axis = p.axis + lead
        calls, offset = [], 0
        for t in op.inputs:
            shape = (1,) * lead + tuple(t.shape)
            src_strides = np.cumprod((1,) + shape[:0:-1])[::-1]
            calls.append(self._copy(self._place(t), self._place(out) + offset * int(dst_strides[axis]), shape,
                                    src_strides, dst_strides))
            offset += shape[axis]
        return calls

    def __repr__(self) -> str:
        return f"SocBackend({self.name!r})"

