# minivmm: builds everything into build/. `make run` boots the guest, `make test` tests.
# Each folder adds its sources and rules in its own build.mk.

BUILD   := build
CC      := gcc
# Debian's interpreter: pytest comes from the python3-pytest package.
PYTHON  := /usr/bin/python3
CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -I. -MMD -MP \
           -D_GNU_SOURCE -fno-strict-aliasing
LDLIBS  := -lfdt -lpthread

.PHONY: all run test test-unit test-integration test-nested clean setup
.PRECIOUS: $(BUILD)/obj/%.o
all:

include memory/build.mk
include devices/build.mk
include vmm/build.mk
include guest/build.mk
include tests/build.mk
-include tests/nested/build.mk
-include tests/fuzz/build.mk
-include vmm/gdb/build.mk
-include bench/build.mk
-include tests/crash/build.mk

# Host C objects: build/obj/<path>.o
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Installs the Debian packages the build and the tests need (as root; CI runs it too).
setup:
	@sh .ci/packages.sh

run: setup all
	$(BUILD)/vmm

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
