/* Host detection: which KVM backend runs this VM (VT-x, AMD-V or PVM), and the guest
 * system-call gate that works on it (docs/syscall-gate.md). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vmm/vm.h"

/* PVM ("Pagetable-based Virtual Machine") needs no VT-x/AMD-V; it is a module of its own.
 * Where several are loaded, PVM wins: it is the one /dev/kvm then serves. */
const char *host_kvm_backend(void)
{
    if (access("/sys/module/kvm_pvm", F_OK) == 0)
        return "pvm";
    if (access("/sys/module/kvm_intel", F_OK) == 0)
        return "vmx";
    if (access("/sys/module/kvm_amd", F_OK) == 0)
        return "svm";
    return "unknown";
}

/* The first byte of a module parameter file, or 0. */
static char param(const char *path)
{
    char c = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fread(&c, 1, 1, f) != 1)
            c = 0;
        fclose(f);
    }
    return c;
}

/* How guest-physical memory is translated: "ept" or "npt" (hardware nested paging), or
 * "shadow" (KVM's shadow MMU: ept=0/npt=0, or PVM, which has only shadow paging). */
const char *host_paging_mode(const char *backend)
{
    if (strcmp(backend, "vmx") == 0)
        return strchr("Y1", param("/sys/module/kvm_intel/parameters/ept")) ? "ept" : "shadow";
    if (strcmp(backend, "svm") == 0)
        return strchr("Y1", param("/sys/module/kvm_amd/parameters/npt")) ? "npt" : "shadow";
    return strcmp(backend, "pvm") == 0 ? "shadow" : "unknown";
}

/* On PVM, `syscall` from user mode reaches LSTAR but stays at CPL3 (docs/hosts.md), so the
 * guest enters its kernel through an exception instead. Everywhere else: `syscall`. */
const char *host_default_syscall_gate(const char *backend)
{
    return strcmp(backend, "pvm") == 0 ? "trap" : "syscall";
}
