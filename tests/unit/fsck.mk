# Unit test of fsck's checks (guest/fs/tools/check*.c) on crafted, then corrupted, images.
UNIT_TESTS += fsck
UNIT_SRCS_fsck := guest/fs/journal.c guest/fs/recovery.c guest/fs/crc32c.c guest/fs/fs.c \
                  guest/fs/dir.c guest/fs/tools/image.c guest/fs/tools/format.c \
                  guest/fs/tools/check.c guest/fs/tools/check_dir.c guest/fs/tools/check_journal.c
