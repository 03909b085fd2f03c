/* Program entry: the kernel leaves argc at (%rsp) and argv right above it (the Linux
 * x86-64 layout, rsp 16-byte aligned); main's return value becomes the exit status. */
    .text
    .globl _start
_start:
    xorl %ebp, %ebp                 /* the outermost frame, for debuggers */
    movl (%rsp), %edi
    leaq 8(%rsp), %rsi
    call main
    movl %eax, %edi
    call exit
    ud2
