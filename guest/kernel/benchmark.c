/* The mark system call: user benchmarks (/bin/osbench, /bin/blkbench) bracket each timed
 * row with ids written to minivmm's control port (CTL_MARK), so that `vmm --stats` can
 * give the emulated instructions and KVM counters of that window alone. mark(id, name)
 * names the id first (CTL_MARK_NAME with the physical address of a struct ctl_mark_name:
 * one per CPU in the kernel image, so it is physically contiguous and never shared). */
#include "abi/machine.h"
#include "abi/syscall.h"
#include "guest/kernel/param.h"
#include "guest/kernel/platform.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/x86.h"

/* 0 not looked up yet, 1 no control port (QEMU), else the port + 2. The tree is read once:
 * a lookup per call would cost hundreds of emulated instructions on PVM hosts. */
static volatile uint32_t mark_port;

static struct ctl_mark_name names[NCPU];

long sys_mark(struct trapframe *tf)
{
    uint32_t port = mark_port;
    if (port == 0) {
        struct fdt_dev d;
        port = fdt_find("minivmm,control", 0, &d) && d.io && d.addr < 0xfff0
                   ? (uint32_t)d.addr + 2 : 1;
        mark_port = port;
    }
    if (port == 1)
        return -ENODEV;
    if (tf->rsi) {
        char name[CTL_MARK_NAME_MAX];
        long n = copyinstr(&myproc()->as, name, tf->rsi, sizeof name);
        if (n < 0)
            return n;
        /* Interrupts off: no other process may take this CPU's slot before the VMM read it. */
        uint64_t flags = read_rflags();
        cli();
        struct ctl_mark_name *m = &names[mycpuid()];
        m->id = (uint32_t)tf->rdi;
        __builtin_memcpy(m->name, name, sizeof name);
        outl((uint16_t)(port - 2 + CTL_MARK_NAME), (uint32_t)KV2P(m));
        if (flags & (1u << 9))
            sti();
    }
    outl((uint16_t)(port - 2 + CTL_MARK), (uint32_t)tf->rdi);   /* any id: the VMM only records it */
    return 0;
}
