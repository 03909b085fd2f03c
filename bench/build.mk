# bench/: `make bench` measures VM-exit costs (and, later, the guest OS) against the raw floor
# and QEMU; bench/run.py runs everything and writes bench/results/. QUICK=1 for a short run.
BENCH_GUEST_SRCS := $(wildcard bench/guest/*.c bench/guest/*.S)
BENCH_GUEST_OBJS := $(patsubst bench/guest/%,$(BUILD)/bench/guest/%.o,$(BENCH_GUEST_SRCS))
BENCH_GUEST      := $(BUILD)/bench/bench-guest.elf
# The freestanding guest is linked at 1 MiB and identity mapped, so it needs no
# -mcmodel=kernel; everything else matches the bundled kernel's flags.
BENCH_GUEST_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mno-sse \
    -mno-mmx -mno-80387 -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib \
    -fno-builtin -O2 -g -Wall -Wextra -Wno-unused-parameter -I. -MMD -MP
BENCH_GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,bench/guest/guest.ld \
    -Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack

.PHONY: bench bench-guest bench-tools
bench-guest: $(BENCH_GUEST)
# bench/floor.c's rules live in tests/nested/build.mk (the nested bed uses it too); these
# name the same output, so either file's rule builds it.
bench-tools: $(BENCH_GUEST) $(BUILD)/bench/floor $(BUILD)/vmm

$(BUILD)/bench/guest/%.c.o: bench/guest/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_GUEST_CFLAGS) -c -o $@ $<

$(BUILD)/bench/guest/%.S.o: bench/guest/%.S
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_GUEST_CFLAGS) -c -o $@ $<

$(BENCH_GUEST): $(BENCH_GUEST_OBJS) bench/guest/guest.ld
	$(CC) $(BENCH_GUEST_LDFLAGS) -o $@ $(BENCH_GUEST_OBJS)

# QUICK=1: short runs, 3 rounds (under two minutes); otherwise ~1 s runs, 10 rounds.
bench: bench-tools
	$(PYTHON) bench/run.py --build $(BUILD) $(if $(QUICK),--quick)

# make bench-nested: the bench guest on Debian's kvm_amd inside QEMU (TCG, nested SVM) with
# npt=1 and npt=0 (tests/nested); KVM's paging counters per operation become rows
# nested.npt1.* / nested.npt0.* of bench/results/<host>-<date>.json. Not part of QUICK: it
# takes minutes. The bench files ride in the initramfs through NESTED_FILES, given on the
# command line so that the test bed's own initramfs does not depend on them.
BENCH_NESTED_FILES := $(BENCH_GUEST):/opt/minivmm/bench-guest.elf \
    bench/nested.sh:/opt/minivmm/bench-nested.sh
.PHONY: bench-nested
bench-nested: $(NESTED_PAYLOAD) $(BENCH_GUEST) nested-kernel
	@$(MAKE) --no-print-directory NESTED_FILES="$(NESTED_FILES) $(BENCH_NESTED_FILES)" \
	    $(NESTED_INITRAMFS)
	$(PYTHON) bench/nested.py --build $(BUILD) $(if $(ITERS),--iters $(ITERS))
