# Unit test of vmm/elf.c: the PVH kernel loader against valid and broken ELF images.
UNIT_TESTS += elf
UNIT_SRCS_elf := vmm/elf.c memory/guest_mem.c
