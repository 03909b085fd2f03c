# memory/: guest RAM, memslots, the checked accessor, page-table walks.
MEMORY_SRCS := memory/guest_mem.c memory/pagewalk.c
