/* The benchmark guest's way in: the PVH note, the 32-bit entry and the switch to long mode
 * (for the boot vCPU and, through a real-mode trampoline, for the second one), the static
 * identity page tables, the GDT, and the interrupt entry points.
 *
 * Every guest-kernel instruction is emulated on a PVM host (~0.5 µs each), so the page
 * tables are assembled data rather than built by a loop, and the interrupt handlers the
 * benchmarks wait for are a few instructions of assembly instead of a trip through C. */
#include "bench/guest/layout.h"

#define CR0_PE     0x00000001
#define CR0_PG     0x80000000
#define CR4_PAE    0x00000020
#define MSR_EFER   0xc0000080
#define EFER_LME   0x00000100

/* Xen's XEN_ELFNOTE_PHYS32_ENTRY (type 18): the 32-bit physical entry point. */
    .section .note.pvh, "a"
    .p2align 2
    .long 4, 4, 18
    .asciz "Xen"
    .long pvh_start32

    .section .text.boot, "ax"
    .code32
/* Turn on PAE paging and long mode with the static tables, then far-jump to \target. */
.macro ENTER_LONG_MODE target
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    lgdt gdt_desc
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmp $SEG_CODE64, $\target
.endm

/* PVH entry: protected mode, paging off, interrupts off, %ebx = start_info. */
    .globl pvh_start32
pvh_start32:
    cli
    movl %ebx, %esi
    ENTER_LONG_MODE start64

/* The second vCPU arrives here from the trampoline, in protected mode. */
ap_start32:
    movl $SEG_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    ENTER_LONG_MODE ap_start64

    .code64
start64:
    movl $SEG_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movabs $bsp_stack_top, %rsp
    movl %esi, %edi
    call bench_main
1:  hlt
    jmp 1b

ap_start64:
    movabs $ap_stack_top, %rsp
    call ap_main
1:  hlt
    jmp 1b

/* Real-mode trampoline, copied to AP_TRAMPOLINE_PA; the SIPI starts it with CS = that
 * address >> 4, IP = 0. Only position-independent 16-bit code and CS-relative data. */
    .code16
    .globl ap_trampoline, ap_trampoline_end
ap_trampoline:
    cli
    lgdtl %cs:(tramp_gdt_desc - ap_trampoline)
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $SEG_CODE32, $ap_start32
    .p2align 2
tramp_gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
ap_trampoline_end:

    .code64
/* ---- interrupt entry ----
 * Fast handlers for the vectors the benchmarks wait on: set a flag, acknowledge, iretq. */
    .globl irq_lapic_timer, irq_pic_timer, irq_ipi_ap, irq_ipi_bsp, irq_doorbell, exc_page_fault
    .globl exc_invalid_opcode, user_call
irq_lapic_timer:
    movl $1, timer_fired(%rip)
    pushq %rax
    movl $LAPIC_PA, %eax
    movl $0, LAPIC_EOI(%rax)
    popq %rax
    iretq

irq_pic_timer:
    movl $1, timer_fired(%rip)
    pushq %rax
    movb $0x20, %al             /* non-specific EOI to the master 8259 */
    outb %al, $0x20
    popq %rax
    iretq

/* On the second vCPU: answer with IPI_REPLY_VECTOR to APIC ID 0. */
irq_ipi_ap:
    pushq %rax
    movl $LAPIC_PA, %eax
    movl $0, LAPIC_ICR_HI(%rax)
    movl $IPI_REPLY_VECTOR, LAPIC_ICR_LO(%rax)
    movl $0, LAPIC_EOI(%rax)
    popq %rax
    iretq

irq_ipi_bsp:
    movl $1, ipi_replied(%rip)
    pushq %rax
    movl $LAPIC_PA, %eax
    movl $0, LAPIC_EOI(%rax)
    popq %rax
    iretq

irq_doorbell:
    movl $1, echo_fired(%rip)
    pushq %rax
    movl $LAPIC_PA, %eax
    movl $0, LAPIC_EOI(%rax)
    popq %rax
    iretq

/* A fault on PF_PROBE_VA (never mapped) resumes at the address the faulting code left in
 * %rdx; any other #PF is fatal and goes the slow way. */
exc_page_fault:
    pushq %rax
    movq %cr2, %rax
    cmpq pf_probe_va(%rip), %rax
    jne 1f
    popq %rax
    addq $8, %rsp               /* the error code */
    movq %rdx, (%rsp)           /* new rip */
    iretq
1:  popq %rax
    pushq $14
    jmp trap_common

/* ---- user mode ----
 * user_call(fn, n) runs fn(n) at CPL3 (IOPL 3, so port I/O needs no TSS bitmap; interrupts
 * off) on the user stack and returns what fn returned. There is no system call: fn returns
 * into `ud2`, whose #UD brings the CPU back to CPL0 on the TSS's RSP0 stack, and the #UD
 * handler resumes the kernel where user_call left it. This works on every host, including
 * PVM where `syscall` and `int n` from user mode do not. */
user_call:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, user_saved_rsp(%rip)
    pushq $(SEG_UDATA | 3)
    movabs $user_stack_top, %rax
    pushq %rax
    pushq $0x3002               /* IOPL 3, IF 0 */
    pushq $(SEG_UCODE64 | 3)
    leaq user_entry(%rip), %rax
    pushq %rax
    movq %rdi, %rax
    movq %rsi, %rdi
    iretq
user_entry:
    call *%rax
user_return:
    ud2

/* #UD: from user_return at CPL3 it ends user_call with %rax as its result; anything else
 * is fatal. */
exc_invalid_opcode:
    testb $3, 8(%rsp)           /* the CPL of the interrupted code (its CS) */
    jz 1f
    leaq user_return(%rip), %r11
    cmpq %r11, (%rsp)
    jne 1f
    movq user_saved_rsp(%rip), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret
1:  pushq $0
    pushq $6
    jmp trap_common

/* Every other vector: push a dummy error code where the CPU pushes none, the vector, and
 * the caller-saved registers, then call trap(struct trap_frame *). */
    .globl trap_stubs
    .p2align 4
trap_stubs:
    .set vec, 0
    .rept 256
    .p2align 4
    .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    movq %rsp, %rdi
    call trap
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    addq $16, %rsp              /* vector and error code */
    iretq

/* ---- GDT: flat 32-bit code, data, 64-bit code; user data and code; the TSS, filled in by
 * tss_init (in .data: ltr writes its busy bit) ---- */
    .section .data
    .p2align 3
    .globl gdt
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* SEG_CODE32 */
    .quad 0x00cf92000000ffff    /* SEG_DATA */
    .quad 0x00af9a000000ffff    /* SEG_CODE64 */
    .quad 0x00cff2000000ffff    /* SEG_UDATA, DPL 3 */
    .quad 0x00affa000000ffff    /* SEG_UCODE64, DPL 3 */
    .quad 0, 0                  /* SEG_TSS: 16 bytes in long mode */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .quad gdt

/* ---- page tables: 0-4 GiB identity mapped with 2 MiB pages; 3-4 GiB (devices) uncached.
 * Nothing is mapped at or above 4 GiB, which is where the page-fault probe points. Every
 * page is user-accessible (U bit): the *.user rows run the same loops at CPL3. ---- */
    .section .data.pagetables, "aw"
    .p2align 12
pml4:
    .quad pdpt + 0x7
    .fill 511, 8, 0
pdpt:
    .quad pd + 0x7, pd + 0x1007, pd + 0x2007, pd + 0x3007
    .fill 508, 8, 0
pd:
    .set addr, 0
    .rept 1536
    .quad addr | 0x87           /* present, writable, user, 2 MiB */
    .set addr, addr + 0x200000
    .endr
    .rept 512
    .quad addr | 0x9f           /* present, writable, user, PWT|PCD, 2 MiB */
    .set addr, addr + 0x200000
    .endr

    .section .bss
    .p2align 12
    .space 16384
bsp_stack_top:
    .space 16384
ap_stack_top:
    .space 16384
    .globl trap_stack_top
trap_stack_top:                 /* TSS RSP0: traps from user mode */
    .space 16384
user_stack_top:
    .p2align 3
user_saved_rsp:
    .space 8
