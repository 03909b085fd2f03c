# Unit test of devices/doorbell.c tests/unit/fake_irq.c: counters, the echo callback, draining, the MMIO registers.
UNIT_TESTS += doorbell
UNIT_SRCS_doorbell := devices/doorbell.c tests/unit/fake_irq.c
