# Unit test of devices/blk_crash.c: crash-after, torn and volatile on a temporary image.
UNIT_TESTS += blk_crash
UNIT_SRCS_blk_crash := devices/blk_crash.c
