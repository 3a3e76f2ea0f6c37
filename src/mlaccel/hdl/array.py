"""An output-stationary systolic array with its input skew, shared by the TPU and the TPU-CFU.

While ``step`` is high, row i's operand ``a_in[i]`` reaches PE (i, 0) i cycles later and then
moves right one PE per cycle, column j's ``b_in[j]`` reaches PE (0, j) j cycles later and moves
down, and every PE adds the product of its two operand registers to its accumulator. ``clear``
empties the operand registers, skew lines and accumulators. This is the schedule of
``mlaccel.hw.systolic.pe_array`` for the ``os`` dataflow.
"""

from __future__ import annotations

from amaranth.hdl import Elaboratable, Module, Signal, signed, unsigned

__all__ = ["OSArray", "feed_skewed"]


def feed_skewed(m: Module, source, delay: list, line: list) -> None:
    """Sync statements that pass ``source`` through the ``delay`` registers into ``line[0]`` and then
    along ``line``, one register per cycle (the skew of a systolic edge feeder)."""
    chain = [source] + delay
    m.d.sync += [delay[s].eq(chain[s]) for s in range(len(delay))]
    m.d.sync += line[0].eq(chain[len(delay)])
    m.d.sync += [line[i].eq(line[i - 1]) for i in range(1, len(line))]


class OSArray(Elaboratable):
    """Parameters
    ----------
    rows, cols : int
    is_signed : bool
        int8 operands (True) or uint8; accumulators are 32 bits and wrap.
    a_shape : Shape, optional
        Overrides the row operands' shape (the TPU-CFU feeds ``x + input_offset``, 10 bits).
    """

    def __init__(self, rows: int = 4, cols: int = 4, is_signed: bool = True, a_shape=None):
        self.rows, self.cols = rows, cols
        shape = signed(8) if is_signed else unsigned(8)
        self._a_shape = a_shape if a_shape is not None else shape
        self.a_in = [Signal(self._a_shape, name=f"a_in_{i}") for i in range(rows)]
        self.b_in = [Signal(shape, name=f"b_in_{j}") for j in range(cols)]
        self.step = Signal()
        self.clear = Signal()
        self.acc = [[Signal(32, name=f"acc_{i}_{j}") for j in range(cols)] for i in range(rows)]
        self._shape = shape

    def elaborate(self, platform):
        m = Module()
        rows, cols, shape = self.rows, self.cols, self._shape
        a = [[Signal(self._a_shape, name=f"a_{i}_{j}") for j in range(cols)] for i in range(rows)]
        b = [[Signal(shape, name=f"b_{i}_{j}") for j in range(cols)] for i in range(rows)]
        a_delay = [[Signal(self._a_shape, name=f"ad_{i}_{s}") for s in range(i)] for i in range(rows)]
        b_delay = [[Signal(shape, name=f"bd_{j}_{s}") for s in range(j)] for j in range(cols)]
        registers = [x for group in (a, b, self.acc, a_delay, b_delay) for line in group for x in line]
        with m.If(self.clear):
            m.d.sync += [r.eq(0) for r in registers]
        with m.Elif(self.step):
            for i in range(rows):
                feed_skewed(m, self.a_in[i], a_delay[i], a[i])
            for j in range(cols):
                feed_skewed(m, self.b_in[j], b_delay[j], [b[i][j] for i in range(rows)])
            for i in range(rows):
                for j in range(cols):
                    m.d.sync += self.acc[i][j].eq(self.acc[i][j] + a[i][j] * b[i][j])
        return m
