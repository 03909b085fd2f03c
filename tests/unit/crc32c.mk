# Unit test of guest/fs/crc32c.c: the checksum of the journal and superblocks.
UNIT_TESTS += crc32c
UNIT_SRCS_crc32c := guest/fs/crc32c.c
