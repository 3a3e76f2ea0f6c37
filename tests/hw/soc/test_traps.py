"""Machine-mode traps as the RISC-V privileged specification has them: CSRs, mret, every cause."""

import pytest

from mlaccel.hw.soc import Machine, SimulationError, core
from mlaccel.hw.soc.toolchain import FIRMWARE_DIR, build_firmware

PROGRAM = r"""
    .section .text
    .align 4
handler:                      # log mcause, mepc, mtval, mstatus; resume after the faulting instruction
    csrr t0, mcause
    csrr t1, mepc
    csrr t2, mtval
    csrr t4, mstatus
    la t3, trap_log
    sw t0, 0(t3)
    sw t1, 4(t3)
    sw t2, 8(t3)
    sw t4, 12(t3)
    lw t5, 16(t3)
    addi t5, t5, 1
    sw t5, 16(t3)             # trap count
    addi t1, t1, 4
    csrw mepc, t1
    mret

    .global install
install:
    la t0, handler
    csrw mtvec, t0
    csrsi mstatus, 8          # MIE = 1
    ret

    .global bad_handler
bad_handler:
    la t0, not_code
    csrw mtvec, t0
    ret

    .global do_ecall, at_ecall
do_ecall:
at_ecall:
    ecall
    ret
    .global do_ebreak, at_ebreak
do_ebreak:
at_ebreak:
    ebreak
    ret
    .global do_illegal, at_illegal
do_illegal:
at_illegal:
    .word 0xffffffff
    ret
    .global do_misaligned_load, at_mload
do_misaligned_load:
at_mload:
    lw a0, 1(a0)
    ret
    .global do_misaligned_store, at_mstore
do_misaligned_store:
at_mstore:
    sw a1, 2(a0)
    ret
    .global do_load_fault, at_lfault
do_load_fault:
at_lfault:
    lw a0, 16(zero)
    ret
    .global do_store_fault, at_sfault
do_store_fault:
at_sfault:
    sw a0, 32(zero)
    ret
    .global do_misaligned_jump, at_mjump
do_misaligned_jump:
    addi t0, a0, 2
at_mjump:
    jalr zero, 0(t0)
    ret
    .global write_cycle, at_wcycle
write_cycle:
at_wcycle:
    csrw cycle, a0
    ret
    .global write_instret
write_instret:
    csrw instret, a0
    ret
    .global write_mhartid
write_mhartid:
    csrw mhartid, a0
    ret
    .global read_mhartid
read_mhartid:
    csrr a0, mhartid
    ret
    .global read_cycle_set_x0
read_cycle_set_x0:            # csrrs with rs1 = x0 does not write: reading a read-only CSR is legal
    csrrs a0, cycle, zero
    ret
    .global scratch
scratch:
    csrw mscratch, a0
    csrr a0, mscratch
    ret
    .global read_misa
read_misa:
    csrr a0, misa
    ret
    .global set_mcycle
set_mcycle:                   # mcycle is writable in M-mode: write it, read it back
    csrw mcycle, a0
    csrr a0, mcycle
    ret
    .global minstret_back         # csrw, then read: the next instruction reads the value written
minstret_back:
    csrw minstret, a0
    csrr a0, minstret
    ret
    .global minstret_swap         # csrrw returns the old value; the next instruction reads the new one
minstret_swap:
    csrrw a1, minstret, a0
    csrr a0, minstret
    ret
    .global mcycle_back
mcycle_back:
    csrw mcycle, a0
    csrr a0, mcycle
    ret
    .global minstreth_back
minstreth_back:
    csrw minstreth, a0
    csrr a0, minstreth
    ret
    .global mcycleh_back
mcycleh_back:
    csrw mcycleh, a0
    csrr a0, mcycleh
    ret
    .global minstret_wrap_low, minstret_wrap_high
minstret_wrap_low:            # minstret = 2^32 - 1 with minstreth = 0: read back, then the carry
    csrw minstreth, zero
    li t0, -1
    csrw minstret, t0
    csrr a0, minstret
    ret
minstret_wrap_high:
    csrw minstreth, zero
    li t0, -1
    csrw minstret, t0
    csrr a1, minstret         # reads 2^32 - 1 and retires: minstret wraps into minstreth
    csrr a0, minstreth
    ret
    .global unknown_csr
unknown_csr:
    csrr a0, 0x7c0
    ret

    .section .data
    .align 4
    .global trap_log
trap_log:
    .word 0, 0, 0, 0, 0
not_code:
    .word 0xffffffff
"""

MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP = 1 << 3, 1 << 7, 3 << 11


@pytest.fixture(scope="module")
def elf(tmp_path_factory):
    src = tmp_path_factory.mktemp("traps") / "traps.S"
    src.write_text(PROGRAM)
    return build_firmware([FIRMWARE_DIR / "crt0.S", src], [FIRMWARE_DIR], "traps-test")


@pytest.fixture
def m(elf):
    machine = Machine(1 << 20)
    machine.load_elf(elf)
    return machine


@pytest.fixture
def trapping(m):
    m.call("install")
    assert m.csr("mtvec") == m.symbol("handler")
    return m


def log(m):
    raw = m.read(m.symbol("trap_log"), 20)
    return [int.from_bytes(raw[i:i + 4], "little") for i in range(0, 20, 4)]


@pytest.mark.parametrize("func,args,cause,tval", [
    ("do_ecall", (), 11, lambda m, a: 0),
    ("do_ebreak", (), 3, lambda m, a: m.symbol("at_ebreak")),
    ("do_illegal", (), 2, lambda m, a: 0xFFFFFFFF),
    ("do_misaligned_load", (0x40080000,), 4, lambda m, a: a[0] + 1),
    ("do_misaligned_store", (0x40080000, 7), 6, lambda m, a: a[0] + 2),
    ("do_load_fault", (), 5, lambda m, a: 16),
    ("do_store_fault", (), 7, lambda m, a: 32),
    ("do_misaligned_jump", (0x40000000,), 0, lambda m, a: a[0] + 2),
    ("write_cycle", (5,), 2, lambda m, a: 0xC0051073),  # the instruction word: csrrw x0, cycle, a0
])
def test_each_cause_traps_to_the_handler(trapping, func, args, cause, tval):
    m = trapping
    at = {"do_ecall": "at_ecall", "do_ebreak": "at_ebreak", "do_illegal": "at_illegal", "do_misaligned_load": "at_mload",
          "do_misaligned_store": "at_mstore", "do_load_fault": "at_lfault", "do_store_fault": "at_sfault",
          "do_misaligned_jump": "at_mjump", "write_cycle": "at_wcycle"}[func]
    traps_before = m.counter("traps")
    m.call(func, *args)  # returns: the handler resumed after the faulting instruction
    mcause, mepc, mtval, mstatus_in_handler, count = log(m)
    assert (mcause, mepc, mtval) == (cause, m.symbol(at), tval(m, args))
    assert (m.csr("mcause"), m.csr("mtval")) == (cause, tval(m, args))
    assert m.csr("mepc") == m.symbol(at) + 4  # the handler stepped over the faulting instruction
    # Entering the trap: MPIE = old MIE (1), MIE = 0, MPP = M; mret restores MIE and sets MPIE.
    assert mstatus_in_handler & MSTATUS_MIE == 0 and mstatus_in_handler & MSTATUS_MPIE
    assert mstatus_in_handler & MSTATUS_MPP == MSTATUS_MPP
    assert m.csr("mstatus") & MSTATUS_MIE and m.csr("mstatus") & MSTATUS_MPIE
    assert count == 1 and m.counter("traps") == traps_before + 1


@pytest.mark.parametrize("func", ["write_cycle", "write_instret", "write_mhartid"])
def test_writing_a_read_only_csr_is_illegal(m, trapping, func):
    m.call(func, 1)
    assert log(m)[0] == 2


@pytest.mark.parametrize("func", ["minstret_back", "minstret_swap", "mcycle_back", "minstreth_back", "mcycleh_back"])
@pytest.mark.parametrize("value", [0, 1000, 0xFFFFFFFF])
def test_the_instruction_after_a_counter_write_reads_the_value_written(m, func, value):
    # The privileged spec: a value written to minstret (mcycle, and their high halves) is the value
    # the following instruction reads; the writing instruction's own increment is suppressed.
    assert m.call(func, value) == value


def test_minstret_wraps_into_minstreth(m):
    assert m.call("minstret_wrap_low") == 0xFFFFFFFF
    assert m.call("minstret_wrap_high") == 1


def test_csrs_read_and_write(m):
    assert m.call("scratch", 0x1234ABCD) == 0x1234ABCD
    assert m.call("read_mhartid") == 0
    assert m.call("read_misa") == 0x40001100  # RV32, I and M
    assert m.call("read_cycle_set_x0") > 0  # csrrs with x0 reads a read-only CSR without trapping
    assert m.call("set_mcycle", 1000) >= 1000  # writable in M-mode, and it keeps counting
    assert m.counter("cycles") < 1000  # the simulator's own count (what Stats report) is untouched
    m.call("install")
    assert m.csr("mstatus") & MSTATUS_MIE and m.csr("mstatus") & MSTATUS_MPP == MSTATUS_MPP


@pytest.mark.parametrize("func,args,message", [
    ("do_ecall", (), r"Ecall at pc 0x\w+ <do_ecall\+0x0>: .*no trap handler"),
    ("do_ebreak", (), r"Breakpoint \(ebreak\) at pc 0x\w+ <do_ebreak\+0x0>"),
    ("do_illegal", (), r"Illegal instruction at pc 0x\w+ <do_illegal\+0x0>"),
    ("do_misaligned_load", (0x40080000,), r"Misaligned load at address 0x40080001 by pc 0x\w+ <do_misaligned_load"),
    ("do_store_fault", (), r"Store fault at address 0x00000020 by pc .*<do_store_fault"),
    ("do_misaligned_jump", (0x40000000,), r"Jump to misaligned address 0x40000002 by pc .*<at_mjump\+0x0>"),
    ("write_cycle", (1,), r"Illegal instruction at pc .*<write_cycle"),
    ("unknown_csr", (), r"Illegal instruction at pc .*<unknown_csr\+0x0>"),
])
def test_without_mtvec_the_simulation_stops_naming_the_pc(m, func, args, message):
    assert m.csr("mtvec") == 0
    with pytest.raises(SimulationError, match=message):
        m.call(func, *args)


def test_a_handler_that_faults_at_once_stops_as_a_double_fault(m):
    m.call("bad_handler")
    with pytest.raises(SimulationError, match="Double fault"):
        m.call("do_ecall")


def test_cfu_instruction_without_cfu_traps_as_illegal(tmp_path):
    src = tmp_path / "cfu.c"
    src.write_text('#include "cfu.h"\nint use(int a) { return cfu_op(1, 0, a, a); }\n')
    elf = build_firmware([FIRMWARE_DIR / "crt0.S", src], [FIRMWARE_DIR], "traps-cfu-test")
    m = Machine(1 << 20)
    m.load_elf(elf)
    with pytest.raises(SimulationError, match="no CFU is attached"):
        m.call("use", 3)
    # With a handler, the core decodes custom-0 as illegal: mcause 2, mtval the instruction word.
    m.state[core.S_MTVEC] = m.symbol("_call_done")  # the handler: the trampoline's ebreak ends the call
    m.call("use", 3)
    assert m.csr("mcause") == 2 and m.csr("mtval") & 0x7F == 0x0B
