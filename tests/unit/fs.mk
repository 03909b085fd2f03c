# Unit test of the shared file-system core (guest/fs/fs.c, dir.c), each result checked by fsck.
UNIT_TESTS += fs
UNIT_SRCS_fs = $(FS_HOST_SRCS)
