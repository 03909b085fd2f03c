# Unit test of devices/virtqueue.c: chains, indirect tables, broken rings, used ring and
# event-index notification suppression, over a buffer read through memory/guest_mem.c.
UNIT_TESTS += virtqueue
UNIT_SRCS_virtqueue := devices/virtqueue.c memory/guest_mem.c
