# Unit test of devices/control.c, over a fake guest RAM (tests/unit/fake_guest_mem.c).
UNIT_TESTS += control
UNIT_SRCS_control := devices/control.c tests/unit/fake_guest_mem.c
