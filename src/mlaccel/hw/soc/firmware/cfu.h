/* The CFU port: custom-0 (opcode 0x0B), R-type; funct3 and funct7 select the operation. */
#ifndef MLACCEL_CFU_H
#define MLACCEL_CFU_H
#include <stdint.h>

#define cfu_op(funct3, funct7, a, b) ({                                               \
    int32_t cfu_result_;                                                              \
    __asm__ volatile(".insn r 0x0B, %1, %2, %0, %3, %4"                               \
                     : "=r"(cfu_result_)                                              \
                     : "i"(funct3), "i"(funct7), "r"((int32_t)(a)), "r"((int32_t)(b))); \
    cfu_result_;                                                                      \
})

#endif
