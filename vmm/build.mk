# vmm/: the monitor itself. `make GDB=no` builds it without the GDB stub (vmm/gdb/).
GDB      ?= yes
VMM_SRCS := $(wildcard vmm/*.c)
ifneq ($(GDB),no)
VMM_SRCS += $(wildcard vmm/gdb/*.c)
endif
# The sandbox (vmm/sandbox.c): seccomp filters built with libseccomp.
LDLIBS   += -lseccomp
VMM_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(VMM_SRCS) $(MEMORY_SRCS) $(DEVICES_SRCS))

all: $(BUILD)/vmm
$(BUILD)/vmm: $(VMM_OBJS)
	$(CC) -o $@ $^ $(LDLIBS)
