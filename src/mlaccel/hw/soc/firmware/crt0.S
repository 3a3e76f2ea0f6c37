/* Entry trampoline: the host sets a0..a6 (arguments), a7 (function) and sp, starts here, and
   stops at the ebreak at _call_done (any other ebreak is a breakpoint, trapped by mtvec). */
    .section .text.start
    .global _call
    .global _call_done
_call:
    jalr ra, 0(a7)
_call_done:
    ebreak
