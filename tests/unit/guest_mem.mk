# Unit test of memory/guest_mem.c: allocation, the checked accessor, parse_size.
UNIT_TESTS += guest_mem
UNIT_SRCS_guest_mem := memory/guest_mem.c
