# Unit test of guest/fs/journal.c and recovery.c: crafted logs on temporary image files.
UNIT_TESTS += journal
UNIT_SRCS_journal = $(FS_SHARED_SRCS) guest/fs/tools/image.c guest/fs/tools/format.c
