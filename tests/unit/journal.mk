# Unit test of guest/fs/journal.c and recovery.c: crafted logs on temporary image files.
UNIT_TESTS += journal
UNIT_SRCS_journal := guest/fs/journal.c guest/fs/recovery.c guest/fs/crc32c.c guest/fs/fs.c \
                     guest/fs/dir.c guest/fs/tools/image.c guest/fs/tools/format.c
