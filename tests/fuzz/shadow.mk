# libFuzzer harness for the shadow MMU (memory/shadow.c) under ASan and UBSan.
# `make fuzz-shadow` fuzzes for FUZZ_TIME seconds (about 2000 executions a second here: over 1M at the default 600)
# from the seed corpus; tests/fuzz/test_fuzz_shadow.py runs a short, fixed-seed run.
FUZZ_CC    ?= clang
SHADOW_FUZZ_TIME ?= 600
SHADOW_FUZZ_SRCS := tests/fuzz/shadow_fuzz.c memory/shadow.c memory/pagewalk.c memory/guest_mem.c

$(BUILD)/fuzz/shadow_fuzz: $(SHADOW_FUZZ_SRCS) $(wildcard memory/*.h) abi/machine.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ $(SHADOW_FUZZ_SRCS)

.PHONY: fuzz-shadow
fuzz-shadow: $(BUILD)/fuzz/shadow_fuzz
	@mkdir -p $(BUILD)/fuzz/shadow-corpus
	$< -max_total_time=$(SHADOW_FUZZ_TIME) -print_final_stats=1 \
	    $(BUILD)/fuzz/shadow-corpus tests/fuzz/corpus/shadow
