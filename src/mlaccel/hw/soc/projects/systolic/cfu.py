"""Lab 5: a 4x4 output-stationary systolic array inside a CFU, with its A, B and C buffers.

It computes one 4x4 tile C = (A + input_offset) @ B of an im2col convolution, where A holds four
output pixels' im2col rows (4 x K) and B four filters (K x 4):

funct3 0 CONFIG   in0 = K, in1 = input_offset
funct3 1 WRITE_A  in0 = A[0..3][k] packed (row 0 in byte 0), in1 = k
funct3 2 WRITE_B  in0 = B[k][0..3] packed (column 0 in byte 0), in1 = k
funct3 3 EXECUTE  runs the array: K + R + C + 1 cycles, the OS fold of mlaccel.hw.systolic
                  (K + R + C - 2) plus a cycle each to decode the command, read the BRAM buffers
                  and register the operands at the array's edge, as the RTL (mlaccel.hdl.tpu_cfu)
                  takes
funct3 4 READ_C   in0 = 4*row + col; returns C[row][col]

Every other operation takes one cycle.
"""

import numpy as np
from numba import njit

ROWS = COLS = 4
K_MAX = 8192
CONFIG, WRITE_A, WRITE_B, EXECUTE, READ_C = range(5)
_A, _B = 2 + ROWS * COLS, 2 + ROWS * COLS + ROWS * K_MAX  # offsets of the buffers in `state`


def _bytes(v: int) -> np.ndarray:
    """The four signed bytes of a 32-bit operand, byte 0 first."""
    return np.array([(((v >> (8 * i)) & 0xFF) ^ 0x80) - 0x80 for i in range(4)], np.int64)


class SystolicCfu:
    """A readable model: NumPy buffers and a matrix product (the twin below is the fast one)."""

    # Energy, as actions the technology table prices (mlaccel.hw.soc.cost). The A and B buffers
    # hold 4 x K_MAX bytes each (32 KiB); WRITE_A/B store one word. Each EXECUTE cycle reads a
    # word of A and of B and every PE multiplies and accumulates; the C registers are read for free.
    ENERGY = {
        CONFIG: {"op": {}},
        WRITE_A: {"op": {"sram:32": 1}},
        WRITE_B: {"op": {"sram:32": 1}},
        EXECUTE: {"cycle": {"sram:32": 2, "mult_int8": ROWS * COLS, "add_int32": ROWS * COLS}},
        READ_C: {"op": {}},
    }
    # Area (mlaccel.hw.soc.area): 16 PEs (multiplier, 32-bit adder, operand and accumulator
    # registers) and the A and B buffers of 4 x K_MAX bytes each.
    AREA = {"mult_int8": ROWS * COLS, "add_int32": ROWS * COLS, "dff_bit": ROWS * COLS * (8 + 8 + 32),
            "sram_bit": 2 * 8 * ROWS * K_MAX}

    def __init__(self):
        self.state = np.zeros(_B + K_MAX * COLS, np.int64)  # shared layout with jit_op
        self.k, self.offset = 0, 0
        self.a = np.zeros((ROWS, K_MAX), np.int64)
        self.b = np.zeros((K_MAX, COLS), np.int64)
        self.c = np.zeros((ROWS, COLS), np.int64)

    def op(self, funct3, funct7, in0, in1):
        if funct3 == CONFIG:
            if not 0 < in0 <= K_MAX:
                raise ValueError(f"K={in0} is outside 1..{K_MAX}")
            self.k, self.offset = in0, (in1 ^ 0x80000000) - 0x80000000
            return 0, 1
        if funct3 in (WRITE_A, WRITE_B):
            if not 0 <= in1 < self.k:
                raise ValueError(f"k={in1} is outside 0..{self.k - 1}")
            if funct3 == WRITE_A:
                self.a[:, in1] = _bytes(in0)
            else:
                self.b[in1, :] = _bytes(in0)
            return 0, 1
        if funct3 == EXECUTE:
            k = self.k
            self.c = (self.a[:, :k] + self.offset) @ self.b[:k]
            return 0, k + ROWS + COLS + 1
        if funct3 == READ_C:
            if not 0 <= in0 < ROWS * COLS:
                raise ValueError(f"C index {in0} is outside 0..{ROWS * COLS - 1}")
            return int(self.c[in0 // COLS, in0 % COLS]) & 0xFFFFFFFF, 1
        raise ValueError(f"systolic CFU has no operation funct3={funct3}")

    @staticmethod
    @njit(cache=True)
    def jit_op(state, funct3, funct7, in0, in1):
        if funct3 == CONFIG:
            if in0 <= 0 or in0 > K_MAX:
                raise ValueError("systolic CFU: K outside 1..8192")
            state[0] = in0
            state[1] = (in1 ^ 0x80000000) - 0x80000000
            return np.int64(0), np.int64(1)
        k = state[0]
        if funct3 == WRITE_A or funct3 == WRITE_B:
            if in1 < 0 or in1 >= k:
                raise ValueError("systolic CFU: k outside 0..K-1")
            for i in range(4):
                v = (((in0 >> (8 * i)) & 0xFF) ^ 0x80) - 0x80
                if funct3 == WRITE_A:
                    state[_A + i * K_MAX + in1] = v
                else:
                    state[_B + in1 * COLS + i] = v
            return np.int64(0), np.int64(1)
        if funct3 == EXECUTE:
            for r in range(ROWS):
                for c in range(COLS):
                    acc = np.int64(0)
                    for j in range(k):
                        acc += (state[_A + r * K_MAX + j] + state[1]) * state[_B + j * COLS + c]
                    state[2 + r * COLS + c] = acc
            return np.int64(0), k + ROWS + COLS + 1
        if funct3 == READ_C:
            if in0 < 0 or in0 >= ROWS * COLS:  # compiled code has no bounds checks: check here
                raise ValueError("systolic CFU: C index outside 0..15")
            return state[2 + in0] & 0xFFFFFFFF, np.int64(1)
        raise ValueError("systolic CFU: unknown funct3")


def make_cfu():
    return SystolicCfu()
