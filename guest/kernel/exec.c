/* exec: replace a process's image with an ELF executable from the initrd.
 *
 * The new address space is built completely beside the old one (segments copied from the
 * initrd, an empty heap above them, a demand-zero stack of up to USTACK_MAX with the
 * arguments in its top page) and swapped in only when nothing can fail any more, so a
 * failed exec returns an error to an intact caller. Open files stay open. The segments
 * are copied, not mapped: a cpio member's data is only 4-byte aligned, so file pages do
 * not line up with user pages; the copy moves eight bytes per emulated step. The stack is laid out as
 * on Linux x86-64, so crt0 is the usual one:
 *     rsp -> argc, argv[0..argc-1], NULL, envp NULL, auxv AT_NULL (0, 0)
 * with the strings above, and rsp 16-byte aligned. */
#include "abi/syscall.h"
#include "guest/kernel/elf.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/initrd.h"
#include "guest/kernel/proc.h"

#define STACK_WORDS(argc) ((argc) + 5)     /* argc, argv..., NULL, envp NULL, AT_NULL pair */

/* Maps and fills each segment of the checked image; returns 0 or a negative errno. */
static int load_segments(struct uvm *as, const char *file, const struct elf_image *im)
{
    for (int i = 0; i < im->nseg; i++) {
        const struct elf_seg *s = &im->seg[i];
        uint64_t pte = PTE_P | PTE_U;
        if (s->flags & ELF_PF_W) pte |= PTE_W;
        if (!(s->flags & ELF_PF_X)) pte |= pte_nx;
        int r = uvm_map_copy(as, s->vaddr, s->memsz, pte, file + s->offset, s->filesz);
        if (r < 0) return r;
        uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        if (end > as->brk) as->brk = end;
    }
    return 0;
}

/* Builds the initial stack; returns the user rsp, or 0 if it does not fit. */
static uint64_t push_args(struct uvm *as, char *const argv[], int argc)
{
    uint64_t words[EXEC_MAXARG + 5] = { 0 };
    uint64_t sp = USER_STACK_TOP;
    words[0] = argc;
    for (int i = argc - 1; i >= 0; i--) {
        uint64_t len = strlen(argv[i]) + 1;
        sp -= len;
        if (copyout(as, sp, argv[i], len) < 0) return 0;
        words[1 + i] = sp;
    }
    sp &= ~15ULL;
    if (STACK_WORDS(argc) & 1) sp -= 8;
    sp -= STACK_WORDS(argc) * 8;
    if (copyout(as, sp, words, STACK_WORDS(argc) * 8) < 0) return 0;
    return sp;
}

/* Keeps the last path component as the process name. */
static void set_name(struct proc *p, const char *path)
{
    const char *base = path;
    for (const char *s = path; *s; s++)
        if (*s == '/' && s[1]) base = s + 1;
    size_t i = 0;
    for (; i + 1 < sizeof p->name && base[i] && base[i] != '/'; i++) p->name[i] = base[i];
    p->name[i] = '\0';
}

static int exec_image(struct proc *p, const char *path, const void *file, uint64_t size,
                      char *const argv[], int argc);

int exec_load(struct proc *p, const char *path, char *const argv[], int argc)
{
    const void *file;
    uint64_t size;
    /* The root file system when one is mounted, else the initrd (absolute paths only). */
    bool from_fs = true;
    int r = fs_exec_image(path, &file, &size);
    if (r == -ENODEV) {
        from_fs = false;
        if (path[0] != '/') return -ENOENT;
        r = initrd_lookup(bootinfo.initrd, bootinfo.initrd_size, path, &file, &size);
        if (r == -EINVAL) r = -EIO;
    }
    if (r < 0) return r;
    r = exec_image(p, path, file, size, argv, argc);
    if (from_fs) fs_exec_done();
    return r;
}

/* Builds the new image from the ELF file in [file, file + size) and switches p to it. */
static int exec_image(struct proc *p, const char *path, const void *file, uint64_t size,
                      char *const argv[], int argc)
{
    struct elf_image im;
    struct uvm as;
    int r;
    if ((r = elf_check(file, size, USER_IMAGE_MIN, USER_IMAGE_MAX, &im)) < 0) return r;
    if ((r = uvm_init(&as)) < 0) return r;
    uint64_t sp = 0;
    if ((r = load_segments(&as, file, &im)) < 0 ||
        (r = uvm_add_lazy(&as, as.brk, 0, PTE_P | PTE_U | PTE_W | pte_nx, R_HEAP)) < 0 ||
        (r = uvm_add_lazy(&as, USER_STACK_TOP - USTACK_MAX, USTACK_MAX,
                          PTE_P | PTE_U | PTE_W | pte_nx, R_STACK)) < 0 ||
        (sp = push_args(&as, argv, argc)) == 0) {
        uvm_free(&as);
        return r < 0 ? r : -E2BIG;
    }
    /* Commit: nothing fails from here on. */
    struct uvm old = p->as;
    p->as = as;
    if (p == myproc()) write_cr3(as.pml4_pa);
    uvm_free(&old);
    struct trapframe *tf = p->tf;
    memset(tf, 0, sizeof *tf);
    tf->rip = im.entry;
    tf->rsp = sp;
    tf->cs = USER_CS;
    tf->ss = USER_DS;
    tf->rflags = RFLAGS_IF | 2;
    set_name(p, path);
    return 0;
}

/* Scratch page layout for exec's arguments copied in from user space. */
struct exec_args {
    char path[EXEC_PATHMAX];
    char strings[EXEC_ARGMAX];
    char *argv[EXEC_MAXARG + 1];
};
_Static_assert(sizeof(struct exec_args) <= PAGE_SIZE, "exec_args must fit a page");

/* Copies argv (a user array of user strings, NULL-terminated) into a; returns argc. */
static int fetch_args(struct uvm *as, struct exec_args *a, uint64_t argv_uva)
{
    uint64_t used = 0;
    for (int argc = 0;; argc++) {
        uint64_t uptr;
        if (copyin(as, &uptr, argv_uva + 8ULL * argc, 8) < 0) return -EFAULT;
        if (uptr == 0) return argc;
        if (argc == EXEC_MAXARG) return -E2BIG;
        int n = copyinstr(as, a->strings + used, uptr, EXEC_ARGMAX - used);
        if (n < 0) return n == -ENAMETOOLONG ? -E2BIG : n;
        a->argv[argc] = a->strings + used;
        used += n + 1;
    }
}

long exec(uint64_t path_uva, uint64_t argv_uva)
{
    struct proc *p = myproc();
    struct exec_args *a = kalloc();
    if (!a) return -ENOMEM;
    int r = copyinstr(&p->as, a->path, path_uva, sizeof a->path);
    if (r >= 0) r = fetch_args(&p->as, a, argv_uva);
    if (r >= 0) r = exec_load(p, a->path, a->argv, r);
    kfree(a);
    return r;
}
