# libFuzzer harness for the virtio-mmio transport and virtio-blk under ASan and UBSan.
# `make fuzz-virtio` fuzzes for FUZZ_TIME seconds from the seed corpus (new inputs land in
# build/fuzz/virtio-corpus); tests/fuzz/test_fuzz_virtio.py runs a short, fixed-seed run.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
VIRTIO_FUZZ_SRCS := tests/fuzz/virtio_fuzz.c devices/virtio_mmio.c devices/virtqueue.c \
                    devices/virtio_blk.c devices/blk_backend.c devices/blk_crash.c devices/irq.c \
                    memory/guest_mem.c

$(BUILD)/fuzz/virtio_fuzz: $(VIRTIO_FUZZ_SRCS) $(wildcard devices/*.h memory/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ $(VIRTIO_FUZZ_SRCS) -luring -lpthread

.PHONY: fuzz-virtio
fuzz-virtio: $(BUILD)/fuzz/virtio_fuzz
	@mkdir -p $(BUILD)/fuzz/virtio-corpus
	$< -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    $(BUILD)/fuzz/virtio-corpus tests/fuzz/corpus/virtio
