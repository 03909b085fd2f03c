/* The PVH entry: from 32-bit protected mode with paging off to the 64-bit higher-half
 * kernel. The boot page tables are static data (no loop at boot): they map the first
 * GiB twice, identically (for the instructions around the switch) and at KERNBASE.
 * docs/boot.md walks through it. */
/* Must match guest/kernel/kernel.h (which is C only). */
#define KERNBASE   0xffffffff80000000
#define SEG_KCODE  0x08
#define SEG_KDATA  0x10

#define PA(x)      ((x) - KERNBASE)
#define CR0_PE     0x00000001
#define CR0_WP     0x00010000
#define CR0_PG     0x80000000
#define CR4_PAE    0x00000020
#define EFER       0xc0000080
#define EFER_LME   0x00000100
#define BOOT_STACK 16384

/* The PVH entry note: Xen's XEN_ELFNOTE_PHYS32_ENTRY with the 32-bit physical entry. */
    .section .note.pvh, "a"
    .p2align 2
    .long 4                     /* namesz: "Xen\0" */
    .long 4                     /* descsz */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long PA(pvh_start32)

    .section .text.boot, "ax"
    .code32
/* Entry state (PVH): protected mode, paging off, flat CS/DS/ES/SS, interrupts off,
 * %ebx = physical address of struct hvm_start_info. Kept in %esi until kmain. */
    .globl pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, %esi
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $PA(boot_pml4), %eax
    movl %eax, %cr3
    movl $EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_PE), %eax
    movl %eax, %cr0
    /* Now in compatibility mode: load a GDT with a 64-bit code segment and jump to it. */
    lgdt PA(boot_gdtdesc)
    ljmp $SEG_KCODE, $PA(start64_low)

    .code64
start64_low:
    movabs $start64, %rax
    jmp *%rax

    .text
start64:
    movl $SEG_KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    lgdt boot_gdtdesc           /* the same table, now through its higher-half address */
    movabs $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl %esi, %edi             /* kmain(start_info physical address) */
    call kmain
1:  cli
    hlt
    jmp 1b

/* The GDT used until gdt.c loads the per-CPU one (the AP trampoline has its own). */
    .section .rodata
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* SEG_KCODE: 64-bit code, DPL 0 */
    .quad 0x00cf92000000ffff    /* SEG_KDATA */
boot_gdt_end:
    .p2align 3
boot_gdtdesc:
    .word boot_gdt_end - boot_gdt - 1
    .quad PA(boot_gdt)          /* lgdt in 32-bit mode reads the low 4 bytes */

/* Boot page tables: PML4[0] and PML4[511] lead to one page directory of 2 MiB pages
 * for physical 0..1 GiB, at virtual 0 and at KERNBASE (PDPT index 510). The APs use
 * them too, from the trampoline, until they load kernel_pml4_pa. */
    .section .data.pagetables, "aw"
    .p2align 12
    .globl boot_pml4
boot_pml4:
    .quad PA(boot_pdpt_low) + 3
    .fill 510, 8, 0
    .quad PA(boot_pdpt_high) + 3
boot_pdpt_low:
    .quad PA(boot_pd) + 3
    .fill 511, 8, 0
boot_pdpt_high:
    .fill 510, 8, 0
    .quad PA(boot_pd) + 3
    .quad 0
boot_pd:
    .set i, 0
    .rept 512
    .quad (i << 21) | 0x83      /* present, writable, 2 MiB */
    .set i, i + 1
    .endr

    .bss
    .p2align 12
boot_stack:
    .skip BOOT_STACK
    .globl boot_stack_top
boot_stack_top:
