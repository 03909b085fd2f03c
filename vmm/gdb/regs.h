/* The x86-64 register file as the GDB stub presents it: the register numbers, sizes and
 * the target description (org.gnu.gdb.i386.core, .segments and our own system feature
 * with the control registers), mapped onto KVM's regs, sregs and FPU state. */
#ifndef VMM_GDB_REGS_H
#define VMM_GDB_REGS_H
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A vCPU's registers as read with KVM_GET_REGS/SREGS/FPU; writes mark what changed. */
struct gdb_cpu_state {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    bool dirty_regs, dirty_sregs, dirty_fpu;
};

enum {
    GDB_REG_RSP = 7,
    GDB_REG_RIP = 16,
    GDB_REG_EFLAGS = 17,
    GDB_REG_CS = 18,
    GDB_REG_CR0 = 42,
    GDB_NUM_REGS = 48,
};

/* Bytes in register regno, or -1 if there is no such register. */
int gdb_reg_size(int regno);
/* Bytes of a 'g' reply's register block: every register, in number order. */
size_t gdb_regs_size(void);
const char *gdb_reg_name(int regno);

/* Copy register regno in target byte order to out (gdb_reg_size bytes). Size, or -1. */
int gdb_reg_read(const struct gdb_cpu_state *s, int regno, uint8_t *out);
/* Set register regno from in (gdb_reg_size bytes). Writing a value a register already
 * holds always succeeds; a change that cannot be made (a segment selector, whose
 * descriptor cache gdb cannot supply) fails with -1 and changes nothing. */
int gdb_reg_write(struct gdb_cpu_state *s, int regno, const uint8_t *in);

/* The target description XML (built once, NUL-terminated), and its length. */
const char *gdb_target_xml(size_t *len);

#endif
