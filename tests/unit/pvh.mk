# Unit test of vmm/pvh.c: module placement, start_info, memory map, command line.
UNIT_TESTS += pvh
UNIT_SRCS_pvh := vmm/pvh.c vmm/elf.c memory/guest_mem.c
