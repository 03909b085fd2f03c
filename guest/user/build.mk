# guest/user: the user programs, one static ELF per guest/user/<prog>.c linked at 0x400000
# with W^X segments (text R-X, rodata R, data RW-), and build/guest/initrd.cpio holding
# them as bin/<prog> (cpio newc, sorted names, reproducible).
UPROG_NAMES := $(patsubst guest/user/%.c,%,$(wildcard guest/user/*.c))
UPROG_DIR   := $(BUILD)/guest/user
UPROGS      := $(patsubst %,$(UPROG_DIR)/%,$(UPROG_NAMES))
INITRD      := $(BUILD)/guest/initrd.cpio
ULDFLAGS    := -nostdlib -static -no-pie -Wl,-Ttext-segment=0x400000 \
               -Wl,-z,separate-code -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
               -Wl,--build-id=none

all: $(UPROGS) $(INITRD)

$(UPROG_DIR)/%.o: guest/user/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(UPROG_DIR)/%: $(UPROG_DIR)/%.o $(ULIB_CRT0) $(ULIB_A)
	$(CC) $(ULDFLAGS) -o $@ $(ULIB_CRT0) $< $(ULIB_A) -lgcc

$(INITRD): $(UPROGS)
	@rm -rf $(BUILD)/guest/initrd && mkdir -p $(BUILD)/guest/initrd/bin
	cp $(UPROGS) $(BUILD)/guest/initrd/bin/
	cd $(BUILD)/guest/initrd && find bin | LC_ALL=C sort | \
		cpio --quiet -o -H newc --reproducible > $(abspath $@).tmp
	mv $@.tmp $@

.SECONDARY: $(UPROGS:%=%.o)
.PHONY: initrd
initrd: $(INITRD)
