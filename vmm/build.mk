# vmm/: the monitor itself.
VMM_SRCS := $(wildcard vmm/*.c)
VMM_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(VMM_SRCS) $(MEMORY_SRCS) $(DEVICES_SRCS))

all: $(BUILD)/vmm
$(BUILD)/vmm: $(VMM_OBJS)
	$(CC) -o $@ $^ $(LDLIBS)
