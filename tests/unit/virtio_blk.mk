# Unit test of the virtio-mmio transport and virtio-blk (with its image backend, inline and
# through the io_uring thread, and power-cut injection), driven by a fake driver.
UNIT_TESTS += virtio_blk
UNIT_SRCS_virtio_blk := devices/virtio_mmio.c devices/virtqueue.c devices/virtio_blk.c \
                        devices/blk_backend.c devices/blk_crash.c memory/guest_mem.c devices/irq.c \
                        tests/unit/virtio_driver.c
