/* The trap frame, the one layout of the registers an entry into the kernel saves on the
 * kernel stack, for both entry paths: vectors.S (interrupts, exceptions, the trap gate) and
 * gate.S (`syscall`). Included from C (struct trapframe, checked against the offsets below)
 * and from assembly (the offsets and the macros that save and restore the 15 registers).
 *
 * From the lowest address: the 15 general registers (TF_PUSH_REGS pushes them, rax last,
 * so rax is at 0), the vector and error code (pushed by the entry stub), then what the CPU
 * pushes on an interrupt in 64-bit mode (gate.S pushes the same five by hand). */
#ifndef GUEST_KERNEL_TRAPFRAME_H
#define GUEST_KERNEL_TRAPFRAME_H

#define TF_RAX     (0 * 8)
#define TF_RBX     (1 * 8)
#define TF_RCX     (2 * 8)
#define TF_RDX     (3 * 8)
#define TF_RSI     (4 * 8)
#define TF_RDI     (5 * 8)
#define TF_RBP     (6 * 8)
#define TF_R8      (7 * 8)
#define TF_R9      (8 * 8)
#define TF_R10     (9 * 8)
#define TF_R11     (10 * 8)
#define TF_R12     (11 * 8)
#define TF_R13     (12 * 8)
#define TF_R14     (13 * 8)
#define TF_R15     (14 * 8)
#define TF_VECTOR  (15 * 8)
#define TF_ERROR   (16 * 8)
#define TF_RIP     (17 * 8)
#define TF_CS      (18 * 8)
#define TF_RFLAGS  (19 * 8)
#define TF_RSP     (20 * 8)
#define TF_SS      (21 * 8)
#define TF_SIZE    (22 * 8)

/* The CPU's part seen from the vector slot: where %rsp points before TF_PUSH_REGS and
 * after TF_POP_REGS. */
#define TF_HW(off) ((off) - TF_VECTOR)

#ifdef __ASSEMBLER__

/* Entry-path CFI (TF_CFI) goes where the kernel keeps it: kernel.ld drops .eh_frame. */
    .cfi_sections .debug_frame

/* Saves the 15 general registers below the vector slot; %rsp is then the trapframe. */
.macro TF_PUSH_REGS
    pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %r11
    pushq %r10
    pushq %r9
    pushq %r8
    pushq %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rbx
    pushq %rax
.endm

/* Call-frame information for a debugger inside an entry path, once %rsp is the trapframe:
 * the frame "calling" the handler is the interrupted context, whose registers are in the
 * trapframe (rip, rsp and the 15 general registers). The CFA is the address just above the
 * frame; .cfi_signal_frame tells the unwinder that the saved rip is where the context
 * stood, not a return address after a call. Use after TF_PUSH_REGS inside a
 * .cfi_startproc/.cfi_endproc pair. */
.macro TF_CFI
    .cfi_signal_frame
    .cfi_def_cfa %rsp, TF_SIZE
    .cfi_offset %rip, TF_RIP - TF_SIZE
    .cfi_offset %rsp, TF_RSP - TF_SIZE
    .cfi_offset %rax, TF_RAX - TF_SIZE
    .cfi_offset %rbx, TF_RBX - TF_SIZE
    .cfi_offset %rcx, TF_RCX - TF_SIZE
    .cfi_offset %rdx, TF_RDX - TF_SIZE
    .cfi_offset %rsi, TF_RSI - TF_SIZE
    .cfi_offset %rdi, TF_RDI - TF_SIZE
    .cfi_offset %rbp, TF_RBP - TF_SIZE
    .cfi_offset %r8, TF_R8 - TF_SIZE
    .cfi_offset %r9, TF_R9 - TF_SIZE
    .cfi_offset %r10, TF_R10 - TF_SIZE
    .cfi_offset %r11, TF_R11 - TF_SIZE
    .cfi_offset %r12, TF_R12 - TF_SIZE
    .cfi_offset %r13, TF_R13 - TF_SIZE
    .cfi_offset %r14, TF_R14 - TF_SIZE
    .cfi_offset %r15, TF_R15 - TF_SIZE
.endm

/* Restores them from the trapframe at %rsp; %rsp is then the vector slot. With cfi=1
 * (inside TF_CFI's region) the CFA follows each pop. */
.macro TF_POP_ONE reg, cfi
    popq \reg
    .if \cfi
    .cfi_adjust_cfa_offset -8
    .endif
.endm
.macro TF_POP_REGS cfi=0
    TF_POP_ONE %rax, \cfi
    TF_POP_ONE %rbx, \cfi
    TF_POP_ONE %rcx, \cfi
    TF_POP_ONE %rdx, \cfi
    TF_POP_ONE %rsi, \cfi
    TF_POP_ONE %rdi, \cfi
    TF_POP_ONE %rbp, \cfi
    TF_POP_ONE %r8, \cfi
    TF_POP_ONE %r9, \cfi
    TF_POP_ONE %r10, \cfi
    TF_POP_ONE %r11, \cfi
    TF_POP_ONE %r12, \cfi
    TF_POP_ONE %r13, \cfi
    TF_POP_ONE %r14, \cfi
    TF_POP_ONE %r15, \cfi
.endm

#else

#include <stddef.h>
#include <stdint.h>

struct trapframe {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU (rsp/ss always, 64-bit) */
};

/* The assembly above and the C struct describe the same frame. */
#define TF_CHECK(field, off) \
    _Static_assert(offsetof(struct trapframe, field) == (off), "trapframe." #field)
TF_CHECK(rax, TF_RAX);
TF_CHECK(rbx, TF_RBX);
TF_CHECK(rcx, TF_RCX);
TF_CHECK(rdx, TF_RDX);
TF_CHECK(rsi, TF_RSI);
TF_CHECK(rdi, TF_RDI);
TF_CHECK(rbp, TF_RBP);
TF_CHECK(r8, TF_R8);
TF_CHECK(r9, TF_R9);
TF_CHECK(r10, TF_R10);
TF_CHECK(r11, TF_R11);
TF_CHECK(r12, TF_R12);
TF_CHECK(r13, TF_R13);
TF_CHECK(r14, TF_R14);
TF_CHECK(r15, TF_R15);
TF_CHECK(vector, TF_VECTOR);
TF_CHECK(error, TF_ERROR);
TF_CHECK(rip, TF_RIP);
TF_CHECK(cs, TF_CS);
TF_CHECK(rflags, TF_RFLAGS);
TF_CHECK(rsp, TF_RSP);
TF_CHECK(ss, TF_SS);
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe size");
#undef TF_CHECK

#endif
#endif
