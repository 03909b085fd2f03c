# Unit test of devices/bus.c: region registration, dispatch, counters, unclaimed accesses.
UNIT_TESTS += bus
UNIT_SRCS_bus := devices/bus.c
