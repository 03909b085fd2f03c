# memory/: guest RAM, memslots, the checked accessor, page-table walks, the shadow MMU.
MEMORY_SRCS := memory/guest_mem.c memory/pagewalk.c memory/shadow.c
