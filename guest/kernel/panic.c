/* The end of the machine: panic (message on the console and to the VMM through the
 * control port, other CPUs stopped by NMI) and poweroff with a status. Under QEMU the
 * tree has a qemu,isa-debug-exit device instead of the control port; the same calls
 * end QEMU with (value << 1) | 1. */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

enum exit_kind { EXIT_UNKNOWN, EXIT_CONTROL, EXIT_DEBUG_EXIT };
static enum exit_kind exit_kind;
static uint16_t exit_port;
volatile uint32_t panicking;
static char panic_msg[CTL_PANIC_MSG_MAX];

/* Picks the power-off device from the tree. Until then (or with neither device in the
 * tree) both are tried: our VMM's control port, then QEMU's debug-exit at 0x501. */
void exit_port_init(void)
{
    struct fdt_dev d;
    if (fdt_find("minivmm,control", 0, &d) && d.io)
        exit_kind = EXIT_CONTROL, exit_port = d.addr;
    else if (fdt_find("qemu,isa-debug-exit", 0, &d) && d.io)
        exit_kind = EXIT_DEBUG_EXIT, exit_port = d.addr;
}

__attribute__((noreturn)) void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Reports to whichever exit device exists: ctl_off/ctl_val for the control port,
 * qemu_val for debug-exit. */
static void machine_exit(uint16_t ctl_off, uint32_t ctl_val, uint32_t qemu_val)
{
    if (exit_kind != EXIT_DEBUG_EXIT)
        outl((exit_kind == EXIT_CONTROL ? exit_port : CTL_PORT) + ctl_off, ctl_val);
    if (exit_kind != EXIT_CONTROL)
        outl(exit_kind == EXIT_DEBUG_EXIT ? exit_port : 0x501, qemu_val);
}

void poweroff(int status)
{
    cli();
    machine_exit(CTL_POWEROFF, status & 0xff, status & 0xff);
    halt_forever();
}

/* The first CPU to panic reports; any other one (or a nested panic) just stops. */
void panic(const char *fmt, ...)
{
    cli();
    if (xchg32(&panicking, 1))
        halt_forever();
    if (lapic)
        lapic_nmi_others();
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
    va_end(ap);
    kprintf("panic: %s\n", panic_msg);
    machine_exit(CTL_PANIC, (uint32_t)KV2P(panic_msg), VMM_EXIT_PANIC);
    halt_forever();
}
