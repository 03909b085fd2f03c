/* floor: the cheapest possible userspace VM exit, measured -- a real-mode guest loops on
 * `out %al,$0x80`, and every iteration is one KVM_RUN returning KVM_EXIT_IO to us.
 *
 * Nothing of minivmm is used on purpose: this is the floor every VMM exit cost is compared
 * against (KVM_RUN entry, the guest's two instructions, the exit, the return to userspace).
 * Usage: floor [-n ITER]; prints `floor: N exits, X ns/exit`. Exit status 0 on success,
 * 1 with a one-line reason on any error or any exit that is not the expected port write. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_MEM  0x1000      /* one page at GPA 0 holds the code */
#define FLOOR_PORT 0x80        /* the POST port: conventionally a harmless write */

/* out %al,$0x80; jmp back to the out (rel8 -4 from the end of the jmp). */
static const uint8_t guest_code[] = { 0xe6, FLOOR_PORT, 0xeb, 0xfc };

struct vm {
    int kvm, vm, vcpu;
    struct kvm_run *run;
};

static void die(const char *what)
{
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Create the VM, its memslot with the guest code, and one vCPU in real mode at CS:IP 0:0. */
static void vm_create(struct vm *v)
{
    v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (v->kvm < 0)
        die("open /dev/kvm");
    if (ioctl(v->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        fprintf(stderr, "floor: /dev/kvm: unexpected KVM API version\n");
        exit(1);
    }
    v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
    if (v->vm < 0)
        die("KVM_CREATE_VM");

    void *mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap guest memory");
    memcpy(mem, guest_code, sizeof(guest_code));
    struct kvm_userspace_memory_region slot = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
        .userspace_addr = (uintptr_t)mem,
    };
    if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        die("KVM_SET_USER_MEMORY_REGION");

    v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
    if (v->vcpu < 0)
        die("KVM_CREATE_VCPU");
    int run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        die("KVM_GET_VCPU_MMAP_SIZE");
    v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (v->run == MAP_FAILED)
        die("mmap kvm_run");

    /* The reset state runs at CS base 0xffff0000; move CS to 0 so IP 0 is our code. */
    struct kvm_sregs sregs;
    if (ioctl(v->vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(v->vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = 0, .rflags = 0x2 };
    if (ioctl(v->vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");
}

/* Run the vCPU to its next exit and insist it is the guest's one-byte write to FLOOR_PORT. */
static void run_one_exit(struct vm *v)
{
    if (ioctl(v->vcpu, KVM_RUN, 0) < 0)
        die("KVM_RUN");
    struct kvm_run *r = v->run;
    if (r->exit_reason == KVM_EXIT_IO && r->io.direction == KVM_EXIT_IO_OUT &&
        r->io.port == FLOOR_PORT && r->io.size == 1 && r->io.count == 1)
        return;
    if (r->exit_reason == KVM_EXIT_IO)
        fprintf(stderr, "floor: unexpected I/O exit: port 0x%x, size %u, count %u, %s\n",
                r->io.port, r->io.size, r->io.count,
                r->io.direction == KVM_EXIT_IO_OUT ? "out" : "in");
    else if (r->exit_reason == KVM_EXIT_INTERNAL_ERROR)
        fprintf(stderr, "floor: unexpected exit: KVM_EXIT_INTERNAL_ERROR, suberror %u\n",
                r->internal.suberror);
    else if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
        fprintf(stderr, "floor: unexpected exit: KVM_EXIT_FAIL_ENTRY, reason 0x%llx\n",
                (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
    else
        fprintf(stderr, "floor: unexpected exit: reason %u\n", r->exit_reason);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static long parse_iterations(int argc, char **argv)
{
    long n = 100000;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        char *end;
        switch (opt) {
        case 'n':
            errno = 0;
            n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1) {
                fprintf(stderr, "floor: -n: not a positive count: %s\n", optarg);
                exit(1);
            }
            break;
        default:
            fprintf(stderr, "usage: floor [-n ITER]\n");
            exit(1);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: floor [-n ITER]\n");
        exit(1);
    }
    return n;
}

int main(int argc, char **argv)
{
    long n = parse_iterations(argc, argv);
    struct vm v;
    vm_create(&v);

    /* The first exit pays for faulting in guest memory and vCPU setup: not timed. */
    run_one_exit(&v);
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        run_one_exit(&v);
    uint64_t t1 = now_ns();

    printf("floor: %ld exits, %.0f ns/exit\n", n, (double)(t1 - t0) / (double)n);
    return 0;
}
