/* Trap dispatch: the IDT (one for all CPUs, every vector to vectors.S), the registry of
 * handlers, and the default policy: an exception in kernel mode prints every register
 * and CR2 and panics; one in user mode goes to user_fault_hook (the process part). */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

/* 16-byte gates, as two quadwords: idt[2v] holds offset 15:0, selector, IST, type and
 * offset 31:16; idt[2v + 1] offset 63:32. */
static uint64_t idt[512] __attribute__((aligned(16)));
#define GATE_IST1     (1ULL << 32)
#define GATE_DPL3     (0x60ULL << 40)
static trap_handler handlers[256];
void (*user_fault_hook)(struct trapframe *tf);
extern char vectors[];

static const char *const names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved", "x87 error", "alignment check", "machine check",
    "SIMD error", "virtualization", "control protection",
};

/* Interrupt gates (IF cleared on entry) to the 16-byte stubs; #DF, NMI and #MC use
 * IST1; #BP is reachable from user mode (int3). vectors.S aligns the 4 KiB of stubs to
 * 4 KiB, so only the low 16 address bits differ between gates: each gate is its
 * predecessor plus 16, two stores per vector. */
void idt_init(void)
{
    uint64_t a = (uint64_t)vectors;
    uint64_t lo = (a & 0xffff) | ((uint64_t)SEG_KCODE << 16) | (0x8eULL << 40) |
                  ((a >> 16 & 0xffff) << 48);
    for (int v = 0; v < 256; v++, lo += 16) {
        idt[2 * v] = lo;
        idt[2 * v + 1] = a >> 32;
    }
    idt[2 * 2] |= GATE_IST1;
    idt[2 * 8] |= GATE_IST1;
    idt[2 * 18] |= GATE_IST1;
    idt[2 * 3] |= GATE_DPL3;
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d =
        { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(d));
}

void trap_register(int vector, trap_handler h)
{
    if (vector < 0 || vector > 255)
        panic("trap_register: bad vector %d", vector);
    handlers[vector] = h;
}

static const char *trap_name(uint64_t v)
{
    if (v < 32)
        return names[v] ? names[v] : "reserved";
    return "interrupt";
}

void trap_panic(struct trapframe *tf)
{
    kprintf("trap %d (%s), error %lx, on cpu %d in %s mode\n"
            "  rip %016lx  cs %lx  rflags %lx  rsp %016lx  ss %lx  cr2 %016lx\n"
            "  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n"
            "  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n"
            "  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n"
            "  r13 %016lx  r14 %016lx  r15 %016lx  cr3 %016lx\n",
            (int)tf->vector, trap_name(tf->vector), tf->error, mycpu()->id,
            (tf->cs & 3) ? "user" : "kernel", tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss,
            read_cr2(), tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp,
            tf->r8, tf->r9, tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15,
            read_cr3());
    panic("%s at rip %lx (cr2 %lx, error %lx)", trap_name(tf->vector), tf->rip,
          read_cr2(), tf->error);
}

/* Called from alltraps with interrupts off. */
void trap(struct trapframe *tf)
{
    uint64_t v = tf->vector;
    if (v == 2 && panicking)
        halt_forever();             /* stopped by the panicking CPU */
    if (handlers[v]) {
        handlers[v](tf);
        return;
    }
    if (v < 32) {
        if ((tf->cs & 3) && user_fault_hook) {
            user_fault_hook(tf);
            return;
        }
        trap_panic(tf);
    }
    if (v == T_SPURIOUS)
        return;
    if (v != T_WAKE)
        kprintf("cpu %d: unexpected interrupt %d\n", mycpu()->id, (int)v);
    lapic_eoi();
}
