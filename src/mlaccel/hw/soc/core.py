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

Registers hold unsigned 32-bit values in int64. The loop returns to Python for custom-0 (CFU)
instructions, ``ebreak``/``ecall``, faults and the instruction limit; the Python side
(:mod:`.machine`) handles those and resumes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["run", "run_with_cfu", "STATUS", "TIMING_FIELDS", "COUNTERS"]

# Exit status codes of `run`.
STATUS = {0: "ebreak", 1: "ecall", 2: "cfu", 3: "limit", 4: "illegal instruction", 5: "load fault",
          6: "store fault", 7: "misaligned load", 8: "misaligned store", 9: "fetch fault"}
# Layout of the `timing` parameter array.
TIMING_FIELDS = ("icache_lines", "dcache_lines", "line_bytes", "miss_penalty", "branch_penalty",
                 "jump_penalty", "load_use_penalty", "mul_latency", "div_latency")
# Layout of the `counters` array: the first two are mcycle and minstret; the rest are the perf
# counters mhpmcounter3.. (read with csrr).
COUNTERS = ("cycles", "instret", "icache_misses", "dcache_misses", "branch_mispredicts",
            "load_use_stalls", "cfu_ops", "cfu_cycles")

M32 = 0xFFFFFFFF


@njit(inline="always", cache=True)
def _s32(x):
    return (x ^ 0x80000000) - 0x80000000


@njit(cache=True)
def no_cfu(state, funct3, funct7, a, b):
    """Placeholder compiled CFU for machines whose CFU runs in Python (or is absent)."""
    return np.int64(0), np.int64(0)


@njit(cache=True, nogil=True)
def run(mem, base, regs, state, counters, timing, itags, dtags, limit, cfu_fn, cfu_state, cfu_inline):
    """Execute until an exit; returns the status code.

    ``state`` holds [pc, fault address, last load rd, last i-cache line]; ``limit`` is the
    instruction count (``counters[1]``) at which to stop. With ``cfu_inline`` the compiled
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
    pc = state[0]
    load_rd = state[2]
    last_line = state[3]
    cycles = counters[0]
    instret = counters[1]
    status = 3
    while instret < limit:
        off = pc - base
        if off < 0 or off + 4 > size or (pc & 3) != 0:
            state[1] = pc
            status = 9
            break
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
        if opcode == 0x33:  # OP
            if f7 == 1:
                if f3 < 4:
                    cycles += mul_lat - 1
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
            if rd:
                regs[rd] = v
        elif opcode == 0x13:  # OP-IMM
            imm = _s32(ins) >> 20
            if f3 == 0:
                v = (a + imm) & M32
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
            if rd:
                regs[rd] = v
        elif opcode == 0x03:  # LOAD
            addr = (a + (_s32(ins) >> 20)) & M32
            width = 1 << (f3 & 3)
            o = addr - base
            if (addr & (width - 1)) != 0:
                state[1] = addr
                status = 7
                break
            if o < 0 or o + width > size:
                state[1] = addr
                status = 5
                break
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
            if (addr & (width - 1)) != 0:
                state[1] = addr
                status = 8
                break
            if o < 0 or o + width > size:
                state[1] = addr
                status = 6
                break
            for k in range(width):
                mem[o + k] = (b >> (8 * k)) & 0xFF
        elif opcode == 0x63:  # BRANCH
            imm = ((_s32(ins) >> 31) << 12) | (((ins >> 7) & 1) << 11) | (((ins >> 25) & 0x3F) << 5) | (((ins >> 8) & 0xF) << 1)
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
                state[1] = ins
                status = 4
                break
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
            if rd:
                regs[rd] = next_pc & M32
            next_pc = (pc + imm) & M32
            cycles += jmp_pen
        elif opcode == 0x67:  # JALR
            target = (a + (_s32(ins) >> 20)) & 0xFFFFFFFE
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
                status = 0 if (ins >> 20) == 1 else 1
                if (ins >> 20) > 1:
                    state[1] = ins
                    status = 4
                break
            csr = ins >> 20
            # Counters: mcycle/cycle, minstret/instret (and their high halves), mhpmcounter3..
            if csr == 0xB00 or csr == 0xC00:
                old = cycles & M32
            elif csr == 0xB80 or csr == 0xC80:
                old = (cycles >> 32) & M32
            elif csr == 0xB02 or csr == 0xC02:
                old = instret & M32
            elif csr == 0xB82 or csr == 0xC82:
                old = (instret >> 32) & M32
            elif 0xB03 <= csr < 0xB03 + 6 or 0xC03 <= csr < 0xC03 + 6:
                old = counters[2 + (csr & 0xFF) - 3] & M32
            elif csr == 0x340:  # mscratch: readable, writes ignored
                old = 0
            else:
                state[1] = ins
                status = 4
                break
            if rd:
                regs[rd] = old
        elif opcode == 0x0B:  # custom-0: the CFU
            if not cfu_inline:
                status = 2
                break
            state[0] = pc  # so that an exception raised by the CFU can name the pc
            result, latency = cfu_fn(cfu_state, f3, f7, a, b)
            if rd:
                regs[rd] = result & M32
            cycles += latency
            counters[6] += 1
            counters[7] += latency
        elif opcode == 0x0F:  # FENCE: nothing to order in one hart
            pass
        else:
            state[1] = ins
            status = 4
            break
        pc = next_pc
        instret += 1
    state[0] = pc
    state[2] = load_rd
    state[3] = last_line
    counters[0] = cycles
    counters[1] = instret
    return status


# The same loop for machines whose CFU is compiled: numba specializes it on the CFU's function,
# and such a specialization cannot be cached on disk (the CFU's module is loaded from a project
# folder), so it compiles once per process.
run_with_cfu = njit(nogil=True)(run.py_func)
