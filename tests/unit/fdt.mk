# Unit test of vmm/fdt.c: the device tree, parsed back with libfdt.
UNIT_TESTS += fdt
UNIT_SRCS_fdt := vmm/fdt.c vmm/board.c vmm/elf.c memory/guest_mem.c
