# `make debug`: the guest stopped at its first instruction under build/vmm --gdb, and gdb
# attached with the kernel's symbols (docs/debugging.md). The guest's console goes to
# build/debug-console.log (follow it with tail -f); quitting gdb ends the VMM.
#   make debug GDB_PORT=1235 DEBUG_ARGS='--cpus 2 -- /bin/usertests'
GDB_PORT   ?= 1234
DEBUG_ARGS ?=
DEBUG_LOG  := $(BUILD)/debug-console.log

.PHONY: debug
debug: all
	@$(BUILD)/vmm --gdb $(GDB_PORT) --gdb-wait $(DEBUG_ARGS) </dev/null >$(DEBUG_LOG) 2>&1 & \
	vmm=$$!; \
	for i in $$(seq 50); do grep -q 'gdb: listening' $(DEBUG_LOG) && break; \
		kill -0 $$vmm 2>/dev/null || break; sleep 0.1; done; \
	if ! grep -q 'gdb: listening' $(DEBUG_LOG); then cat $(DEBUG_LOG); kill $$vmm 2>/dev/null; exit 1; fi; \
	echo "guest console: $(DEBUG_LOG)"; \
	gdb -q -ex 'target remote :$(GDB_PORT)' $(BUILD)/guest/kernel.elf; \
	kill $$vmm 2>/dev/null; wait $$vmm; true
