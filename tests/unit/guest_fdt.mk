# Unit test of guest/kernel/fdt.c: the guest kernel's device-tree parser, built for the
# host, against trees made with libfdt and broken copies of them.
UNIT_TESTS += guest_fdt
UNIT_SRCS_guest_fdt := guest/kernel/fdt.c
