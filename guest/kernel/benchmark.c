/* The mark system call: user benchmarks (/bin/osbench, /bin/blkbench) bracket each timed
 * row with ids written to minivmm's control port (CTL_MARK), so that `vmm --stats` can
 * give the emulated instructions and KVM counters of that window alone. */
#include "abi/machine.h"
#include "abi/syscall.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/x86.h"

/* 0 not looked up yet, 1 no control port (QEMU), else the port + 2. The tree is read once:
 * a lookup per call would cost hundreds of emulated instructions on PVM hosts. */
static volatile uint32_t mark_port;

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
    outl((uint16_t)(port - 2 + CTL_MARK), (uint32_t)tf->rdi);   /* any id: the VMM only records it */
    return 0;
}
