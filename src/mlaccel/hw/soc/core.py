"""The RV32IM + Zicsr instruction-set simulator core, with an in-order timing model, in numba.

One compiled loop fetches, decodes and executes instructions and charges cycles as it goes:

* 1 cycle per instruction (a 5-stage in-order pipeline at CPI 1 when nothing stalls);
* instruction and data caches: direct-mapped tags, a miss costs ``miss_penalty`` cycles; stores
  write through without allocating, as VexRiscv's data cache does;
* branches: static prediction (backward taken, forward not taken); a mispredicted branch costs
  ``branch_penalty``, a correctly predicted taken branch or ``jal`` costs ``jump_penalty``, ``jalr``
  always costs ``branch_penalty``;
* a load followed by an instruction that reads its result stalls ``load_use_penalty``;
* ``mul*`` take ``mul_latency`` cycles in all, ``div*``/``rem*`` take ``div_latency``.

Machine mode follows the RISC-V privileged specification: ``mstatus`` (MIE, MPIE; MPP reads as M),
``mtvec`` (direct and vectored; exceptions always go to BASE), ``mepc``, ``mcause``, ``mtval``,
``mscratch``, ``mie``, ``misa`` and ``mhartid``; ``mret``. When ``mtvec`` is non-zero, ``ecall``,
``ebreak``, illegal instructions, misaligned or out-of-RAM loads, stores and jump targets, and fetch
faults trap to the handler; otherwise the loop stops and returns the fault's status. Writing a
read-only CSR (address bits 11:10 = 3: ``cycle``, ``instret``, ``mhartid``, ...) is an illegal
instruction. A trap or ``mret`` flushes the pipeline (``branch_penalty`` cycles).

Counters: ``cycle`` reads the cycles before the reading instruction, ``instret`` the instructions
retired before it. A write to ``mcycle``, ``minstret`` or their high halves takes effect after the
writing instruction completes, and its value is what the next instruction reads: the writer's own
increment is suppressed, as the privileged specification says of ``minstret``.

Registers hold unsigned 32-bit values in int64. The loop returns to Python for custom-0 (CFU)
instructions when the CFU is not compiled, the host's return ``ebreak``, faults without a handler
and the instruction limit; the Python side (:mod:`.machine`) handles those and resumes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["run", "run_with_cfu", "STATUS", "TIMING_FIELDS", "COUNTERS", "STATE_SIZE", "S_PC", "S_FAULT",
           "S_HALT", "S_HAS_CFU", "S_MSTATUS", "S_MTVEC", "S_MEPC", "S_MCAUSE", "S_MTVAL", "S_MSCRATCH", "S_MIE", "CAUSES"]

# Exit status codes of `run`.
STATUS = {0: "return", 1: "ecall", 2: "cfu", 3: "limit", 4: "illegal instruction", 5: "load fault",
          6: "store fault", 7: "misaligned load", 8: "misaligned store", 9: "fetch fault", 10: "breakpoint (ebreak)",
          11: "double fault", 12: "misaligned jump target"}
# mcause exception codes (privileged spec, table 3.6) and the status `run` stops with when no handler is set.
CAUSES = {0: "instruction address misaligned", 1: "instruction access fault", 2: "illegal instruction",
          3: "breakpoint", 4: "load address misaligned", 5: "load access fault", 6: "store address misaligned",
          7: "store access fault", 11: "environment call from M-mode"}
_CAUSE_STATUS = np.array([12, 9, 4, 10, 7, 5, 8, 6, 0, 0, 0, 1], np.int64)
# Layout of the `timing` parameter array.
TIMING_FIELDS = ("icache_lines", "dcache_lines", "line_bytes", "miss_penalty", "branch_penalty",
                 "jump_penalty", "load_use_penalty", "mul_latency", "div_latency")
# Layout of the `counters` array: mcycle and minstret, the perf counters mhpmcounter3..8 (read with
# csrr), then counts the energy model prices, then CFU operations and busy cycles per funct3.
COUNTERS = ("cycles", "instret", "icache_misses", "dcache_misses", "branch_mispredicts", "load_use_stalls",
            "cfu_ops", "cfu_cycles", "loads", "stores", "muls", "divs", "traps",
            *(f"cfu_ops_f{i}" for i in range(8)), *(f"cfu_cycles_f{i}" for i in range(8)))
_C_LOADS, _C_STORES, _C_MULS, _C_DIVS, _C_TRAPS, _C_CFU_F, _C_CFU_CYC_F = 8, 9, 10, 11, 12, 13, 21
_N_VISIBLE = 8  # counters the firmware can read (and write, through offsets): cycle, instret, hpm3..8
# Layout of the `state` array.
S_PC, S_FAULT, S_LOAD_RD, S_LAST_LINE, S_HALT = 0, 1, 2, 3, 4
S_MSTATUS, S_MTVEC, S_MEPC, S_MCAUSE, S_MTVAL, S_MSCRATCH, S_MIE = 5, 6, 7, 8, 9, 10, 11
S_HAS_CFU = 12  # 1 when a CFU is on the port; without one, custom-0 is an illegal instruction
S_COUNTER_OFFSET = 13  # 8 values: what the firmware wrote into mcycle/minstret/mhpmcounterN, as offsets
STATE_SIZE = S_COUNTER_OFFSET + _N_VISIBLE
_MISA = 0x40001100  # MXL = 32 bits, extensions I and M

M32 = 0xFFFFFFFF


@njit(inline="always", cache=True)
def _s32(x):
    return (x ^ 0x80000000) - 0x80000000


@njit(cache=True)
def no_cfu(state, funct3, funct7, a, b):
    """Placeholder compiled CFU for machines whose CFU runs in Python (or is absent)."""
    return np.int64(0), np.int64(0)


@njit(inline="always", cache=True)
def _csr_index(csr):
    """Index in `counters` of a counter CSR (mcycle/cycle, minstret/instret, mhpmcounter3..8 and
    their user aliases), and whether it is the high half; -1 for other CSRs."""
    n = csr & 0x7F
    base = csr & 0xF00
    if (base == 0xB00 or base == 0xC00) and (csr & 0x60) == 0 and n < 9 and n != 1:
        return (0 if n == 0 else n - 1), (csr & 0x80) != 0
    return -1, False


@njit(cache=True, nogil=True)
def run(mem, base, regs, state, counters, timing, itags, dtags, limit, cfu_fn, cfu_state, cfu_inline):
    """Execute until an exit; returns the status code.

    ``state`` is laid out as the ``S_*`` constants say (pc, fault address, pipeline state, the
    host's return address, machine-mode CSRs); ``limit`` is the instruction count
    (``counters[1]``) at which to stop. With ``cfu_inline`` the compiled
    ``cfu_fn(cfu_state, funct3, funct7, in0, in1) -> (result, latency)`` runs custom-0
    instructions in the loop; otherwise they exit with status 2.
    """
    size = mem.shape[0]
    line_shift = 0
    lb = timing[2]
    while (1 << line_shift) < lb:
        line_shift += 1
    n_i, n_d = timing[0], timing[1]
    miss, br_pen, jmp_pen, lu_pen = timing[3], timing[4], timing[5], timing[6]
    mul_lat, div_lat = timing[7], timing[8]
    pc = state[S_PC]
    load_rd = state[S_LOAD_RD]
    last_line = state[S_LAST_LINE]
    halt = state[S_HALT]
    cycles = counters[0]
    instret = counters[1]
    n_loads = counters[_C_LOADS]
    n_stores = counters[_C_STORES]
    n_muls = counters[_C_MULS]
    n_divs = counters[_C_DIVS]
    status = 3
    while instret < limit:
        c_start = cycles  # what `cycle` reads: the cycles before this instruction
        cause = -1  # the exception this instruction raises, if any
        tval = np.int64(0)
        off = pc - base
        if off < 0 or off + 4 > size or (pc & 3) != 0:
            cause = 1 if (pc & 3) == 0 else 0
            tval = pc
            ins = np.int64(0)
            opcode = -1
        else:
            line = pc >> line_shift
            if line != last_line:
                slot = line & (n_i - 1)
                if itags[slot] != line:
                    itags[slot] = line
                    cycles += miss
                    counters[2] += 1
                last_line = line
            ins = np.int64(mem[off]) | (np.int64(mem[off + 1]) << 8) | (np.int64(mem[off + 2]) << 16) | (np.int64(mem[off + 3]) << 24)
            opcode = ins & 0x7F
        rd = (ins >> 7) & 31
        f3 = (ins >> 12) & 7
        rs1 = (ins >> 15) & 31
        rs2 = (ins >> 20) & 31
        f7 = ins >> 25
        if cause < 0:
            cycles += 1
            if load_rd != 0:
                uses2 = opcode == 0x33 or opcode == 0x23 or opcode == 0x63 or opcode == 0x0B
                uses1 = opcode != 0x37 and opcode != 0x17 and opcode != 0x6F
                if (uses1 and rs1 == load_rd) or (uses2 and rs2 == load_rd):
                    cycles += lu_pen
                    counters[5] += 1
        load_rd = 0
        next_pc = pc + 4
        a = regs[rs1]
        b = regs[rs2]
        if cause >= 0:
            pass
        elif opcode == 0x33:  # OP
            if f7 != 0 and f7 != 1 and not (f7 == 0x20 and (f3 == 0 or f3 == 5)):
                cause = 2
                tval = ins
                v = 0
            elif f7 == 1:
                if f3 < 4:
                    cycles += mul_lat - 1
                    n_muls += 1
                    if f3 == 0:
                        v = (a * b) & M32
                    elif f3 == 1:
                        v = ((_s32(a) * _s32(b)) >> 32) & M32
                    elif f3 == 2:
                        v = ((_s32(a) * b) >> 32) & M32
                    else:
                        v = np.int64((np.uint64(a) * np.uint64(b)) >> np.uint64(32))
                else:
                    cycles += div_lat - 1
                    n_divs += 1
                    sa = _s32(a)
                    sb = _s32(b)
                    if f3 == 4:  # div
                        if b == 0:
                            v = M32
                        elif sa == -2147483648 and sb == -1:
                            v = a
                        else:
                            q = abs(sa) // abs(sb)
                            v = (q if (sa < 0) == (sb < 0) else -q) & M32
                    elif f3 == 5:  # divu
                        v = M32 if b == 0 else a // b
                    elif f3 == 6:  # rem
                        if b == 0:
                            v = a
                        elif sa == -2147483648 and sb == -1:
                            v = 0
                        else:
                            r = abs(sa) % abs(sb)
                            v = (r if sa >= 0 else -r) & M32
                    else:  # remu
                        v = a if b == 0 else a % b
            elif f3 == 0:
                v = ((a - b) if f7 == 0x20 else (a + b)) & M32
            elif f3 == 1:
                v = (a << (b & 31)) & M32
            elif f3 == 2:
                v = 1 if _s32(a) < _s32(b) else 0
            elif f3 == 3:
                v = 1 if a < b else 0
            elif f3 == 4:
                v = a ^ b
            elif f3 == 5:
                v = (_s32(a) >> (b & 31)) & M32 if f7 == 0x20 else a >> (b & 31)
            elif f3 == 6:
                v = a | b
            else:
                v = a & b
            if rd and cause < 0:
                regs[rd] = v
        elif opcode == 0x13:  # OP-IMM
            imm = _s32(ins) >> 20
            if f3 == 0:
                v = (a + imm) & M32
            elif (f3 == 1 and f7 != 0) or (f3 == 5 and f7 != 0 and f7 != 0x20):
                cause = 2  # a shift with reserved upper bits
                tval = ins
                v = 0
            elif f3 == 1:
                v = (a << rs2) & M32
            elif f3 == 2:
                v = 1 if _s32(a) < imm else 0
            elif f3 == 3:
                v = 1 if a < (imm & M32) else 0
            elif f3 == 4:
                v = a ^ (imm & M32)
            elif f3 == 5:
                v = (_s32(a) >> rs2) & M32 if f7 == 0x20 else a >> rs2
            elif f3 == 6:
                v = a | (imm & M32)
            else:
                v = a & (imm & M32)
            if rd and cause < 0:
                regs[rd] = v
        elif opcode == 0x03:  # LOAD
            addr = (a + (_s32(ins) >> 20)) & M32
            width = 1 << (f3 & 3)
            o = addr - base
            if f3 == 3 or f3 > 5:
                cause = 2
                tval = ins
            elif (addr & (width - 1)) != 0:
                cause = 4
                tval = addr
            elif o < 0 or o + width > size:
                cause = 5
                tval = addr
            else:
                n_loads += 1
                dl = addr >> line_shift
                ds = dl & (n_d - 1)
                if dtags[ds] != dl:
                    dtags[ds] = dl
                    cycles += miss
                    counters[3] += 1
                if width == 1:
                    v = np.int64(mem[o])
                    if f3 == 0:
                        v = ((v ^ 0x80) - 0x80) & M32
                elif width == 2:
                    v = np.int64(mem[o]) | (np.int64(mem[o + 1]) << 8)
                    if f3 == 1:
                        v = ((v ^ 0x8000) - 0x8000) & M32
                else:
                    v = np.int64(mem[o]) | (np.int64(mem[o + 1]) << 8) | (np.int64(mem[o + 2]) << 16) | (np.int64(mem[o + 3]) << 24)
                if rd:
                    regs[rd] = v
                    load_rd = rd
        elif opcode == 0x23:  # STORE
            imm = (_s32(ins) >> 25 << 5) | rd
            addr = (a + imm) & M32
            width = 1 << (f3 & 3)
            o = addr - base
            if f3 > 2:
                cause = 2
                tval = ins
            elif (addr & (width - 1)) != 0:
                cause = 6
                tval = addr
            elif o < 0 or o + width > size:
                cause = 7
                tval = addr
            else:
                n_stores += 1
                for k in range(width):
                    mem[o + k] = (b >> (8 * k)) & 0xFF
        elif opcode == 0x63:  # BRANCH
            imm = ((_s32(ins) >> 31) << 12) | (((ins >> 7) & 1) << 11) | (((ins >> 25) & 0x3F) << 5) | (((ins >> 8) & 0xF) << 1)
            taken = False
            if f3 == 0:
                taken = a == b
            elif f3 == 1:
                taken = a != b
            elif f3 == 4:
                taken = _s32(a) < _s32(b)
            elif f3 == 5:
                taken = _s32(a) >= _s32(b)
            elif f3 == 6:
                taken = a < b
            elif f3 == 7:
                taken = a >= b
            else:
                cause = 2
                tval = ins
            if cause < 0:
                if taken and ((pc + imm) & 3) != 0:
                    cause = 0
                    tval = (pc + imm) & M32
                else:
                    predicted = imm < 0  # static: backward taken, forward not taken
                    if taken != predicted:
                        cycles += br_pen
                        counters[4] += 1
                    elif taken:
                        cycles += jmp_pen
                    if taken:
                        next_pc = (pc + imm) & M32
        elif opcode == 0x6F:  # JAL
            imm = ((_s32(ins) >> 31) << 20) | (((ins >> 12) & 0xFF) << 12) | (((ins >> 20) & 1) << 11) | (((ins >> 21) & 0x3FF) << 1)
            target = (pc + imm) & M32
            if (target & 3) != 0:
                cause = 0
                tval = target
            else:
                if rd:
                    regs[rd] = next_pc & M32
                next_pc = target
                cycles += jmp_pen
        elif opcode == 0x67:  # JALR
            target = (a + (_s32(ins) >> 20)) & 0xFFFFFFFE
            if f3 != 0:
                cause = 2
                tval = ins
            elif (target & 3) != 0:
                cause = 0
                tval = target
            else:
                if rd:
                    regs[rd] = next_pc & M32
                next_pc = target
                cycles += br_pen
        elif opcode == 0x37:  # LUI
            if rd:
                regs[rd] = ins & 0xFFFFF000
        elif opcode == 0x17:  # AUIPC
            if rd:
                regs[rd] = (pc + (ins & 0xFFFFF000)) & M32
        elif opcode == 0x73:  # SYSTEM
            if f3 == 0:
                if ins == 0x00100073:  # ebreak
                    if pc == halt:
                        status = 0
                        break
                    cause = 3
                    tval = pc
                elif ins == 0x00000073:  # ecall
                    cause = 11
                elif ins == 0x30200073:  # mret
                    ms = state[S_MSTATUS]
                    mpie = (ms >> 7) & 1
                    state[S_MSTATUS] = (ms & ~np.int64(0x88)) | (mpie << 3) | 0x80
                    next_pc = state[S_MEPC] & 0xFFFFFFFC
                    cycles += br_pen
                elif ins == 0x10500073:  # wfi: no interrupts arrive, so it is a nop
                    pass
                else:
                    cause = 2
                    tval = ins
            elif f3 == 4:
                cause = 2
                tval = ins
            else:
                csr = ins >> 20
                src = a if f3 < 4 else rs1  # register or 5-bit immediate
                op = f3 & 3  # 1 write, 2 set, 3 clear
                writes = op == 1 or rs1 != 0
                ok = True
                idx, hi = _csr_index(csr)
                if idx >= 0:
                    read = counters[idx] if idx > 1 else (c_start if idx == 0 else instret)
                    visible = read - state[S_COUNTER_OFFSET + idx]
                    old = (visible >> 32) & M32 if hi else visible & M32
                elif csr == 0x300:
                    old = (state[S_MSTATUS] & 0x88) | 0x1800
                elif csr == 0x301:
                    old = _MISA
                elif csr == 0x304:
                    old = state[S_MIE]
                elif csr == 0x305:
                    old = state[S_MTVEC]
                elif csr == 0x340:
                    old = state[S_MSCRATCH]
                elif csr == 0x341:
                    old = state[S_MEPC]
                elif csr == 0x342:
                    old = state[S_MCAUSE]
                elif csr == 0x343:
                    old = state[S_MTVAL]
                elif csr == 0x344:  # mip: no interrupt is ever pending
                    old = 0
                elif csr >= 0xF11 and csr <= 0xF14:  # mvendorid, marchid, mimpid, mhartid
                    old = 0
                else:
                    ok = False
                    old = 0
                if not ok or (writes and (csr >> 10) == 3):
                    cause = 2  # unknown CSR, or a write to a read-only one
                    tval = ins
                else:
                    if writes:
                        if op == 1:
                            new = src & M32
                        elif op == 2:
                            new = old | (src & M32)
                        else:
                            new = old & ~src & M32
                        if idx >= 0:
                            # The written value is what the next instruction reads: the writing
                            # instruction's own increment is suppressed (privileged spec, Zicntr).
                            read = counters[idx] if idx > 1 else (c_start if idx == 0 else instret)
                            cur = read - state[S_COUNTER_OFFSET + idx]
                            want = ((new << 32) | (cur & M32)) if hi else ((cur >> 32 << 32) | new)
                            after = counters[idx] if idx > 1 else (cycles if idx == 0 else instret + 1)
                            state[S_COUNTER_OFFSET + idx] = after - want
                        elif csr == 0x300:
                            state[S_MSTATUS] = new & 0x88
                        elif csr == 0x304:
                            state[S_MIE] = new & 0x888
                        elif csr == 0x305:
                            state[S_MTVEC] = new if (new & 3) < 2 else new & ~np.int64(3)
                        elif csr == 0x340:
                            state[S_MSCRATCH] = new
                        elif csr == 0x341:
                            state[S_MEPC] = new & ~np.int64(3)
                        elif csr == 0x342:
                            state[S_MCAUSE] = new
                        elif csr == 0x343:
                            state[S_MTVAL] = new
                    if rd:
                        regs[rd] = old
        elif opcode == 0x0B and state[S_HAS_CFU] == 0:  # a core without a CFU decodes custom-0 as illegal
            cause = 2
            tval = ins
        elif opcode == 0x0B:  # custom-0: the CFU
            if not cfu_inline:
                status = 2
                break
            state[S_PC] = pc  # so that an exception raised by the CFU can name the pc
            result, latency = cfu_fn(cfu_state, f3, f7, a, b)
            if rd:
                regs[rd] = result & M32
            cycles += latency
            counters[6] += 1
            counters[7] += latency
            counters[_C_CFU_F + f3] += 1
            counters[_C_CFU_CYC_F + f3] += latency
        elif opcode == 0x0F:  # FENCE: nothing to order in one hart
            pass
        else:
            cause = 2
            tval = ins
        if cause >= 0:
            trap_base = state[S_MTVEC] & ~np.int64(3)
            if state[S_MTVEC] == 0:  # no handler: stop (a bare core would jump to address 0 and hang)
                state[S_FAULT] = tval
                status = _CAUSE_STATUS[cause]
                break
            if pc == trap_base:  # the handler's first instruction faults: it would trap forever
                state[S_FAULT] = tval
                status = 11
                break
            ms = state[S_MSTATUS]
            state[S_MSTATUS] = (ms & ~np.int64(0x88)) | (((ms >> 3) & 1) << 7)  # MPIE = MIE, MIE = 0
            state[S_MEPC] = pc
            state[S_MCAUSE] = cause
            state[S_MTVAL] = tval & M32
            counters[_C_TRAPS] += 1
            cycles += br_pen
            pc = trap_base
            continue
        pc = next_pc
        instret += 1
    state[S_PC] = pc
    state[S_LOAD_RD] = load_rd
    state[S_LAST_LINE] = last_line
    counters[0] = cycles
    counters[1] = instret
    counters[_C_LOADS] = n_loads
    counters[_C_STORES] = n_stores
    counters[_C_MULS] = n_muls
    counters[_C_DIVS] = n_divs
    return status


# The same loop for machines whose CFU is compiled: numba specializes it on the CFU's function,
# and such a specialization cannot be cached on disk (the CFU's module is loaded from a project
# folder), so it compiles once per process.
run_with_cfu = njit(nogil=True)(run.py_func)
