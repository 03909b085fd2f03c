# Unit test of memory/shadow.c: guest tables and trapped writes in, shadow tables checked.
UNIT_TESTS += shadow
UNIT_SRCS_shadow := memory/shadow.c memory/pagewalk.c memory/guest_mem.c
