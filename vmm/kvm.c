/* KVM setup: open /dev/kvm, check the API version and the capabilities minivmm needs,
 * create the VM with KVM's in-kernel irqchip (PIC + IOAPIC + LAPIC) and no in-kernel PIT. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "vmm/vm.h"

/* Addresses KVM on VT-x needs for real-mode emulation; both in the MMIO hole, below the
 * IOAPIC, never RAM. Other backends accept and ignore them. */
#define KVM_TSS_GPA          0xfffbd000ULL
#define KVM_IDENTITY_MAP_GPA 0xfffbc000ULL

static const struct { int cap; const char *name; } required_caps[] = {
    { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP (in-kernel PIC/IOAPIC/LAPIC)" },
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    { KVM_CAP_IRQ_INJECT_STATUS, "KVM_CAP_IRQ_INJECT_STATUS" },
};

void kvm_init(struct vm *vm)
{
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        if (errno == ENOENT)
            die("/dev/kvm does not exist: KVM is not available on this host (load kvm_intel or kvm_amd)");
        if (errno == EACCES || errno == EPERM)
            die("/dev/kvm: permission denied (add yourself to the 'kvm' group or run as root)");
        die("/dev/kvm: %s", strerror(errno));
    }
    int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (version < 0)
        die("/dev/kvm: not a KVM device (KVM_GET_API_VERSION: %s)", strerror(errno));
    if (version != KVM_API_VERSION)
        die("/dev/kvm: KVM API version %d, need %d", version, KVM_API_VERSION);
    for (size_t i = 0; i < sizeof required_caps / sizeof required_caps[0]; i++)
        if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
            die("KVM lacks a required capability: %s", required_caps[i].name);
    int max_cpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max_cpus > 0 && vm->ncpus > max_cpus)
        die("--cpus %d: this KVM supports at most %d vCPUs", vm->ncpus, max_cpus);

    vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->run_size < (int)sizeof(struct kvm_run))
        die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));

    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0)
        die("KVM_CREATE_VM: %s", strerror(errno));
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
        ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_GPA) < 0)
        die("KVM_SET_TSS_ADDR: %s", strerror(errno));
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
        uint64_t addr = KVM_IDENTITY_MAP_GPA;
        if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
            die("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
    }
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
        die("KVM_CREATE_IRQCHIP: %s", strerror(errno));
}
