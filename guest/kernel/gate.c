/* The system-call gate: the shared user page at GATE_VA and the two ways into the kernel
 * through it, `syscall` (LSTAR, gate.S) or `ud2` caught by the #UD handler here, chosen at
 * boot (docs/syscall-gate.md). */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"

#define VEC_UD      6
#define SFMASK_BITS 0x47700ULL    /* AC NT IF DF TF: the kernel starts with them clear */

/* gate.S pushes these selectors as immediates. */
_Static_assert(USER_CS == 0x2b && USER_DS == 0x23, "gate.S: update the user selectors");
static uint64_t gate_pa;
static int gate_trap;       /* 1: the page holds ud2 and #UD at GATE_VA is a system call */

extern char syscall_entry[];

uint64_t gate_page_pa(void) { return gate_pa; }

/* #UD: a system call if it is the gate's ud2 in user mode, a fault otherwise. The rip moves
 * past the ud2 before the call runs, because exec replaces it. */
static void gate_ud(struct trapframe *tf)
{
    if ((tf->cs & 3) == 3 && tf->rip == GATE_VA && gate_trap) {
        tf->rip += GATE_INSN_LEN;
        syscall_dispatch(tf);
        return;
    }
    if (tf->cs & 3) proc_fault(tf);
    trap_panic(tf);
}

const char *gate_init(const char *mode)
{
    gate_trap = mode && strcmp(mode, "trap") == 0;
    unsigned char *page = kalloc();
    if (!page) panic("gate: out of memory");
    page[0] = 0x0f;
    page[1] = gate_trap ? 0x0b : 0x05;   /* ud2 : syscall */
    page[2] = 0xc3;                      /* ret */
    gate_pa = V2P(page);
    pte_nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
    trap_register(VEC_UD, gate_ud);
    gate_init_cpu();
    kprintf("syscall gate: %s\n", gate_trap ? "trap (ud2 at the gate page)" : "syscall");
    return gate_trap ? "trap" : "syscall";
}

/* This CPU's syscall MSRs. In trap mode EFER.SCE stays off, so a stray `syscall` is a #UD
 * away from the gate and kills its process instead of jumping to LSTAR at CPL3. */
void gate_init_cpu(void)
{
    vm_cpu_init();
    uint64_t efer = rdmsr(MSR_EFER);
    if (gate_trap) {
        wrmsr(MSR_EFER, efer & ~(uint64_t)EFER_SCE);
        return;
    }
    wrmsr(MSR_STAR, ((uint64_t)(SEG_STAR_USER | 3) << 48) | ((uint64_t)SEG_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, SFMASK_BITS);
    wrmsr(MSR_EFER, efer | EFER_SCE);
}
