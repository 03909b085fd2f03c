/* The benchmark guest: sets up the boot vCPU (serial, TSC frequency, IDT, LAPIC, PIC), then
 * times each operation of ops.c, doubling the iteration count until a run lasts a
 * quarter of the target and scaling it to the target, and prints one line per repeat:
 *     bench <name> cycles=<TSC cycles for all iterations> iters=<n> rep=<r> ns_per_op=<ns>
 * (ns_per_op from the TSC frequency, for a person reading one run; scripts divide cycles).
 * Under minivmm each timed run is bracketed by control-port marks ((op+1) << 8 | rep at the
 * start, with 0x80 added at the end) so `vmm --stats` can attribute exits to it.
 * Command line: quick (0.1 s runs), ms=N (run length), reps=N, iters=N (fixed count, no
 * calibration), only=NAME (one operation, or a prefix ending in '.'), poweroff (power off
 * at once: the boot-time floor of a VMM), idle (after the last row, print
 * "bench-guest: idle" and halt for good instead of powering off).
 * Rows with a device counter also print `bench-count <name> events=<n> iters=<n> rep=<r>`. */
#include "abi/machine.h"
#include "abi/pvh.h"
#include "bench/guest/hw.h"

#define COM1          MACHINE_UART_PORT
#define MAX_REPS      127
#define PIT_CALIB_TICKS 47727         /* 40 ms of the 1.193182 MHz PIT */

uint64_t tsc_khz;
static const char *tsc_source = "none";
static bool on_minivmm;
static uint32_t opt_ms = 1000, opt_reps = 1;
static uint64_t opt_iters;
static const char *opt_only;
static bool opt_poweroff, opt_idle;
static size_t opt_only_len;

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __attribute__((packed));
static struct idt_gate idt[256];

struct trap_frame {
    uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

extern const char trap_stubs[];
extern void irq_lapic_timer(void), irq_pic_timer(void), irq_ipi_ap(void), irq_ipi_bsp(void),
    irq_doorbell(void), exc_page_fault(void), exc_invalid_opcode(void);
extern uint64_t gdt[];
extern uint8_t trap_stack_top[];

/* The 64-bit TSS: RSP0 is the stack for traps from user mode, and an I/O permission
 * bitmap of zeros lets user mode use every port. user_call also sets IOPL 3, which is
 * enough on hardware; PVM hosts raise #GP for user port I/O unless the bitmap allows it. */
static struct {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1, ist[7], reserved2;
    uint16_t reserved3, iomap_base;
    uint8_t iomap[65536 / 8];
    uint8_t iomap_end;                       /* all ones, as the architecture asks */
} __attribute__((packed)) tss;

/* ---- console and power ---- */

static void putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))        /* LSR: transmit holding register empty */
        ;
    outb(COM1, c);
}

void putstr(const char *s)
{
    while (*s)
        putc(*s++);
}

void putu64(uint64_t v)
{
    char buf[21];
    int i = sizeof buf - 1;
    buf[i] = 0;
    do
        buf[--i] = '0' + v % 10;
    while (v /= 10);
    putstr(buf + i);
}

static void puthex(uint64_t v)
{
    putstr("0x");
    for (int s = 60; s >= 0; s -= 4)
        putc("0123456789abcdef"[(v >> s) & 0xf]);
}

/* minivmm's control port, else QEMU's isa-debug-exit (which exits with 2 * status + 1). */
static void __attribute__((noreturn)) poweroff(uint32_t status)
{
    if (on_minivmm)
        outl(CTL_PORT + CTL_POWEROFF, status);
    else
        outl(PORT_QEMU_EXIT, status);
    for (;;)
        asm volatile("cli; hlt");
}

void mark(uint32_t id)
{
    if (on_minivmm)
        outl(CTL_PORT + CTL_MARK, id);
}

/* ---- interrupts ---- */

static void set_gate(int vec, uint64_t handler)
{
    idt[vec] = (struct idt_gate){
        .off_lo = handler, .sel = 0x18, .type = 0x8e,
        .off_mid = handler >> 16, .off_hi = handler >> 32,
    };
}

static void idt_build(void)
{
    for (int v = 0; v < 256; v++)
        set_gate(v, (uint64_t)trap_stubs + 16 * v);
    set_gate(6, (uint64_t)exc_invalid_opcode);
    set_gate(14, (uint64_t)exc_page_fault);
    set_gate(DOORBELL_VECTOR, (uint64_t)irq_doorbell);
    set_gate(PIC_VECTOR_BASE, (uint64_t)irq_pic_timer);
    set_gate(LAPIC_TIMER_VECTOR, (uint64_t)irq_lapic_timer);
    set_gate(IPI_VECTOR, (uint64_t)irq_ipi_ap);
    set_gate(IPI_REPLY_VECTOR, (uint64_t)irq_ipi_bsp);
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d = {
        sizeof idt - 1, (uint64_t)idt,
    };
    asm volatile("lidt %0" :: "m"(d));
}

/* Fill in the TSS descriptor (SEG_TSS) and load it: a 16-byte system descriptor, type 9. */
static void tss_init(void)
{
    uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
    tss.rsp[0] = (uint64_t)trap_stack_top;
    tss.iomap_base = offsetof(typeof(tss), iomap);
    tss.iomap_end = 0xff;
    gdt[SEG_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ULL << 40 |
                       ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[SEG_TSS / 8 + 1] = base >> 32;
    asm volatile("ltr %w0" :: "r"(SEG_TSS));
}

/* Everything the fast handlers of entry.S do not take. Exceptions are fatal. */
void trap(struct trap_frame *f)
{
    if (f->vector == SPURIOUS_VECTOR || f->vector == PIC_VECTOR_BASE + 7)
        return;
    if (f->vector >= 32) {
        lapic_write(LAPIC_EOI, 0);
        return;
    }
    uint64_t cr2;
    asm volatile("mov %%cr2, %0" : "=r"(cr2));
    putstr("bench-guest: exception ");
    putu64(f->vector);
    putstr(" error ");
    puthex(f->error);
    putstr(" rip ");
    puthex(f->rip);
    putstr(" cr2 ");
    puthex(cr2);
    putstr("\n");
    poweroff(3);
}

/* Software-enable the LAPIC with every LVT masked; the boot vCPU also takes the PIC's
 * interrupts through LINT0 (ExtINT). */
void lapic_enable(bool bsp)
{
    lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);
    lapic_write(LAPIC_LVT_LINT0, bsp ? 0x700 : 1u << 16);
    lapic_write(LAPIC_LVT_LINT1, 1u << 16);
}

/* Both 8259s remapped to PIC_VECTOR_BASE, every line masked. */
static void pic_init(void)
{
    outb(PORT_PIC1_CMD, 0x11);
    outb(PORT_PIC2_CMD, 0x11);
    outb(PORT_PIC1_DATA, PIC_VECTOR_BASE);
    outb(PORT_PIC2_DATA, PIC_VECTOR_BASE + 8);
    outb(PORT_PIC1_DATA, 4);
    outb(PORT_PIC2_DATA, 2);
    outb(PORT_PIC1_DATA, 1);
    outb(PORT_PIC2_DATA, 1);
    outb(PORT_PIC1_DATA, 0xff);
    outb(PORT_PIC2_DATA, 0xff);
}

/* ---- TSC frequency: CPUID 0x15 or the hypervisor's 0x40000010 leaf, else the PIT ---- */

static uint16_t pit0_read(void)
{
    outb(0x43, 0x00);                       /* latch channel 0 */
    uint8_t lo = inb(0x40);
    return lo | inb(0x40) << 8;
}

/* Count channel 0 down (mode 0, from 0xffff) for 40 ms against the TSC. */
static uint64_t tsc_khz_from_pit(void)
{
    outb(0x43, 0x30);
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    uint16_t start = pit0_read();
    uint64_t t0 = rdtsc(), t1 = t0;
    uint16_t elapsed = 0;
    for (int i = 0; i < 200000 && elapsed < PIT_CALIB_TICKS; i++) {
        elapsed = start - pit0_read();
        t1 = rdtsc();
    }
    outb(0x43, 0x30);                       /* stop: mode 0 waits for a count */
    if (elapsed < PIT_CALIB_TICKS / 2)
        return 0;
    return (t1 - t0) * MACHINE_PIT_HZ / ((uint64_t)elapsed * 1000);
}

static void tsc_calibrate(void)
{
    uint32_t r[4];
    cpuid(0, r);
    if (r[0] >= 0x15) {
        cpuid(0x15, r);
        if (r[0] && r[1] && r[2]) {
            tsc_khz = (uint64_t)r[2] * r[1] / r[0] / 1000;
            tsc_source = "cpuid15";
            return;
        }
    }
    cpuid(1, r);
    if (r[2] & (1u << 31)) {                /* a hypervisor is present */
        cpuid(0x40000000, r);
        if (r[0] >= 0x40000010) {
            cpuid(0x40000010, r);
            if (r[0]) {
                tsc_khz = r[0];
                tsc_source = "cpuid40000010";
                return;
            }
        }
    }
    tsc_khz = tsc_khz_from_pit();
    tsc_source = "pit";
    if (!tsc_khz) {
        tsc_khz = 2000000;                  /* only sizes the loops; the report says so */
        tsc_source = "guess";
    }
}

/* ---- command line ---- */

/* Does the word w[0..len) match key? A key ending in '=' matches as a prefix and *val
 * points past it; any other key must match the whole word. */
static bool word_is(const char *w, size_t len, const char *key, const char **val)
{
    size_t k = 0;
    for (; key[k]; k++)
        if (k >= len || w[k] != key[k])
            return false;
    *val = w + k;
    return k == len || key[k - 1] == '=';
}

static uint64_t number(const char *s, const char *end)
{
    uint64_t v = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return v;
}

static void parse_cmdline(const char *s)
{
    while (s && *s) {
        while (*s == ' ')
            s++;
        const char *w = s, *v;
        while (*s && *s != ' ')
            s++;
        size_t len = s - w;
        if (word_is(w, len, "quick", &v))
            opt_ms = 100;
        else if (word_is(w, len, "ms=", &v))
            opt_ms = number(v, s);
        else if (word_is(w, len, "reps=", &v))
            opt_reps = number(v, s);
        else if (word_is(w, len, "iters=", &v))
            opt_iters = number(v, s);
        else if (word_is(w, len, "poweroff", &v))
            opt_poweroff = true;
        else if (word_is(w, len, "idle", &v))
            opt_idle = true;
        else if (word_is(w, len, "only=", &v)) {
            opt_only = v;
            opt_only_len = s - v;
        }
    }
    if (opt_ms == 0)
        opt_ms = 1;
    if (opt_reps == 0 || opt_reps > MAX_REPS)
        opt_reps = opt_reps ? MAX_REPS : 1;
}

/* only=exit.pio selects that row; only=exit. selects every row starting with it. */
static bool selected(const char *name)
{
    if (!opt_only)
        return true;
    size_t i = 0;
    while (i < opt_only_len && name[i] == opt_only[i])
        i++;
    return i == opt_only_len && (name[i] == 0 || opt_only[i - 1] == '.');
}

/* ---- the runner ---- */

static uint64_t op_run(const struct op *op, uint64_t n)
{
    return op->user ? user_call(op->run, n) : op->run(n);
}

/* Double n until a run takes a quarter of the target, then scale it to the target. */
static uint64_t calibrate(const struct op *op, uint64_t target)
{
    uint64_t n = 1, c;
    for (;;) {
        c = op_run(op, n);
        if (c >= target / 4 || n >= 1ULL << 32)
            break;
        n *= 2;
    }
    if (c > 0 && c < target)
        n = n * target / c;
    return n ? n : 1;
}

static void run_op(size_t i)
{
    const struct op *op = &ops[i];
    const char *why = op->unavailable ? op->unavailable() : NULL;
    if (why) {
        putstr("bench-skip ");
        putstr(op->name);
        putstr(": ");
        putstr(why);
        putstr("\n");
        return;
    }
    uint64_t n = opt_iters ? opt_iters : calibrate(op, tsc_khz * opt_ms);
    for (uint32_t rep = 0; rep < opt_reps; rep++) {
        uint32_t before = op->counter ? op->counter() : 0;
        mark((i + 1) << 8 | rep);
        uint64_t c = op_run(op, n);
        mark((i + 1) << 8 | 0x80 | rep);
        putstr("bench ");
        putstr(op->name);
        putstr(" cycles=");
        putu64(c);
        putstr(" iters=");
        putu64(n);
        putstr(" rep=");
        putu64(rep);
        putstr(" ns_per_op=");
        putu64(n && tsc_khz ? c * 1000000 / tsc_khz / n : 0);
        putstr("\n");
        if (op->counter) {
            putstr("bench-count ");
            putstr(op->name);
            putstr(" events=");
            putu64((uint32_t)(op->counter() - before));
            putstr(" iters=");
            putu64(n);
            putstr(" rep=");
            putu64(rep);
            putstr("\n");
        }
    }
}

void bench_main(uint32_t start_info_pa)
{
    const struct hvm_start_info *si = (const void *)(uintptr_t)start_info_pa;
    const char *cmdline = NULL;
    if (si->magic == PVH_START_MAGIC && si->cmdline_paddr)
        cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
    on_minivmm = inl(CTL_PORT + CTL_ID) == CTL_MAGIC;
    parse_cmdline(cmdline);
    if (opt_poweroff)
        poweroff(0);

    idt_build();
    idt_load();
    tss_init();
    lapic_enable(true);
    pic_init();
    tsc_calibrate();

    putstr("bench-guest: tsc_khz=");
    putu64(tsc_khz);
    putstr(" tsc_source=");
    putstr(tsc_source);
    putstr(on_minivmm ? " vmm=minivmm" : " vmm=other");
    putstr(" ms=");
    putu64(opt_ms);
    putstr(" reps=");
    putu64(opt_reps);
    putstr("\n");
    for (size_t i = 0; i < nops; i++)
        if (selected(ops[i].name))
            run_op(i);
    putstr("bench-guest: done\n");
    if (opt_idle) {
        /* A known quiet point (bench/run.py reads the VMM's memory here): no exits, no
         * interrupts, until the VMM is killed. */
        putstr("bench-guest: idle\n");
        for (;;)
            asm volatile("cli; hlt");
    }
    poweroff(0);
}
