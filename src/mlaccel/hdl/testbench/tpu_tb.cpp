// Lab 3 grading flow for the exported TPU under Verilator: global buffers on the negative edge
// with registered read data, one-cycle in_valid, busy checks, cycles counted per case.
//
// Input file (argv[1]): per case, a line "M K N nA nB" and then nA A words and nB B words (hex,
// packed in the course's layouts). Output file (argv[2]): per case, "cycles nC" and nC C words,
// each as four hex 32-bit lanes, C[m][n] first.
#include <cstdint>
#include <cstdio>
#include <vector>
#include "VTPU.h"
#include "verilated.h"

static VTPU *top;
static std::vector<uint32_t> mem_a, mem_b;
static std::vector<uint32_t> mem_c;  // 4 lanes per word, lane 0 = bits 127:96

static void negedge() {
    top->clk = 0;
    top->eval();
    if (top->A_wr_en) mem_a.at(top->A_index) = top->A_data_in;
    if (top->B_wr_en) mem_b.at(top->B_index) = top->B_data_in;
    if (top->C_wr_en) {
        size_t i = top->C_index;
        if (mem_c.size() < 4 * (i + 1)) mem_c.resize(4 * (i + 1), 0);
        for (int lane = 0; lane < 4; ++lane) mem_c[4 * i + lane] = top->C_data_in[3 - lane];
    }
    top->A_data_out = top->A_index < mem_a.size() ? mem_a[top->A_index] : 0;
    top->B_data_out = top->B_index < mem_b.size() ? mem_b[top->B_index] : 0;
    size_t ci = top->C_index;
    for (int lane = 0; lane < 4; ++lane)
        top->C_data_out[3 - lane] = 4 * ci + lane < mem_c.size() ? mem_c[4 * ci + lane] : 0;
    top->eval();
}

static void posedge() {
    top->clk = 1;
    top->eval();
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s cases.txt results.txt\n", argv[0]); return 2; }
    VerilatedContext ctx;
    top = new VTPU{&ctx};
    FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "w");
    if (!in || !out) { fprintf(stderr, "cannot open files\n"); return 2; }
    top->clk = 0; top->rst_n = 0; top->in_valid = 0; top->eval();
    top->rst_n = 1; top->eval();
    unsigned m, k, n, na, nb;
    int failures = 0;
    while (fscanf(in, "%u %u %u %u %u", &m, &k, &n, &na, &nb) == 5) {
        mem_a.assign(na, 0); mem_b.assign(nb, 0); mem_c.clear();
        for (unsigned i = 0; i < na; ++i) fscanf(in, "%x", &mem_a[i]);
        for (unsigned i = 0; i < nb; ++i) fscanf(in, "%x", &mem_b[i]);
        posedge(); negedge();  // an idle cycle
        top->in_valid = 1; top->K = k; top->M = m; top->N = n;
        posedge();  // this edge samples in_valid
        top->in_valid = 0;
        negedge();
        if (!top->busy) { fprintf(stderr, "busy low at the negedge after in_valid fell\n"); failures++; }
        long cycles = 0;
        while (true) {
            posedge();
            cycles++;
            if (!top->busy) break;
            if (cycles > 1500000) { fprintf(stderr, "case %ux%ux%u: over 1,500,000 cycles\n", m, k, n); failures++; break; }
            negedge();
        }
        negedge();
        unsigned nc = ((n + 3) / 4) * m;
        fprintf(out, "%ld %u\n", cycles, nc);
        for (unsigned i = 0; i < nc; ++i)
            fprintf(out, "%08x %08x %08x %08x\n", 4 * i + 3 < mem_c.size() ? mem_c[4 * i] : 0,
                    4 * i + 3 < mem_c.size() ? mem_c[4 * i + 1] : 0, 4 * i + 3 < mem_c.size() ? mem_c[4 * i + 2] : 0,
                    4 * i + 3 < mem_c.size() ? mem_c[4 * i + 3] : 0);
    }
    fclose(in); fclose(out);
    top->final();
    delete top;
    return failures ? 1 : 0;
}
