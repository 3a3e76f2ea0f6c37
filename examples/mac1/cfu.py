"""Example CFU project: one multiply-accumulate per instruction, with the layer's input offset.

The first step of Lab 2 before four lanes (the ``simd4`` preset): src/fc.c runs FULLY_CONNECTED
layers through it. Run it with

    mlaccel soc run examples/mac1 --model ad --golden
    mlaccel soc check examples/mac1

funct3 0 (MAC): acc = (funct7 == 1 ? 0 : acc) + (s8(in0) + offset) * s8(in1); returns acc.
funct3 1 (SET_OFFSET): offset = in0 (the layer's -input_zero_point); returns 0.
Every operation takes one cycle.
"""

import numpy as np
from numba import njit

MAC, SET_OFFSET = 0, 1


def s8(v: int) -> int:
    """The low byte of a 32-bit operand, as a signed int8."""
    b = v & 0xFF
    return b - 256 if b > 127 else b


def s32(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


class Mac1:
    # Energy per operation, as actions of the technology table (mlaccel.hw.soc.energy).
    ENERGY = {MAC: {"op": {"add_int8": 1, "mult_int8": 1, "add_int32": 1}}, SET_OFFSET: {"op": {}}}

    def __init__(self):
        self.state = np.zeros(2, np.int64)  # [accumulator, offset]

    def op(self, funct3, funct7, in0, in1):
        if funct3 == SET_OFFSET:
            self.state[1] = s32(in0)
            return 0, 1
        if funct3 != MAC:
            raise ValueError(f"mac1 has no operation funct3={funct3}")
        acc = 0 if funct7 == 1 else int(self.state[0])
        acc = s32((acc + (s8(in0) + int(self.state[1])) * s8(in1)) & 0xFFFFFFFF)
        self.state[0] = acc
        return acc & 0xFFFFFFFF, 1

    # The compiled twin of `op` (the core calls it without leaving compiled code);
    # `mlaccel soc check` holds the two equal.
    @staticmethod
    @njit(cache=True)
    def jit_op(state, funct3, funct7, in0, in1):
        if funct3 == SET_OFFSET:
            state[1] = (in0 ^ 0x80000000) - 0x80000000
            return np.int64(0), np.int64(1)
        if funct3 != MAC:
            raise ValueError("mac1: unknown funct3")
        acc = np.int64(0) if funct7 == 1 else state[0]
        acc += (((in0 & 0xFF) ^ 0x80) - 0x80 + state[1]) * (((in1 & 0xFF) ^ 0x80) - 0x80)
        acc = ((acc & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
        state[0] = acc
        return acc & 0xFFFFFFFF, np.int64(1)


def make_cfu():
    return Mac1()
