"""CFU Playground's CFU port, the signals every CFU design exposes."""

from __future__ import annotations

from amaranth.hdl import Elaboratable, Signal

__all__ = ["CfuPort"]


class CfuPort(Elaboratable):
    """Base of CFU designs: the command/response handshake with CFU Playground's port names.

    ``cmd_payload_function_id`` is {funct7, funct3}; operands are valid only in the handshake cycle
    (``cmd_valid & cmd_ready``); the response is held until ``rsp_ready``.
    """

    def __init__(self):
        self.cmd_valid = Signal()
        self.cmd_ready = Signal()
        self.cmd_payload_function_id = Signal(10)
        self.cmd_payload_inputs_0 = Signal(32)
        self.cmd_payload_inputs_1 = Signal(32)
        self.rsp_valid = Signal()
        self.rsp_ready = Signal()
        self.rsp_payload_outputs_0 = Signal(32)

    @property
    def ports(self) -> list[Signal]:
        return [self.cmd_valid, self.cmd_ready, self.cmd_payload_function_id, self.cmd_payload_inputs_0,
                self.cmd_payload_inputs_1, self.rsp_valid, self.rsp_ready, self.rsp_payload_outputs_0]
