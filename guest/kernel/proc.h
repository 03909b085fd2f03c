/* Processes: the process table entry, the per-CPU scheduler state and the functions the
 * process part's files (proc.c, sched.c, syscall.c, exec.c, vmuser.c, gate.c) share. */
#ifndef GUEST_KERNEL_PROC_H
#define GUEST_KERNEL_PROC_H
#include "guest/kernel/kernel.h"
#include "guest/kernel/elf.h"
#include "guest/kernel/param.h"
#include "guest/kernel/spinlock.h"
#include "guest/kernel/x86.h"

struct file;

/* Callee-saved registers of a kernel thread, at the bottom of its stack while switched out
 * (swtch.S pushes them in this order; rip is the return address of the swtch call). */
struct context {
    uint64_t r15, r14, r13, r12, rbx, rbp, rip;
};

/* A user address space: its page table and the ranges mapped in it (so that freeing and
 * copying visit only those, not 2^36 possible pages). The gate page is not a region.
 * Image segments are filled at exec; the heap, the stack and mmap regions get their pages
 * on the first touch (demand-zero), and [lo, hi) bounds the pages a region may hold. */
#define NREGION (ELF_MAXSEG + 2 + NMMAP)   /* image, heap, stack, mmaps */
enum rkind { R_IMAGE, R_HEAP, R_STACK, R_MMAP };
struct uregion {
    uint64_t start, end;        /* page-aligned, end exclusive */
    uint64_t lo, hi;            /* pages outside [lo, hi) are not present */
    uint64_t pte;               /* leaf flags: PTE_P|PTE_U, maybe PTE_W, PTE_NX */
    enum rkind kind;
};
struct uvm {
    uint64_t *pml4;             /* direct-map address; NULL if none */
    uint64_t pml4_pa;
    uint64_t brk;               /* end of the heap (the heap region ends at PG_UP(brk)) */
    int nregion;
    struct uregion region[NREGION];
};
#define PTE_COW (1ULL << 9)     /* software bit: shared read-only until a write copies it */

/* kalloc.c (platform file; frame reference counts for copy-on-write) */
void kref(void *page);          /* one more reference to a kalloc'd page */
int kref_count(void *page);
void *kalloc_dirty(void);       /* like kalloc, without zeroing: the caller fills it all */
void kfree_zero(void *page);    /* kfree of a page the caller left all zero (a page table) */

/* Copies n bytes eight per emulated rep step (unaligned is fine), the tail bytewise. */
static inline void copy_fast(void *d, const void *s, uint64_t n)
{
    uint64_t q = n >> 3, r = n & 7;
    __asm__ volatile("rep movsq; mov %3, %%rcx; rep movsb"
                     : "+D"(d), "+S"(s), "+c"(q) : "r"(r) : "memory");
}

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
    enum procstate state;       /* guarded by ptable_lock */
    int pid;
    struct proc *parent;        /* guarded by ptable_lock */
    void *chan;                 /* sleeping on this, if SLEEPING */
    int killed;                 /* dies with 128 + killed at the next return to user */
    int pgid;                   /* process group (Ctrl-C goes to the foreground group) */
    int kthread;                /* a kernel thread: no user space, cannot be killed */
    void (*kfn)(void);          /* a kernel thread's body */
    struct file *ofile[NOFILE]; /* open files by fd; only the process itself touches them */
    int xstatus;                /* exit status for wait() */
    struct uvm as;              /* user address space */
    char *kstack;               /* bottom of the kernel stack page */
    struct trapframe *tf;       /* user registers, at the top of kstack */
    struct context *ctx;        /* saved kernel registers while switched out */
    struct proc *next;          /* run-queue link (sched.c) */
    struct proc *snext, *sprev; /* sleep-queue links while SLEEPING (proc.c) */
    int slice;                  /* ticks left in the time slice (sched.c) */
    char name[PROC_NAME_LEN];
};

/* The per-CPU state of the process part, at cpu->sched. */
struct cpusched {
    struct context *scheduler;  /* the idle/scheduler thread of this CPU */
};

extern struct spinlock ptable_lock;

/* proc.c */
/* The running process, in one %gs-relative load (it is on every system call's path). */
static inline struct proc *myproc(void)
{
    struct proc *p;
    __asm__ volatile("movq %%gs:%c1, %0" : "=r"(p) : "i"(offsetof(struct cpu, proc)));
    return p;
}
static inline int mycpuid(void) { return mycpu()->id; }
void scheduler(void) __attribute__((noreturn));
void yield(void);
/* Sleep and wakeup, xv6-style: a sleeper holds the lock that guards its condition, and
 * the waker takes the same lock before changing the condition and calling wakeup, so no
 * wakeup is lost. A sleep returns at once for a killed process (callers loop and check
 * p->killed), so every blocked process dies promptly. */
void sleep(void *chan);                        /* with ptable_lock held */
void sleep_on(void *chan, struct spinlock *lk);   /* lk held; released while asleep */
void wakeup_locked(void *chan);                /* with ptable_lock held */
void wakeup(void *chan);                       /* without ptable_lock */
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(uint64_t status_uva);
long proc_waitpid(int pid, uint64_t status_uva, int options);
long proc_sleep_ms(uint64_t ms);
int proc_kill(int pid, int sig);               /* pid < 0: every process of group -pid */
long proc_setpgid(int pid, int pgid);
long proc_getpgid(int pid);
struct proc *kthread_start(const char *name, void (*fn)(void));
void proc_fault(struct trapframe *tf);         /* user_fault_hook */
void proc_tick(struct trapframe *tf);          /* tick_hook */

/* sched.c: the scheduling policy; every call with ptable_lock held. */
void sched_init(void);
void sched_enqueue(struct proc *p);            /* p became RUNNABLE */
struct proc *sched_pick(int cpu);              /* next to run (dequeued), or NULL */
int sched_tick(struct proc *p);                /* charge a tick to p; non-zero: preempt */

/* swtch.S */
void swtch(struct context **save, struct context *load);

/* gate.c */
/* On the boot CPU: "trap" selects the ud2 gate, anything else `syscall`; returns the
 * name of the gate in use. */
const char *gate_init(const char *mode);
void gate_init_cpu(void);                     /* per-CPU MSRs */
uint64_t gate_page_pa(void);

/* syscall.c */
void syscall_dispatch(struct trapframe *tf);

/* vmuser.c: per-process page tables. "va" and "uva" are user virtual addresses; the
 * functions that return int give 0 or a negative errno. */
extern uint64_t pte_nx;                        /* PTE_NX if EFER.NXE is on, else 0 */
int uvm_init(struct uvm *as);                  /* empty space with the kernel half and gate */
/* An image region [va, va+len) with fresh pages holding src[0, n) at va (n <= len), every
 * other byte zero; each page is written once (not zeroed, then copied over). */
int uvm_map_copy(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte, const void *src,
                 uint64_t n);
/* A demand-zero region: no pages until touched. */
int uvm_add_lazy(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte, enum rkind kind);
void uvm_free(struct uvm *as);                 /* not while as is loaded in CR3 */
/* Copy-on-write: dst (fresh from uvm_init) shares src's pages, writable ones read-only
 * with PTE_COW in both; the caller flushes src's TLB if src is loaded. */
int uvm_copy(struct uvm *dst, struct uvm *src);
/* Resolves a fault at va (demand-zero page, copy-on-write break); 0 or -EFAULT. */
int uvm_fault(struct uvm *as, uint64_t va, int write);
/* Kernel pointer for va if mapped user-accessible (and writable if write), faulting the
 * page in like the user's own access would; else NULL. Valid up to the end of va's page. */
void *uvm_translate(struct uvm *as, uint64_t va, int write);
int copyout(struct uvm *as, uint64_t uva, const void *src, uint64_t n);
int copyin(struct uvm *as, void *dst, uint64_t uva, uint64_t n);
/* Copies a NUL-terminated string of at most max bytes (NUL included); returns its length,
 * -EFAULT, or -ENAMETOOLONG if no NUL within max. */
int copyinstr(struct uvm *as, char *dst, uint64_t uva, uint64_t max);
/* The heap and anonymous mappings (vmmap.c); results as the system calls'. */
long uvm_sbrk(struct uvm *as, long incr);
long uvm_mmap(struct uvm *as, uint64_t addr, uint64_t len, int prot, int flags);
long uvm_munmap(struct uvm *as, uint64_t addr, uint64_t len);
/* Frees the pages of [start, end) (page-aligned) inside region r; flushes them from the
 * TLB if as is loaded. */
void uvm_unmap_pages(struct uvm *as, struct uregion *r, uint64_t start, uint64_t end);
void vm_pf_init(void);                         /* the #PF handler, SMEP/SMAP on this CPU */
void vm_cpu_init(void);

/* exec.c: load path from the initrd into p with the given arguments (kernel strings);
 * exec is the system call (user path and argv). Both return 0 or a negative errno. */
int exec_load(struct proc *p, const char *path, char *const argv[], int argc);
long exec(uint64_t path_uva, uint64_t argv_uva);

#endif
