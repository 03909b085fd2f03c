# The GDB stub's pure parts: packet framing, hex, argument parsing, the register table and
# target description, the debug-register slots.
UNIT_TESTS += gdb_packet
UNIT_SRCS_gdb_packet := vmm/gdb/packet.c vmm/gdb/regs.c vmm/gdb/text.c vmm/gdb/hwbp.c
