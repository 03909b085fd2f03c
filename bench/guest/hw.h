/* The benchmark guest's view of the hardware: port and MMIO access, TSC, CPUID, MSRs and
 * control registers as inline functions, and the prototypes shared by its C files. */
#ifndef BENCH_GUEST_HW_H
#define BENCH_GUEST_HW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bench/guest/layout.h"

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
    asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_PA + reg) = v;
}
static inline uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_PA + reg);
}
static inline void pause(void) { asm volatile("pause" ::: "memory"); }

/* Flags the fast interrupt handlers in entry.S set. */
extern volatile uint32_t timer_fired, ipi_replied, ap_ready, echo_fired;
extern uint64_t pf_probe_va;

/* main.c */
extern uint64_t tsc_khz;
void putstr(const char *s);
void putu64(uint64_t v);
void mark(uint32_t id);
void idt_load(void);
void lapic_enable(bool bsp);

static inline void mmio_write32(uint64_t pa, uint32_t v) { *(volatile uint32_t *)(uintptr_t)pa = v; }
static inline uint32_t mmio_read32(uint64_t pa) { return *(volatile uint32_t *)(uintptr_t)pa; }

/* entry.S: run fn(n) at CPL3 and return its result (see user_call there). */
uint64_t user_call(uint64_t (*fn)(uint64_t), uint64_t n);

/* smp.c: start the second vCPU; true once it runs ap_main with interrupts on. */
bool ap_start(void);

/* ops.c: the table of benchmarked operations. */
struct op {
    const char *name;
    /* NULL, or why the operation cannot run here (the row is skipped). */
    const char *(*unavailable)(void);
    /* Run the operation n times; the TSC cycles that took. */
    uint64_t (*run)(uint64_t n);
    /* Run it at CPL3 (user_call): the *.user rows. */
    bool user;
    /* NULL, or a device counter of the events one operation should cause: read before
     * the start mark and after the end mark, printed as a `bench-count` line. */
    uint32_t (*counter)(void);
};
extern const struct op ops[];
extern const size_t nops;

/* doorbell.c: the rows of minivmm's benchmark doorbell (ioeventfd, irqfd). */
const char *doorbell_missing(void);
uint64_t run_doorbell_port(uint64_t n), run_doorbell_mmio(uint64_t n);
uint64_t run_irqfd_echo(uint64_t n);
uint32_t doorbell_port_count(void), doorbell_ring_count(void), doorbell_echo_count(void);

#endif
