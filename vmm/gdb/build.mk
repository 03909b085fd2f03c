# `make debug`: the guest under build/vmm --gdb, stopped at its first instruction, with its
# console on this terminal; in a second terminal `make gdb` attaches gdb with the kernel's
# symbols (docs/debugging.md). Ctrl-A x on the console ends the VMM.
#   make debug GDB_PORT=1235 DEBUG_ARGS='--cpus 2 -- /bin/usertests'     (terminal 1)
#   make gdb GDB_PORT=1235                                              (terminal 2)
GDB_PORT   ?= 1234
DEBUG_ARGS ?=

.PHONY: debug gdb
debug: all
	@echo "debug: the guest waits for gdb: run 'make gdb$(if $(filter-out 1234,$(GDB_PORT)), GDB_PORT=$(GDB_PORT))' in another terminal; Ctrl-A x here quits"
	@$(BUILD)/vmm --gdb $(GDB_PORT) --gdb-wait $(DEBUG_ARGS)

gdb: $(BUILD)/guest/kernel.elf
	gdb -q -ex 'target remote :$(GDB_PORT)' $(BUILD)/guest/kernel.elf
