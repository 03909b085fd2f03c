# The GDB stub's view of guest memory (translation, software breakpoints hidden from reads)
# and its monitor commands, over page tables built in a small guest RAM.
UNIT_TESTS += gdb_mem
UNIT_SRCS_gdb_mem := vmm/gdb/mem.c vmm/gdb/monitor.c vmm/gdb/text.c memory/pagewalk.c memory/guest_mem.c \
                     tests/unit/fake_mmu.c
