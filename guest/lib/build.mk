# guest/lib: the user C library, freestanding and static: build/guest/lib/libc.a and the
# program entry build/guest/lib/crt0.o. Programs include its headers with <...> (no libc's).
ULIB_DIR    := $(BUILD)/guest/lib
ULIB_A      := $(ULIB_DIR)/libc.a
ULIB_CRT0   := $(ULIB_DIR)/crt0.o
ULIB_SRCS   := $(filter-out guest/lib/crt0.S,$(wildcard guest/lib/*.c guest/lib/*.S))
ULIB_OBJS   := $(patsubst guest/lib/%,$(ULIB_DIR)/%.o,$(ULIB_SRCS))

# gcc's own include directory still provides stddef.h, stdint.h and stdarg.h.
# No SSE/x87 yet: the kernel does not save user FPU state on a switch (next issue).
UCFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mgeneral-regs-only \
           -fno-asynchronous-unwind-tables -O2 -g -Wall -Wextra -Wno-unused-parameter \
           -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
           -Iguest/lib/include -I. -MMD -MP

all: $(ULIB_A) $(ULIB_CRT0)

$(ULIB_DIR)/%.c.o: guest/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(ULIB_DIR)/%.S.o: guest/lib/%.S
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(ULIB_CRT0): guest/lib/crt0.S
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(ULIB_A): $(ULIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
