# Unit test of guest/kernel/elf.c: exec's ELF64 checks against valid and hostile headers.
UNIT_TESTS += guest_elf
UNIT_SRCS_guest_elf := guest/kernel/elf.c
