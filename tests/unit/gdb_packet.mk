# The GDB stub's pure parts: packet framing, hex, argument parsing, the register table and
# target description, the debug-register slots.
UNIT_TESTS += gdb_packet
UNIT_SRCS_gdb_packet := vmm/gdb_packet.c vmm/gdb_regs.c vmm/gdb_hwbp.c
