# devices/: device models and the I/O bus.
DEVICES_SRCS := devices/bus.c devices/irq.c devices/uart.c devices/pit.c devices/control.c
# The benchmark doorbell (ioeventfd/irqfd rows of make bench; KVM side in vmm/doorbell_kvm.c).
DEVICES_SRCS += devices/doorbell.c
# virtio-mmio transport, split virtqueues, virtio-blk, the disk image with its io_uring
# thread and power-cut injection (issue 4).
DEVICES_SRCS += devices/virtqueue.c devices/virtio_mmio.c devices/virtio_blk.c \
                devices/blk_backend.c devices/blk_crash.c
LDLIBS += -luring
