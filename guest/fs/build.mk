# guest/fs: the on-disk format, journal and file-system core shared by the guest kernel and
# the host tools build/mkfs, build/fsck and build/fsdump. The shared sources are also built
# freestanding here, as the kernel builds them, to prove they need nothing but the three
# functions fs_env.h declares.
FS_SHARED_SRCS := guest/fs/crc32c.c guest/fs/journal.c guest/fs/recovery.c guest/fs/fs.c \
                  guest/fs/dir.c
FS_TOOL_SRCS   := guest/fs/tools/image.c guest/fs/tools/format.c guest/fs/tools/check.c \
                  guest/fs/tools/check_dir.c guest/fs/tools/check_journal.c
# Everything the tools link besides their main: also the sources of the fs and fsck unit tests.
FS_HOST_SRCS   := $(FS_SHARED_SRCS) $(FS_TOOL_SRCS)
FS_TOOL_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(FS_HOST_SRCS))
FS_TOOLS       := $(BUILD)/mkfs $(BUILD)/fsck $(BUILD)/fsdump
FS_KOBJS       := $(patsubst guest/fs/%.c,$(BUILD)/guest/fs/%.o,$(FS_SHARED_SRCS))
FS_KCFLAGS      = $(or $(KCFLAGS),-std=gnu11 -ffreestanding -mno-red-zone -mno-sse \
                  -fno-stack-protector -nostdlib -O2 -Wall -Wextra -Wno-unused-parameter -I. -MMD -MP)

.PHONY: fs-tools fs-freestanding
all: $(FS_TOOLS) fs-freestanding
fs-tools: $(FS_TOOLS)

$(BUILD)/mkfs $(BUILD)/fsck $(BUILD)/fsdump: $(BUILD)/%: $(BUILD)/obj/guest/fs/tools/%.o $(FS_TOOL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

$(BUILD)/guest/fs/%.o: guest/fs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FS_KCFLAGS) -c -o $@ $<

# One relocatable object of the shared code; fails if it calls anything but memcpy, memset
# and memcmp.
$(BUILD)/guest/fs/fs-shared.o: $(FS_KOBJS)
	ld -r -o $@ $^
	@bad=$$(nm -u $@ | awk '{print $$2}' | grep -vxE 'memcpy|memset|memcmp'); \
	if [ -n "$$bad" ]; then echo "guest/fs needs symbols the kernel lacks:" $$bad; rm -f $@; exit 1; fi
fs-freestanding: $(BUILD)/guest/fs/fs-shared.o
