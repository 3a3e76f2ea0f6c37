"""A RISC-V machine: RAM, the ISS core, an ELF loader, the CFU port and firmware calls."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol

import numpy as np

from ...errors import Interrupted, MlaccelError
from . import core
from .config import DEFAULT_MAX_INSTRUCTIONS, DEFAULT_RAM_BYTES, CoreTiming
from .watchdog import TimeLimit, Watchdog

__all__ = ["Machine", "Cfu", "SimulationError", "disassemble_word", "CacheState"]

_STACK_BYTES = 64 * 1024
_CHUNK = 20_000_000  # instructions per return to Python, so Ctrl-C is noticed within about 0.1 s


class SimulationError(MlaccelError):
    """The simulated program faulted, ran away, or its CFU failed; the message names the pc."""


class Cfu(Protocol):
    """A Custom Function Unit behind the custom-0 opcode.

    ``op(funct3, funct7, in0, in1)`` gets the two 32-bit operands as unsigned ints and returns
    ``(result, latency_cycles)``; the CPU stalls for the latency.

    Optionally, for speed, a CFU also has ``jit_op``, a numba-compiled function
    ``jit_op(state, funct3, funct7, in0, in1) -> (result, latency)`` over ``state``, an int64
    NumPy array holding all of its registers. The core then calls it without leaving compiled
    code. Both forms must compute the same thing; ``mlaccel.hw.soc.cfu.check_twins`` tests that.

    Optionally too: ``reset()``, called before every inference (without it, ``state`` is restored
    to its value at construction), and ``ENERGY``, the actions each operation costs (see
    :func:`mlaccel.hw.soc.cost.cfu_energy`).
    """

    def op(self, funct3: int, funct7: int, in0: int, in1: int) -> tuple[int, int]: ...


@dataclass(frozen=True)
class CacheState:
    """Tags of both caches and the pipeline's carried state, saved between inferences."""

    itags: np.ndarray
    dtags: np.ndarray
    pipeline: np.ndarray  # state[S_LOAD_RD], state[S_LAST_LINE]


@dataclass
class Symbol:
    name: str
    addr: int
    size: int


def disassemble_word(word: int) -> str:
    """A short description of an instruction word, for error messages."""
    op = word & 0x7F
    names = {0x33: "OP", 0x13: "OP-IMM", 0x03: "LOAD", 0x23: "STORE", 0x63: "BRANCH", 0x6F: "JAL",
             0x67: "JALR", 0x37: "LUI", 0x17: "AUIPC", 0x73: "SYSTEM", 0x0B: "CUSTOM-0 (CFU)", 0x0F: "FENCE"}
    if op == 0x0B:
        return (f"cfu funct3={(word >> 12) & 7} funct7={word >> 25} rd=x{(word >> 7) & 31} "
                f"rs1=x{(word >> 15) & 31} rs2=x{(word >> 20) & 31} (0x{word:08x})")
    return f"{names.get(op, 'unknown opcode')} 0x{word:08x}"


def timing_array(timing: CoreTiming) -> np.ndarray:
    """The timing parameters in the layout of :data:`core.TIMING_FIELDS`."""
    values = {"icache_lines": timing.icache_bytes // timing.line_bytes,
              "dcache_lines": timing.dcache_bytes // timing.line_bytes}
    values.update({f.name: getattr(timing, f.name) for f in fields(timing)})
    return np.array([values[name] for name in core.TIMING_FIELDS], np.int64)


class Machine:
    """RAM at ``base`` holding one firmware image, and the core that runs it.

    Parameters
    ----------
    ram_bytes : int
        RAM size in bytes (the default is :class:`~.config.SocConfig`'s).
    timing : CoreTiming
        Timing-model parameters.
    cfu : Cfu, optional
        The CFU on the custom-0 port.
    base : int
        RAM base address (LiteX's main_ram in CFU Playground).
    cfu_timeout_s : float
        Seconds a Python CFU's ``op`` may take before the call stops with an error.
    """

    def __init__(self, ram_bytes: int = DEFAULT_RAM_BYTES, timing: CoreTiming | None = None, cfu: Cfu | None = None,
                 base: int = 0x40000000, cfu_timeout_s: float = 10.0):
        self.base = base
        self.mem = np.zeros(ram_bytes, np.uint8)
        self.regs = np.zeros(32, np.int64)
        self.state = np.zeros(core.STATE_SIZE, np.int64)
        self.counters = np.zeros(len(core.COUNTERS), np.int64)
        self.timing = timing or CoreTiming()
        self._timing = timing_array(self.timing)
        self.itags = np.empty(self.timing.icache_bytes // self.timing.line_bytes, np.int64)
        self.dtags = np.empty(self.timing.dcache_bytes // self.timing.line_bytes, np.int64)
        self.reset_caches()
        self.cfu_timeout_s = cfu_timeout_s
        self.symbols: dict[str, Symbol] = {}
        self.heap = base
        self.attach_cfu(cfu)

    def attach_cfu(self, cfu: Cfu | None) -> None:
        """Put ``cfu`` on the custom-0 port (None: no CFU)."""
        self.cfu = cfu
        self.state[core.S_HAS_CFU] = cfu is not None
        jit = getattr(cfu, "jit_op", None)
        self._cfu_inline = jit is not None
        self._cfu_fn = jit if jit is not None else core.no_cfu
        self._cfu_state = getattr(cfu, "state", None) if jit is not None else np.zeros(1, np.int64)
        state = getattr(cfu, "state", None)
        self._cfu_initial = state.copy() if isinstance(state, np.ndarray) else None

    def reset_cfu(self) -> None:
        """Return the CFU to its state at construction: its ``reset()``, or a copy of its ``state``."""
        if self.cfu is None:
            return
        if callable(getattr(self.cfu, "reset", None)):
            self.cfu.reset()
        elif self._cfu_initial is not None:
            self.cfu.state[:] = self._cfu_initial

    # -- caches --------------------------------------------------------------------------------

    def reset_caches(self) -> None:
        """Empty both caches and the pipeline's load-use and fetch-line state."""
        self.itags.fill(-1)
        self.dtags.fill(-1)
        self.state[core.S_LOAD_RD] = 0
        self.state[core.S_LAST_LINE] = -1

    def cache_state(self) -> CacheState:
        """A copy of the caches' state (see :meth:`set_cache_state`)."""
        return CacheState(self.itags.copy(), self.dtags.copy(),
                          self.state[[core.S_LOAD_RD, core.S_LAST_LINE]].copy())

    def set_cache_state(self, saved: CacheState) -> None:
        """Restore caches saved by :meth:`cache_state`."""
        self.itags[:] = saved.itags
        self.dtags[:] = saved.dtags
        self.state[[core.S_LOAD_RD, core.S_LAST_LINE]] = saved.pipeline

    def counter(self, name: str) -> int:
        """A counter by its name in :data:`core.COUNTERS`."""
        return int(self.counters[core.COUNTERS.index(name)])

    def csr(self, name: str) -> int:
        """A machine-mode CSR by name: ``mstatus``, ``mtvec``, ``mepc``, ``mcause``, ``mtval``,
        ``mscratch`` or ``mie``, as ``csrr`` reads it."""
        value = int(self.state[getattr(core, f"S_{name.upper()}")])
        return (value & 0x88) | 0x1800 if name == "mstatus" else value  # MPP reads as M-mode

    # -- memory --------------------------------------------------------------------------------

    def _offset(self, addr: int, n: int) -> int:
        off = addr - self.base
        if off < 0 or off + n > self.mem.size:
            raise SimulationError(f"Host access of {n} bytes at 0x{addr:08x} is outside RAM "
                                  f"0x{self.base:08x}..0x{self.base + self.mem.size:08x}")
        return off

    def write(self, addr: int, data: bytes | np.ndarray) -> None:
        raw = np.frombuffer(bytes(data) if not isinstance(data, np.ndarray) else data.tobytes(), np.uint8)
        off = self._offset(addr, raw.size)
        self.mem[off:off + raw.size] = raw

    def read(self, addr: int, n: int) -> bytes:
        off = self._offset(addr, n)
        return self.mem[off:off + n].tobytes()

    def alloc(self, n: int, align: int = 16) -> int:
        """Reserve ``n`` bytes of RAM after the image; returns the address."""
        addr = (self.heap + align - 1) // align * align
        if addr + n > self.base + self.mem.size - _STACK_BYTES:
            raise SimulationError(f"Out of simulated RAM: {n} more bytes do not fit in "
                                  f"{self.mem.size} (set a larger ram_bytes)")
        self.heap = addr + n
        return addr

    # -- firmware ------------------------------------------------------------------------------

    def load_elf(self, path: str | Path) -> None:
        """Load an ELF32 little-endian RISC-V executable's PT_LOAD segments and symbols."""
        data = Path(path).read_bytes()
        if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1 or struct.unpack_from("<H", data, 18)[0] != 0xF3:
            raise SimulationError(f"'{path}' is not an ELF32 little-endian RISC-V executable")
        phoff, shoff = struct.unpack_from("<II", data, 28)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 42)
        end = self.base
        for i in range(phnum):
            p_type, p_off, p_vaddr, _, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
            if p_type != 1:
                continue
            self.write(p_vaddr, data[p_off:p_off + p_filesz])
            if p_memsz > p_filesz:
                self.write(p_vaddr + p_filesz, bytes(p_memsz - p_filesz))
            end = max(end, p_vaddr + p_memsz)
        self.heap = end
        self.symbols = _elf_symbols(data, shoff, shentsize, shnum)
        self.state[core.S_HALT] = self.symbols["_call_done"].addr if "_call_done" in self.symbols else -1

    def symbol(self, name: str) -> int:
        if name not in self.symbols:
            raise SimulationError(f"The firmware has no symbol '{name}'")
        return self.symbols[name].addr

    def call(self, func: str | int, *args: int, max_instructions: int = DEFAULT_MAX_INSTRUCTIONS) -> int:
        """Call a firmware function with up to 7 integer arguments; returns a0.

        The firmware's ``_call`` trampoline jumps to the function (a7) and stops at the ``ebreak``
        at ``_call_done``.

        Raises
        ------
        SimulationError
            A fault without a trap handler, the instruction limit, or a failing CFU (naming the pc).
        Interrupted
            Ctrl-C; the message names the pc.
        """
        target = self.symbol(func) if isinstance(func, str) else func
        self.symbol("_call_done")
        self.regs[:] = 0
        for i, v in enumerate(args):
            self.regs[10 + i] = v & 0xFFFFFFFF
        self.regs[17] = target
        self.regs[2] = (self.base + self.mem.size - 16) & ~15  # sp
        self.state[core.S_PC] = self.symbol("_call")
        self.state[core.S_LOAD_RD] = 0
        limit = int(self.counters[1]) + max_instructions
        watchdog = Watchdog(self.cfu_timeout_s) if self.cfu is not None and not self._cfu_inline else None
        try:
            if watchdog is not None:
                with watchdog:
                    return self._loop(limit, max_instructions, watchdog)
            return self._loop(limit, max_instructions, None)
        except TimeLimit:
            pc = int(self.state[core.S_PC])
            raise SimulationError(f"The CFU ({type(self.cfu).__name__}) did not return within "
                                  f"{self.cfu_timeout_s:g} s at pc {self.where(pc)} "
                                  f"({disassemble_word(self._word_at(pc))}): an endless loop in its op?") from None
        except KeyboardInterrupt:
            raise Interrupted(f"at pc {self.where(int(self.state[core.S_PC]))}") from None

    def _loop(self, limit: int, max_instructions: int, watchdog: Watchdog | None) -> int:
        loop = core.run_with_cfu if self._cfu_inline else core.run
        while True:
            stop = min(limit, int(self.counters[1]) + _CHUNK)
            try:
                status = loop(self.mem, self.base, self.regs, self.state, self.counters, self._timing,
                              self.itags, self.dtags, stop, self._cfu_fn, self._cfu_state, self._cfu_inline)
            except Exception as e:  # noqa: BLE001 - raised by a compiled CFU
                if not self._cfu_inline:
                    raise
                pc = int(self.state[core.S_PC])
                raise SimulationError(f"The CFU raised {type(e).__name__}: {e} at pc {self.where(pc)} "
                                      f"({disassemble_word(self._word_at(pc))})") from e
            if status == 0:
                return int(self.regs[10])
            if status == 2:
                self._cfu_step(watchdog)
                continue
            if status == 3 and stop < limit:
                continue
            raise self._fault(status, max_instructions)

    def _word_at(self, pc: int) -> int:
        off = pc - self.base
        return int.from_bytes(self.mem[off:off + 4].tobytes(), "little") if 0 <= off <= self.mem.size - 4 else 0

    def where(self, pc: int) -> str:
        """``0x40001234 <conv_op+0x58>``: an address with its enclosing function."""
        best = None
        for s in self.symbols.values():
            if s.addr <= pc < s.addr + max(s.size, 1) and (best is None or s.addr > best.addr):
                best = s
        return f"0x{pc:08x}" + (f" <{best.name}+0x{pc - best.addr:x}>" if best else "")

    def _fault(self, status: int, max_instructions: int) -> SimulationError:
        pc = int(self.state[core.S_PC])
        what = core.STATUS[status]
        if status == 3:
            return SimulationError(f"Instruction limit of {max_instructions:,} reached at pc {self.where(pc)}: "
                                   f"the firmware ran away")
        addr = int(self.state[core.S_FAULT])
        if status in (5, 6, 7, 8):
            return SimulationError(f"{what.capitalize()} at address 0x{addr:08x} by pc {self.where(pc)} "
                                   f"({disassemble_word(self._word_at(pc))})")
        if status == 9:
            return SimulationError(f"Fetch fault: pc {self.where(pc)} is outside RAM")
        if status == 12:
            return SimulationError(f"Jump to misaligned address 0x{addr:08x} by pc {self.where(pc)} "
                                   f"({disassemble_word(self._word_at(pc))})")
        if status == 11:
            return SimulationError(f"Double fault: the trap handler at mtvec, pc {self.where(pc)}, faults on its "
                                   f"first instruction ({disassemble_word(self._word_at(pc))})")
        word = self._word_at(pc)
        if status == 4 and word & 0x7F == 0x0B and self.cfu is None:
            return SimulationError(f"CFU instruction at pc {self.where(pc)} but no CFU is attached: "
                                   f"{disassemble_word(word)}")
        return SimulationError(f"{what.capitalize()} at pc {self.where(pc)}: {disassemble_word(word)}"
                               + ("" if status not in (1, 4, 10) else " (no trap handler: mtvec is 0)"))

    def _cfu_step(self, watchdog: Watchdog | None) -> None:
        pc = int(self.state[core.S_PC])
        word = self._word_at(pc)
        rd, f3, f7 = (word >> 7) & 31, (word >> 12) & 7, word >> 25
        a, b = int(self.regs[(word >> 15) & 31]), int(self.regs[(word >> 20) & 31])
        try:
            if watchdog is not None:
                watchdog.started = time.monotonic()
            result, latency = self.cfu.op(f3, f7, a, b)
        except TimeLimit:
            raise
        except Exception as e:  # noqa: BLE001 - the user's CFU; name where it failed
            raise SimulationError(f"The CFU raised {type(e).__name__}: {e} at pc {self.where(pc)} "
                                  f"({disassemble_word(word)}, in0=0x{a:08x}, in1=0x{b:08x})") from e
        finally:
            if watchdog is not None:
                watchdog.started = 0.0
        if rd:
            self.regs[rd] = int(result) & 0xFFFFFFFF
        c = self.counters
        c[0] += int(latency)
        c[1] += 1
        c[6] += 1
        c[7] += int(latency)
        c[core.COUNTERS.index("cfu_ops_f0") + f3] += 1
        c[core.COUNTERS.index("cfu_cycles_f0") + f3] += int(latency)
        self.state[core.S_PC] = pc + 4
        self.state[core.S_LOAD_RD] = 0


def _elf_symbols(data: bytes, shoff: int, shentsize: int, shnum: int) -> dict[str, Symbol]:
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    out = {}
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for j in range(sh[5] // 16):
            name_off, value, size, info, _, _ = struct.unpack_from("<IIIBBH", data, sh[4] + j * 16)
            if name_off and (info & 0xF) in (0, 1, 2):  # NOTYPE, OBJECT, FUNC
                end = data.index(b"\0", strtab[4] + name_off)
                name = data[strtab[4] + name_off:end].decode()
                out[name] = Symbol(name, value, size)
    return out
