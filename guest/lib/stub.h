/* The system-call stub macro of the user C library: STUB(name, nr) defines the C function
 * `name`, which puts the call number in %eax and jumps to __syscall (syscall.S): the fourth
 * argument moves from %rcx to %r10, the call goes through the gate page (abi/syscall.h), and
 * a result in [-4095, -1] sets errno and returns -1. */
#ifndef ULIB_STUB_H
#define ULIB_STUB_H
#include "abi/syscall.h"

#define STUB(name, nr) \
    .globl name; .type name, @function; name: movl $nr, %eax; jmp __syscall

#endif
