/* The machine minivmm presents to its guest: memory map, I/O ports, IRQs, control port.
 * Included by the VMM and by the guest kernel; the device tree describes the same facts
 * at run time, and the kernel reads them from there (these constants are the VMM's
 * choices and the defaults the kernel falls back to). */
#ifndef ABI_MACHINE_H
#define ABI_MACHINE_H

/* Guest-physical memory map (low memory is written by the VMM before the first vCPU runs). */
#define MACHINE_PVH_INFO_GPA   0x6000ULL     /* struct hvm_start_info, then module list, memmap */
#define MACHINE_CMDLINE_GPA    0x7000ULL     /* NUL-terminated kernel command line (4 KiB max) */
#define MACHINE_KERNEL_MIN_GPA 0x100000ULL   /* no kernel segment may load below 1 MiB */
#define MACHINE_RAM_MAX        0xc0000000ULL /* RAM ends below the 3 GiB MMIO hole */
#define MACHINE_MMIO_BASE      0xc0000000ULL /* 3 GiB..4 GiB: devices */

/* Interrupt controllers (KVM's in-kernel irqchip). */
#define MACHINE_IOAPIC_GPA     0xfec00000ULL
#define MACHINE_LAPIC_GPA      0xfee00000ULL

/* 16550A UART (COM1). */
#define MACHINE_UART_PORT      0x3f8
#define MACHINE_UART_IRQ       4
#define MACHINE_UART_CLOCK     1843200

/* 8254 PIT, emulated in the VMM; port 0x61 carries channel 2's gate and output. */
#define MACHINE_PIT_PORT       0x40
#define MACHINE_PIT_IRQ        0
#define MACHINE_PIT_HZ         1193182
#define MACHINE_PORT_B         0x61

/* virtio-mmio slots: the same layout as QEMU's microvm (acpi=off). */
#define MACHINE_VIRTIO_GPA     0xfeb00000ULL
#define MACHINE_VIRTIO_STRIDE  0x200ULL
#define MACHINE_VIRTIO_IRQ     5              /* slot i uses IRQ 5 + i */
#define MACHINE_VIRTIO_SLOTS   8

/* Control port: port I/O, never vmcall (it hangs the vCPU on PVM hosts).
 * All registers are 32 bits wide. */
#define CTL_PORT               0x700
#define CTL_PORT_LEN           32
#define CTL_ID                 0x0  /* read: CTL_MAGIC */
#define CTL_POWEROFF           0x0  /* write: power off, the value (0-255) is vmm's exit status */
#define CTL_PANIC              0x4  /* write: GPA of a NUL-terminated panic message */
#define CTL_MARK               0x8  /* write: benchmark marker id (records time and counters) */
#define CTL_DOORBELL           0xc  /* write: ring the benchmark doorbell (KVM_IOEVENTFD, no exit) */
#define CTL_MARK_NAME          0x10 /* write: GPA of a struct ctl_mark_name: names a mark id */
#define CTL_CR3                0x14 /* write (--mmu shadow): the GPA of the PML4 to load */
#define CTL_MAGIC              0x4d564d4dU /* "MMVM" little-endian */
#define CTL_PANIC_MSG_MAX      1024

/* Marks (CTL_MARK): the benchmark programs start a phase with an id and end it with
 * id | MARK_END; a name given to the start id (CTL_MARK_NAME) names both in --stats. */
#define MARK_END               0x80u
#define CTL_MARK_NAME_MAX      32   /* bytes of a mark's name, NUL included */
#ifndef __ASSEMBLER__
struct ctl_mark_name {
    unsigned int id;
    char name[CTL_MARK_NAME_MAX];   /* NUL-terminated; printable ASCII kept, the rest '?' */
};
#endif

/* --mmu shadow (docs/paging.md): the page-table pool, a window at the top of RAM that the
 * guest takes every page-table page from (/chosen/minivmm,pt-pool), and the VMM's shadow
 * tables, in a memslot above 4 GiB that the guest's device tree never names. */
#define MACHINE_PT_POOL_MAX    (16ULL << 20)   /* at most 16 MiB, at most RAM/8 */
#define MACHINE_SHADOW_GPA     0x100000000ULL
#define MACHINE_SHADOW_PAGES   4096

/* The benchmark doorbell (docs/machine.md): 32-bit writes to RING and ECHO, and to the
 * control port's CTL_DOORBELL, are caught in KVM by ioeventfds (no exit to the VMM) and
 * counted by the VMM's event loop; each ECHO makes that thread raise MACHINE_DOORBELL_IRQ
 * through KVM_IRQFD. Reads (which do exit) return the magic and the counts so far. */
#define MACHINE_DOORBELL_GPA   0xfeb10000ULL
#define MACHINE_DOORBELL_LEN   0x1000
#define MACHINE_DOORBELL_IRQ   13             /* edge; ISA 13 is free (virtio uses 5-12) */
#define DOORBELL_RING          0x00 /* write: ring (any value) */
#define DOORBELL_ECHO          0x04 /* write: ring and get MACHINE_DOORBELL_IRQ back */
#define DOORBELL_ID            0x08 /* read: DOORBELL_MAGIC */
#define DOORBELL_COUNT_RING    0x0c /* read: RING writes counted so far (low 32 bits) */
#define DOORBELL_COUNT_PORT    0x10 /* read: CTL_DOORBELL writes counted so far */
#define DOORBELL_COUNT_ECHO    0x14 /* read: ECHO writes counted (= interrupts raised) */
#define DOORBELL_MAGIC         0x4c4c4244U /* "DBLL" little-endian */

/* The exit statuses of build/vmm when the guest did not power off by itself. */
#define VMM_EXIT_ERROR         1    /* bad input or a host/KVM failure (one line on stderr) */
#define VMM_EXIT_USAGE         2    /* bad command line */
#define VMM_EXIT_PANIC         121  /* the guest kernel panicked (message on stderr) */
#define VMM_EXIT_CRASH         122  /* triple fault, internal error, failed entry */
#define VMM_EXIT_POWERCUT      123  /* crash injection: the disk lost power (docs/virtio-blk.md) */
#define VMM_EXIT_SANDBOX       124  /* a thread made a system call its sandbox forbids (docs/security.md) */
#define VMM_EXIT_KILLED        137  /* the debugger killed the guest (GDB 'k'; 128 + SIGKILL) */


#endif
