/* Addresses, registers and vectors of the benchmark guest, shared by its assembly and C. */
#ifndef BENCH_GUEST_LAYOUT_H
#define BENCH_GUEST_LAYOUT_H

#define LAPIC_PA          0xfee00000
#define LAPIC_ID          0x020
#define LAPIC_TPR         0x080
#define LAPIC_EOI         0x0b0
#define LAPIC_SVR         0x0f0
#define LAPIC_ICR_LO      0x300
#define LAPIC_ICR_HI      0x310
#define LAPIC_LVT_TIMER   0x320
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_CUR   0x390
#define LAPIC_TIMER_DIV   0x3e0

/* Interrupt vectors: the PIC's IRQs start at PIC_VECTOR_BASE. */
#define PIC_VECTOR_BASE   0x20
#define LAPIC_TIMER_VECTOR 0x40
#define IPI_VECTOR        0x41    /* boot vCPU -> second vCPU */
#define IPI_REPLY_VECTOR  0x42    /* second vCPU -> boot vCPU */
#define DOORBELL_VECTOR   0x43    /* minivmm's doorbell echo, IOAPIC pin MACHINE_DOORBELL_IRQ */
#define SPURIOUS_VECTOR   0xff

/* GDT selectors (entry.S): kernel 32/64-bit code and data, user data and 64-bit code
 * (DPL 3), the TSS whose RSP0 is the stack for traps from user mode. */
#define SEG_CODE32        0x08
#define SEG_DATA          0x10
#define SEG_CODE64        0x18
#define SEG_UDATA         0x20
#define SEG_UCODE64       0x28
#define SEG_TSS           0x30

#define IOAPIC_PA         0xfec00000

/* Where the second vCPU's real-mode trampoline is copied: below 1 MiB, page aligned, and
 * above the VMM's PVH start_info (0x6000) and command line (0x7000-0x7fff). */
#define AP_TRAMPOLINE_PA  0x8000

/* A virtual address that is never mapped (the page tables stop at 4 GiB). */
#define PF_PROBE_ADDR     0x100000000

/* An MMIO address no device claims, under minivmm and QEMU's microvm alike: 3.25 GiB. */
#define MMIO_PROBE_PA     0xd0000000

/* I/O ports. */
#define PORT_UNCLAIMED    0x80    /* POST port: unclaimed in both VMMs, as in bench/floor.c */
#define PORT_PIC1_CMD     0x20
#define PORT_PIC1_DATA    0x21
#define PORT_PIC2_CMD     0xa0
#define PORT_PIC2_DATA    0xa1
#define PORT_QEMU_EXIT    0xf4    /* QEMU's isa-debug-exit, added by bench/run.py */

#endif
