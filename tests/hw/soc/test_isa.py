"""RV32IM semantics, one instruction at a time, edge cases included (a test-side assembler)."""

import numpy as np
import pytest

from mlaccel.hw.soc import core
from mlaccel.hw.soc.machine import Machine

BASE = 0x40000000
M = 0xFFFFFFFF


def r_type(f7, rs2, rs1, f3, rd, op=0x33):
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op


def i_type(imm, rs1, f3, rd, op=0x13):
    return ((imm & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op


def s_type(imm, rs2, rs1, f3):
    return (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23


def b_type(imm, rs2, rs1, f3):
    return ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12)
            | (((imm >> 1) & 0xF) << 8) | (((imm >> 11) & 1) << 7) | 0x63)


EBREAK = 0x00100073


def execute(words, regs=None, data=b""):
    """Run the words from BASE until ebreak; returns (machine, status)."""
    m = Machine(ram_bytes=1 << 16)
    program = np.array(list(words) + [EBREAK], np.uint32)
    m.write(BASE, program.view(np.uint8))
    m.write(BASE + 0x8000, data)
    for k, v in (regs or {}).items():
        m.regs[k] = v & M
    m.state[core.S_PC] = BASE
    m.state[core.S_HALT] = BASE + 4 * (len(program) - 1)  # the final ebreak returns to the host
    status = core.run(m.mem, m.base, m.regs, m.state, m.counters, m._timing, m.itags, m.dtags, 10**6,
                      core.no_cfu, np.zeros(1, np.int64), False)
    return m, status


def s32(v):
    return v - (1 << 32) if v & 0x80000000 else v


# (funct7, funct3, a, b, expected) for R-type ALU and M instructions
R_CASES = [
    (0, 0, 5, 7, 12), (0, 0, M, 1, 0), (0x20, 0, 3, 5, M - 1),          # add (wraps), sub
    (0, 1, 1, 33, 2), (0, 1, 0x80000001, 1, 2),                          # sll uses low 5 bits
    (0, 2, M, 1, 1), (0, 2, 1, M, 0), (0, 3, M, 1, 0), (0, 3, 1, M, 1),  # slt, sltu
    (0, 4, 0xF0F0, 0xFF00, 0x0FF0), (0, 6, 0xF0, 0x0F, 0xFF), (0, 7, 0xF0, 0x3C, 0x30),
    (0, 5, 0x80000000, 4, 0x08000000), (0x20, 5, 0x80000000, 4, 0xF8000000),  # srl, sra
    (1, 0, 0x12345678, 0x9ABCDEF0, (0x12345678 * 0x9ABCDEF0) & M),       # mul
    (1, 1, M, M, 0), (1, 1, 0x80000000, 0x80000000, 0x40000000),          # mulh: (-1)(-1), (-2^31)^2
    (1, 2, M, M, M), (1, 3, M, M, 0xFFFFFFFE),                            # mulhsu, mulhu
    (1, 4, 7, 0, M), (1, 4, 0x80000000, M, 0x80000000), (1, 4, (-7) & M, 2, (-3) & M),  # div: /0, overflow, trunc
    (1, 5, 7, 0, M), (1, 5, M, 2, 0x7FFFFFFF),                            # divu
    (1, 6, 7, 0, 7), (1, 6, 0x80000000, M, 0), (1, 6, (-7) & M, 2, M),   # rem: /0, overflow, sign of dividend
    (1, 7, 7, 0, 7), (1, 7, M, 10, 5),                                    # remu
]


@pytest.mark.parametrize("f7,f3,a,b,want", R_CASES)
def test_r_type(f7, f3, a, b, want):
    m, status = execute([r_type(f7, 2, 1, f3, 3)], {1: a, 2: b})
    assert status == 0 and int(m.regs[3]) == want


@pytest.mark.parametrize("f3,imm,a,want", [
    (0, -1, 5, 4), (0, 2047, 1, 2048), (2, -1, 0, 0), (2, 1, M, 1), (3, -1, 5, 1),  # addi, slti, sltiu(-1 = max)
    (4, -1, 0x0F, 0xFFFFFFF0), (6, 0x100, 1, 0x101), (7, -16, 0xFF, 0xF0),
])
def test_i_type(f3, imm, a, want):
    m, _ = execute([i_type(imm, 1, f3, 3)], {1: a})
    assert int(m.regs[3]) == want


def test_shift_immediates_and_x0():
    m, _ = execute([i_type(31, 1, 1, 3), i_type(0x400 | 31, 1, 5, 4), i_type(31, 1, 5, 5), i_type(7, 0, 0, 0)],
                   {1: 0x80000001})
    assert (int(m.regs[3]), int(m.regs[4]), int(m.regs[5]), int(m.regs[0])) == (0x80000000, M, 1, 0)


def test_loads_stores_sign_and_zero_extension():
    data = bytes([0x80, 0xFF, 0x34, 0x12])
    words = [i_type(0, 1, 0, 3, 0x03), i_type(0, 1, 4, 4, 0x03), i_type(0, 1, 1, 5, 0x03),
             i_type(0, 1, 5, 6, 0x03), i_type(0, 1, 2, 7, 0x03), s_type(8, 7, 1, 2), s_type(13, 3, 1, 0),
             s_type(14, 5, 1, 1)]
    m, _ = execute(words, {1: BASE + 0x8000}, data)
    assert [int(m.regs[i]) for i in (3, 4, 5, 6, 7)] == [0xFFFFFF80, 0x80, 0xFFFFFF80, 0xFF80, 0x1234FF80]
    assert m.read(BASE + 0x8008, 8) == bytes([0x80, 0xFF, 0x34, 0x12, 0, 0x80, 0x80, 0xFF])


@pytest.mark.parametrize("f3,addr_off,status", [(2, 2, 7), (1, 1, 7)])
def test_misaligned_load_faults(f3, addr_off, status):
    m, st = execute([i_type(addr_off, 1, f3, 3, 0x03)], {1: BASE + 0x8000})
    assert st == status and int(m.state[1]) == BASE + 0x8000 + addr_off and int(m.state[0]) == BASE


def test_misaligned_store_and_out_of_ram():
    _, st = execute([s_type(2, 0, 1, 2)], {1: BASE + 0x8000})
    assert st == 8
    m, st = execute([i_type(0, 1, 2, 3, 0x03)], {1: 0x10})
    assert st == 5 and int(m.state[1]) == 0x10


@pytest.mark.parametrize("f3,a,b,taken", [(0, 1, 1, 1), (1, 1, 1, 0), (4, M, 0, 1), (5, M, 0, 0), (6, M, 0, 0),
                                          (7, M, 0, 1)])
def test_branches(f3, a, b, taken):
    # taken: skip the "addi x3, x0, 1"
    m, _ = execute([b_type(8, 2, 1, f3), i_type(1, 0, 0, 3)], {1: a, 2: b})
    assert int(m.regs[3]) == (0 if taken else 1)


def test_jal_jalr_lui_auipc():
    jal = (((8 >> 1) & 0x3FF) << 21) | (1 << 7) | 0x6F  # jal x1, +8
    words = [jal, i_type(99, 0, 0, 5), 0x12345000 | (6 << 7) | 0x37, 0x00001000 | (7 << 7) | 0x17,
             i_type(0, 8, 0, 9, 0x67)]  # jalr x9, 0(x8) -> to the ebreak
    m, _ = execute(words, {8: BASE + 4 * 5})
    assert int(m.regs[1]) == BASE + 4 and int(m.regs[5]) == 0
    assert int(m.regs[6]) == 0x12345000 and int(m.regs[7]) == BASE + 12 + 0x1000
    assert int(m.regs[9]) == BASE + 20


def test_counters_and_illegal():
    csrr = lambda csr, rd: (csr << 20) | (2 << 12) | (rd << 7) | 0x73  # noqa: E731
    m, _ = execute([0x13, 0x13, csrr(0xC02, 3), csrr(0xB00, 4)])
    assert int(m.regs[3]) == 2 and int(m.regs[4]) >= 3
    _, st = execute([0xFFFFFFFF])
    assert st == 4
    _, st = execute([csrr(0x7C0, 3)])  # an unimplemented CSR
    assert st == 4


def test_timing_model_charges_stalls():
    base = execute([0x13] * 8)[0].counters[0]
    div = execute([r_type(1, 2, 1, 4, 3)] + [0x13] * 7, {1: 9, 2: 2})[0].counters[0]
    assert div - base == 33  # 34-cycle divide replaces a 1-cycle instruction
    lw_use = execute([i_type(0, 1, 2, 3, 0x03), r_type(0, 3, 3, 0, 4)], {1: BASE + 0x8000})[0]
    assert lw_use.counters[5] == 1  # one load-use stall
    m, _ = execute([i_type(0, 1, 2, 3, 0x03), i_type(0x400, 1, 2, 4, 0x03)], {1: BASE + 0x8000})
    assert m.counters[3] == 2  # two lines: two data-cache misses
