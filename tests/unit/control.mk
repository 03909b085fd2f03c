# Unit test of devices/control.c, over a small static "guest RAM" read through the real
# checked accessor (memory/guest_mem.c works on any hva/size pair).
UNIT_TESTS += control
UNIT_SRCS_control := devices/control.c memory/guest_mem.c
