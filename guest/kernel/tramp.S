/* The AP trampoline, copied by smp.c to TRAMP_PA (below 1 MiB, page aligned) and entered
 * by the STARTUP IPI in real mode at TRAMP_PA:0. It goes 16 -> 32 -> 64-bit on its own
 * small GDT and the boot page tables (boot.S), then jumps to ap_main(cpu) in the higher
 * half on the stack smp.c left in tramp_stack. Addresses inside the copy are computed
 * as TRAMP_PA + (label - tramp_start). */
#define KERNBASE   0xffffffff80000000
#define TRAMP_PA   0x8000
#define T(x)       (TRAMP_PA + (x) - tramp_start)

    .section .rodata
    .p2align 4
    .globl tramp_start, tramp_end, tramp_stack, tramp_cpu
    .code16
tramp_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl tramp_gdtdesc - tramp_start
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $T(tramp32)

    .code32
tramp32:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %cr4, %eax
    orl $0x20, %eax             /* PAE */
    movl %eax, %cr4
    movl $(boot_pml4 - KERNBASE), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx      /* EFER.LME */
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax       /* PG | WP | PE */
    movl %eax, %cr0
    ljmp $0x18, $T(tramp64)

    .code64
tramp64:
    movq tramp_stack(%rip), %rsp
    movq tramp_cpu(%rip), %rdi
    movabs $ap_main, %rax
    call *%rax
1:  hlt
    jmp 1b

    .p2align 3
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
    .quad 0x00af9a000000ffff    /* 0x18: 64-bit code */
tramp_gdtdesc:
    .word tramp_gdtdesc - tramp_gdt - 1
    .long T(tramp_gdt)
    .p2align 3
tramp_stack:
    .quad 0
tramp_cpu:
    .quad 0
tramp_end:
