/* Guest RAM: the anonymous host mapping, its KVM memslot, and gpa_ptr, the one checked
 * GPA-to-host translation that every guest-supplied address must go through. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include "abi/machine.h"
#include "memory/guest_mem.h"

#define HUGE_2M (2ULL << 20)

/* Reserve `size` bytes of zeroed RAM. MAP_NORESERVE because a guest rarely touches all of
 * its RAM; MADV_HUGEPAGE because 4 KiB backing makes first touch ~50x slower on PVM. */
int guest_mem_alloc(struct guest_mem *m, uint64_t size)
{
    m->hva = NULL;
    m->size = 0;
    m->ro_gpa = m->ro_size = 0;
    if (size == 0 || size % HUGE_2M != 0 || size > MACHINE_RAM_MAX) {
        errno = EINVAL;
        return -1;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    /* Only a performance hint: a host with THP disabled still runs the guest. */
    (void)madvise(p, size, MADV_HUGEPAGE);
    m->hva = p;
    m->size = size;
    return 0;
}

static int set_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
                    void *hva)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)hva,
    };
    return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -1 : 0;
}

/* Slot 0 covers all of RAM (or what lies below the read-only window, which is slot 1, and
 * slot 2 what lies above it); the MMIO hole above MACHINE_RAM_MAX stays unmapped so that
 * device accesses exit to the VMM. */
int guest_mem_map(const struct guest_mem *m, int vm_fd)
{
    if (m->hva == NULL || m->size == 0 || m->ro_gpa % 4096 || m->ro_size % 4096 ||
        m->ro_gpa > m->size || m->ro_size > m->size - m->ro_gpa) {
        errno = EINVAL;
        return -1;
    }
    if (m->ro_size == 0)
        return set_slot(vm_fd, 0, 0, 0, m->size, m->hva);
    uint64_t end = m->ro_gpa + m->ro_size;
    if ((m->ro_gpa > 0 && set_slot(vm_fd, 0, 0, 0, m->ro_gpa, m->hva) < 0) ||
        set_slot(vm_fd, 1, KVM_MEM_READONLY, m->ro_gpa, m->ro_size, m->hva + m->ro_gpa) < 0 ||
        (end < m->size && set_slot(vm_fd, 2, 0, end, m->size - end, m->hva + end) < 0))
        return -1;
    return 0;
}

/* Safe to call twice and on a failed allocation. */
void guest_mem_free(struct guest_mem *m)
{
    if (m->hva != NULL)
        munmap(m->hva, m->size);
    m->hva = NULL;
    m->size = 0;
}

/* Written as two comparisons against m->size so that no gpa + len sum can wrap. */
void *gpa_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
    if (m == NULL || m->hva == NULL)
        return NULL;
    if (gpa > m->size || len > m->size - gpa)
        return NULL;
    return m->hva + gpa;
}

int gpa_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
    const void *p = gpa_ptr(m, gpa, len);
    if (p == NULL)
        return -1;
    memcpy(dst, p, len);
    return 0;
}

int gpa_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
    void *p = gpa_ptr(m, gpa, len);
    if (p == NULL)
        return -1;
    memcpy(p, src, len);
    return 0;
}

/* The multiplier for a unit suffix ("", "K", "MiB", "GB", ...), or 0 if it is not one. */
static uint64_t unit_multiplier(const char *s)
{
    uint64_t mul;
    switch (*s) {
    case '\0': return 1;
    case 'k': case 'K': mul = 1ULL << 10; break;
    case 'm': case 'M': mul = 1ULL << 20; break;
    case 'g': case 'G': mul = 1ULL << 30; break;
    default: return 0;
    }
    s++;
    if (strcmp(s, "") == 0 || strcmp(s, "B") == 0 || strcmp(s, "iB") == 0)
        return mul;
    return 0;
}

/* Decimal digits only (no sign, no blanks, no hex), then an optional binary unit.
 * Zero is rejected: no size in minivmm's options can be empty. */
int parse_size(const char *s, uint64_t *out)
{
    uint64_t n = 0;
    const char *p = s;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (n > (UINT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    uint64_t mul = unit_multiplier(p);
    if (mul == 0 || n == 0 || n > UINT64_MAX / mul)
        return -1;
    *out = n * mul;
    return 0;
}
