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

.PHONY: disk pristine-disk
disk: $(DISK_IMG)

# The bundled disk is writable and keeps what the guest writes (make run, vmm without
# --disk); this throws that away and builds the image afresh from the programs.
pristine-disk: $(INITRD) $(BUILD)/mkfs
	rm -f $(DISK_IMG)
	$(MAKE) --no-print-directory $(DISK_IMG)
