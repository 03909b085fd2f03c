# Unit test of memory/pagewalk.c: 4-level walks over page tables built in a fake guest RAM.
UNIT_TESTS += pagewalk
UNIT_SRCS_pagewalk := memory/pagewalk.c memory/guest_mem.c
