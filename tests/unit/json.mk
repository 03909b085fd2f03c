# The JSON writer behind --stats: exact output, escaping, numbers, misuse, Python's parse.
UNIT_TESTS += json
UNIT_SRCS_json := vmm/json.c
