"""Lab 2: a SIMD multiply-accumulate CFU, four int8 MACs per instruction.

funct3 0 (MAC4): if funct7 is 1 the accumulator is cleared first; then
    acc += sum_i (in0.byte[i] + input_offset) * in1.byte[i]
and the result is acc. in0 carries four inputs, in1 four filter values (byte 0 first).
funct3 1 (SET_OFFSET): input_offset = in0 (the layer's -input_zero_point); returns 0.
Every operation takes one cycle.
"""

import numpy as np
from numba import njit

MAC4, SET_OFFSET = 0, 1


def _s8(v: int, i: int) -> int:
    b = (v >> (8 * i)) & 0xFF
    return b - 256 if b > 127 else b


def _s32(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


class Simd4:
    # Energy per operation, as actions the technology table prices (mlaccel.hw.soc.cost): MAC4
    # adds the offset to four inputs, multiplies four pairs and adds the products into the 32-bit
    # accumulator; SET_OFFSET writes a register.
    ENERGY = {MAC4: {"op": {"add_int8": 4, "mult_int8": 4, "add_int32": 4}}, SET_OFFSET: {"op": {}}}
    # Area, as cells the technology table prices (mlaccel.hw.soc.area): the datapath above, and the
    # accumulator and offset registers.
    AREA = {"add_int8": 4, "mult_int8": 4, "add_int32": 4, "dff_bit": 64}

    def __init__(self):
        self.state = np.zeros(2, np.int64)  # [accumulator, input_offset]

    def op(self, funct3, funct7, in0, in1):
        acc, offset = int(self.state[0]), int(self.state[1])
        if funct3 == SET_OFFSET:
            self.state[1] = _s32(in0)
            return 0, 1
        if funct3 != MAC4:
            raise ValueError(f"simd4 has no operation funct3={funct3}")
        if funct7 == 1:
            acc = 0
        acc += sum((_s8(in0, i) + offset) * _s8(in1, i) for i in range(4))
        acc = _s32(acc & 0xFFFFFFFF)  # a 32-bit register
        self.state[0] = acc
        return acc & 0xFFFFFFFF, 1

    @staticmethod
    @njit(cache=True)
    def jit_op(state, funct3, funct7, in0, in1):
        if funct3 == SET_OFFSET:
            state[1] = (in0 ^ 0x80000000) - 0x80000000
            return np.int64(0), np.int64(1)
        if funct3 != MAC4:
            raise ValueError("simd4: unknown funct3")
        acc = np.int64(0) if funct7 == 1 else state[0]
        for i in range(4):
            x = (in0 >> (8 * i)) & 0xFF
            w = (in1 >> (8 * i)) & 0xFF
            acc += ((x ^ 0x80) - 0x80 + state[1]) * ((w ^ 0x80) - 0x80)
        acc = ((acc & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
        state[0] = acc
        return acc & 0xFFFFFFFF, np.int64(1)


def make_cfu():
    return Simd4()
