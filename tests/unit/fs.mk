# Unit test of the shared file-system core (guest/fs/fs.c, dir.c), each result checked by fsck.
UNIT_TESTS += fs
UNIT_SRCS_fs := guest/fs/journal.c guest/fs/recovery.c guest/fs/crc32c.c guest/fs/fs.c \
                guest/fs/dir.c guest/fs/tools/image.c guest/fs/tools/format.c \
                guest/fs/tools/check.c guest/fs/tools/check_dir.c guest/fs/tools/check_journal.c
