// A Verilated CFU behind a C interface, for the SoC simulator's CFU port (loaded with ctypes).
// cfu_call drives one command through the CFU Playground handshake and returns the cycles from
// the command handshake to the response.
#include <cstdint>
#include "VCfu.h"
#include "verilated.h"

static VerilatedContext *ctx = nullptr;
static VCfu *top = nullptr;

static void tick() {
    top->clk = 1;
    top->eval();
    top->clk = 0;
    top->eval();
}

extern "C" {
void cfu_reset() {
    if (!top) {
        ctx = new VerilatedContext;
        top = new VCfu{ctx};
    }
    top->cmd_valid = 0;
    top->rsp_ready = 0;
    top->reset = 1;
    tick();
    tick();
    top->reset = 0;
    top->eval();
}

int cfu_call(uint32_t function_id, uint32_t in0, uint32_t in1, uint32_t *out) {
    top->cmd_payload_function_id = function_id;
    top->cmd_payload_inputs_0 = in0;
    top->cmd_payload_inputs_1 = in1;
    top->cmd_valid = 1;
    top->rsp_ready = 1;
    top->eval();
    int waited = 0;
    while (!top->cmd_ready) {
        tick();
        waited++;
    }
    tick();  // the handshake edge
    top->cmd_valid = 0;
    top->cmd_payload_inputs_0 = 0xDEADBEEF;  // operands are valid only in the handshake cycle
    top->eval();
    int latency = 1;
    while (!top->rsp_valid) {
        tick();
        latency++;
    }
    *out = top->rsp_payload_outputs_0;
    tick();  // the CPU takes the response
    return waited + latency;
}
}
