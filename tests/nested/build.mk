# tests/nested/: the standard-KVM test bed -- Debian's kernel under QEMU (TCG) with nested
# SVM, its real kvm_amd loaded with npt=1 and npt=0, running our static VMM inside.
#   make nested-inputs   kernel, modules, initramfs with whatever payload builds (never fails
#                        because the VMM or the guest does not build: those checks then FAIL)
#   make test-nested     everything must build; both modes, every payload check, then
#                        every GDB script that applies to svm (tests/nested/gdb_nested.py)
NESTED           := $(BUILD)/nested
NESTED_KERNEL    := $(NESTED)/kernel/vmlinuz
NESTED_INITRAMFS := $(NESTED)/initramfs.cpio.gz
# What the payload runs besides the floor; built by other folders' rules.
NESTED_PAYLOAD   := $(BUILD)/vmm-static $(BUILD)/guest/kernel.elf $(BUILD)/guest/initrd.cpio
# Extra initramfs files as SRC:DEST pairs (for new payload checks: a GDB script, test data);
# add with `NESTED_FILES += ...` in your folder's build.mk. Each SRC is built first.
NESTED_FILES     ?=

.PHONY: nested-inputs nested-kernel nested-payload nested-always

# GDB sessions (tests/nested/gdb_nested.py, run.sh --gdb): gdb on the host reaches the VMM
# inside through QEMU's e1000 NIC; the scripts go into the initramfs for their headers.
NESTED_NETMOD    := $(NESTED)/kernel/net/e1000.ko
NESTED_FILES     += $(NESTED_NETMOD):/lib/modules/net/e1000.ko \
                    $(foreach s,$(wildcard tests/gdb/scripts/*.gdb),$(s):/gdb/$(notdir $(s)))
$(NESTED_NETMOD): $(NESTED_KERNEL)

# Fetched once: delete $(NESTED)/kernel to fetch Debian's current 6.1 kernel again.
nested-kernel: $(NESTED_KERNEL)
$(NESTED_KERNEL):
	sh tests/nested/fetch-kernel.sh $(NESTED)/kernel

# The VMM as the nested bed runs it: the same objects as build/vmm, linked statically.
$(BUILD)/vmm-static: $(VMM_OBJS)
	$(CC) -static -o $@ $^ $(LDLIBS)

# Best effort, so that the bed itself can be checked while the VMM is being written.
nested-payload:
	@$(MAKE) --no-print-directory -k $(NESTED_PAYLOAD) || \
	    echo "nested-payload: not everything built: the checks that need it will FAIL" >&2

# Rebuilt on every use (it takes a second) so it always holds the current payload files.
$(NESTED_INITRAMFS): $(NESTED_KERNEL) $(BUILD)/bench/floor-static tests/nested/init.sh \
		tests/nested/payload.sh tests/nested/mkinitramfs.sh \
		$(foreach f,$(NESTED_FILES),$(firstword $(subst :, ,$(f)))) nested-always
	sh tests/nested/mkinitramfs.sh $@ $(NESTED)/kernel $(BUILD) $(NESTED_FILES)

nested-inputs: nested-payload
	@$(MAKE) --no-print-directory $(NESTED_INITRAMFS)

test-nested: $(NESTED_PAYLOAD)
	@$(MAKE) --no-print-directory $(NESTED_INITRAMFS)
	sh tests/nested/run.sh --full --build $(BUILD)
	$(PYTHON) tests/nested/gdb_nested.py --all

# --- bench/floor: the raw cost of a userspace VM exit (moves to bench/build.mk). ---
$(BUILD)/bench/floor: $(BUILD)/obj/bench/floor.o
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

$(BUILD)/bench/floor-static: $(BUILD)/obj/bench/floor.o
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $^

# --- Stress: the checks that once hung the bed (issue 16), many times over. ---
#   make nested-stress [N=50] [STRESS_MODES=1,0]   on the nested bed: one QEMU boot, each
#        npt mode runs the list N times (run.sh --repeat); a hang is dumped, not waited on
#   make host-stress [N=50]                        the same list with build/vmm on this host
# Neither is part of `make test`.
N            ?= 50
STRESS_MODES ?= 1,0
NESTED_STRESS := vmm -- /bin/usertests;vmm --cpus 2 -- /bin/usertests;vmm --cpus 2 -- /bin/grind 3000 2
.PHONY: nested-stress host-stress
nested-stress: $(NESTED_PAYLOAD)
	@$(MAKE) --no-print-directory $(NESTED_INITRAMFS)
	sh tests/nested/run.sh --modes $(STRESS_MODES) --repeat $(N) --run '$(NESTED_STRESS)' \
	    --timeout $$((120 + 60 * $(N))) --build $(BUILD)

host-stress: $(BUILD)/vmm $(BUILD)/guest/kernel.elf $(BUILD)/guest/initrd.cpio
	sh tests/nested/stress-host.sh -n $(N) --build $(BUILD) --run '$(NESTED_STRESS)'
