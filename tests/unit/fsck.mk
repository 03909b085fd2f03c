# Unit test of fsck's checks (guest/fs/tools/check*.c) on crafted, then corrupted, images.
UNIT_TESTS += fsck
UNIT_SRCS_fsck = $(FS_HOST_SRCS)
