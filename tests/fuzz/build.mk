# tests/fuzz: libFuzzer harnesses (clang, with AddressSanitizer and UBSan).
# `make fuzz-gdb` fuzzes the GDB stub's packet parsing for FUZZ_SECONDS (default 60);
# tests/fuzz/test_fuzz.py runs a short, fixed-count version in `make test`.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_GDB     := $(BUILD)/fuzz/gdb_packet_fuzz
FUZZ_GDB_SRCS := tests/fuzz/gdb_packet_fuzz.c vmm/gdb/packet.c vmm/gdb/regs.c vmm/gdb/text.c vmm/gdb/hwbp.c

$(FUZZ_GDB): $(FUZZ_GDB_SRCS) vmm/gdb/packet.h vmm/gdb/regs.h vmm/gdb/hwbp.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_GDB_SRCS)

.PHONY: fuzz-gdb
fuzz-gdb: $(FUZZ_GDB)
	@mkdir -p $(BUILD)/fuzz/gdb-corpus
	$(FUZZ_GDB) -max_total_time=$(FUZZ_SECONDS) -max_len=20000 $(BUILD)/fuzz/gdb-corpus \
		tests/fuzz/corpus/gdb

# The other harnesses' rules (each tests/fuzz/<name>.mk also stands alone).
include $(filter-out tests/fuzz/build.mk,$(wildcard tests/fuzz/*.mk))
