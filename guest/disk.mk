# guest/disk.mk: the guest's file system on the kernel side and on disk. The shared core
# (guest/fs/, built freestanding by guest/fs/build.mk) is linked into the kernel, and
# build/guest/disk.img is made with build/mkfs from the userland's staging directory (the
# tree the initrd is packed from: /bin/<prog> for every program).
DISK_IMG  := $(BUILD)/guest/disk.img
DISK_SIZE ?= 64M

KERNEL_OBJS += $(FS_KOBJS)
$(KERNEL_ELF): $(FS_KOBJS)

all: $(DISK_IMG)

$(DISK_IMG): $(INITRD) $(BUILD)/mkfs
	@mkdir -p $(dir $@)
	$(BUILD)/mkfs -s $(DISK_SIZE) $@.tmp $(BUILD)/guest/initrd
	mv $@.tmp $@

.PHONY: disk
disk: $(DISK_IMG)
