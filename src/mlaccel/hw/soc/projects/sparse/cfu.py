"""A 2:4 sparse CFU: inputs buffered in the CFU, packed non-zero weights, select-and-MAC.

The C kernels (src/sparse_kernels.c) pack every filter row of a 2:4 layer into its kept weights
(two of every four) and 2-bit indices, load one output pixel's inputs into the CFU once, and then
run every output channel through it, eight dense positions per instruction.

funct3 0 SMAC      if funct7 is 1, only clears: acc = 0 and the read pointer p = 0; returns 0.
                   Otherwise acc += sum over h, s in {0, 1} of (x[p + 4h + idx(h, s)] + input_offset) * w[2h + s]
                   where w = the four bytes of in0 (byte 0 first) and idx(h, s) = bits 4h+2s+1:4h+2s of
                   in1; p += 8. Returns acc. Two groups of four inputs, four multipliers and four 4:1 muxes.
funct3 1 SET_OFFSET input_offset = in0 (the layer's -input_zero_point); returns 0.
funct3 2 LOAD_X    if funct7 is 1, the write pointer q = 0 first; x[q..q+3] = bytes of in0,
                   x[q+4..q+7] = bytes of in1; q += 8. Returns 0.
funct3 3 MAC4      simd4's dense operation, for layers that are not 2:4: if funct7 is 1, acc = 0;
                   acc += sum_i (in0.byte[i] + input_offset) * in1.byte[i]. Returns acc.

The input buffer holds X_MAX bytes. Every operation takes one cycle.
"""

import numpy as np
from numba import njit

SMAC, SET_OFFSET, LOAD_X, MAC4 = 0, 1, 2, 3
X_MAX = 4096
_ACC, _OFF, _P, _Q, _X = 0, 1, 2, 3, 4  # state layout: accumulator, offset, pointers, input buffer


def _s8(v: int, i: int) -> int:
    b = (v >> (8 * i)) & 0xFF
    return b - 256 if b > 127 else b


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


class SparseCfu:
    # Energy per operation, as actions the technology table prices (mlaccel.hw.soc.cost). SMAC
    # reads two words of the input buffer, adds the offset to four picked inputs, multiplies four
    # pairs and adds the products into the accumulator; LOAD_X writes two words.
    ENERGY = {
        SMAC: {"op": {"sram:32": 2, "add_int8": 4, "mult_int8": 4, "add_int32": 4}},
        SET_OFFSET: {"op": {}},
        LOAD_X: {"op": {"sram:32": 2}},
        MAC4: {"op": {"add_int8": 4, "mult_int8": 4, "add_int32": 4}},
    }
    # Area (mlaccel.hw.soc.area): the datapath, four 8-bit 4:1 muxes (three 2:1 per bit), the
    # accumulator, offset and pointer registers, and the X_MAX-byte input buffer.
    AREA = {"add_int8": 4, "mult_int8": 4, "add_int32": 4, "mux2_bit": 4 * 8 * 3, "dff_bit": 4 * 32,
            "sram_bit": 8 * X_MAX}

    def __init__(self):
        self.state = np.zeros(_X + X_MAX, np.int64)

    def op(self, funct3, funct7, in0, in1):
        s = self.state
        if funct3 == SET_OFFSET:
            s[_OFF] = _s32(in0)
            return 0, 1
        if funct3 == LOAD_X:
            if funct7 == 1:
                s[_Q] = 0
            q = int(s[_Q])
            if q + 8 > X_MAX:
                raise ValueError(f"LOAD_X past the {X_MAX}-byte input buffer (write pointer {q})")
            s[_X + q:_X + q + 8] = [_s8(in0, i) for i in range(4)] + [_s8(in1, i) for i in range(4)]
            s[_Q] = q + 8
            return 0, 1
        if funct3 == SMAC:
            if funct7 == 1:
                s[_ACC], s[_P] = 0, 0
                return 0, 1
            p = int(s[_P])
            if p + 8 > X_MAX:
                raise ValueError(f"SMAC past the {X_MAX}-byte input buffer (read pointer {p})")
            acc = int(s[_ACC])
            for h in range(2):
                for k in range(2):
                    idx = (in1 >> (4 * h + 2 * k)) & 3
                    acc += (int(s[_X + p + 4 * h + idx]) + int(s[_OFF])) * _s8(in0, 2 * h + k)
            s[_ACC], s[_P] = _s32(acc), p + 8
            return int(s[_ACC]) & 0xFFFFFFFF, 1
        if funct3 == MAC4:
            acc = 0 if funct7 == 1 else int(s[_ACC])
            acc += sum((_s8(in0, i) + int(s[_OFF])) * _s8(in1, i) for i in range(4))
            s[_ACC] = _s32(acc)
            return int(s[_ACC]) & 0xFFFFFFFF, 1
        raise ValueError(f"sparse CFU has no operation funct3={funct3}")

    @staticmethod
    @njit(cache=True)
    def jit_op(state, funct3, funct7, in0, in1):
        if funct3 == SET_OFFSET:
            state[_OFF] = (in0 ^ 0x80000000) - 0x80000000
            return np.int64(0), np.int64(1)
        if funct3 == LOAD_X:
            if funct7 == 1:
                state[_Q] = 0
            q = state[_Q]
            if q + 8 > X_MAX:
                raise ValueError("LOAD_X past the input buffer")
            for i in range(4):
                state[_X + q + i] = (((in0 >> (8 * i)) & 0xFF) ^ 0x80) - 0x80
                state[_X + q + 4 + i] = (((in1 >> (8 * i)) & 0xFF) ^ 0x80) - 0x80
            state[_Q] = q + 8
            return np.int64(0), np.int64(1)
        if funct3 == SMAC:
            if funct7 == 1:
                state[_ACC] = 0
                state[_P] = 0
                return np.int64(0), np.int64(1)
            p = state[_P]
            if p + 8 > X_MAX:
                raise ValueError("SMAC past the input buffer")
            acc = state[_ACC]
            for h in range(2):
                for k in range(2):
                    idx = (in1 >> (4 * h + 2 * k)) & 3
                    w = (((in0 >> (8 * (2 * h + k))) & 0xFF) ^ 0x80) - 0x80
                    acc += (state[_X + p + 4 * h + idx] + state[_OFF]) * w
            state[_ACC] = ((acc & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
            state[_P] = p + 8
            return state[_ACC] & 0xFFFFFFFF, np.int64(1)
        if funct3 == MAC4:
            acc = np.int64(0) if funct7 == 1 else state[_ACC]
            for i in range(4):
                x = (((in0 >> (8 * i)) & 0xFF) ^ 0x80) - 0x80
                w = (((in1 >> (8 * i)) & 0xFF) ^ 0x80) - 0x80
                acc += (x + state[_OFF]) * w
            state[_ACC] = ((acc & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
            return state[_ACC] & 0xFFFFFFFF, np.int64(1)
        raise ValueError("sparse CFU: unknown funct3")


def make_cfu():
    return SparseCfu()
