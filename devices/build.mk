# devices/: device models and the I/O bus.
DEVICES_SRCS := devices/bus.c devices/irq.c devices/uart.c devices/pit.c devices/control.c
