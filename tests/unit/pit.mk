# Unit test of devices/pit.c: the 8254 on a fake clock, with IRQ 0 recorded by fake_irq.
UNIT_TESTS += pit
UNIT_SRCS_pit := devices/pit.c tests/unit/fake_irq.c
