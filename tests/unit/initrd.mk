# Unit test of guest/kernel/initrd.c: the cpio newc reader against valid and broken archives.
UNIT_TESTS += initrd
UNIT_SRCS_initrd := guest/kernel/initrd.c
