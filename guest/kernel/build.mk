# guest/kernel: the freestanding x86-64 kernel, linked at KERNBASE + its physical address
# (kernel.ld). Every .c and .S in this folder is part of it, so the platform and process
# parts add files without editing this list.
KERNEL_SRCS := $(wildcard guest/kernel/*.c guest/kernel/*.S)
KERNEL_OBJS := $(patsubst guest/kernel/%,$(BUILD)/guest/kernel/%.o,$(KERNEL_SRCS))
KERNEL_ELF  := $(BUILD)/guest/kernel.elf

KCFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
           -mno-sse -mno-mmx -mno-80387 -fno-stack-protector -fno-asynchronous-unwind-tables \
           -fno-omit-frame-pointer -fno-strict-aliasing -nostdlib -O2 -g -Wall -Wextra -Wno-unused-parameter \
           -I. -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,guest/kernel/kernel.ld \
            -Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack

all: $(KERNEL_ELF)

$(BUILD)/guest/kernel/%.c.o: guest/kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(BUILD)/guest/kernel/%.S.o: guest/kernel/%.S
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(KERNEL_ELF): $(KERNEL_OBJS) guest/kernel/kernel.ld
	@mkdir -p $(dir $@)
	$(CC) $(KLDFLAGS) -o $@ $(KERNEL_OBJS)

.PHONY: kernel
kernel: $(KERNEL_ELF)
