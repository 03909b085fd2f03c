# tests/: host unit tests (cmocka), then pytest for everything that boots a VM.
# A unit test is tests/unit/test_<name>.c plus tests/unit/<name>.mk, which says
#   UNIT_TESTS += <name>
#   UNIT_SRCS_<name> := the sources under test (and fakes)
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)
UNIT_BINS := $(patsubst %,$(BUILD)/tests/unit/test_%,$(UNIT_TESTS))

unit_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS_$(1)))
.SECONDEXPANSION:
$(BUILD)/tests/unit/test_%: $(BUILD)/obj/tests/unit/test_%.o $$(call unit_objs,$$*)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcmocka $(LDLIBS)

test-unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

test-integration: all
	$(PYTHON) -m pytest -v -rs tests/integration

# The README's test command: unit tests, then every test that boots a VM.
test: setup all $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done
	$(PYTHON) -m pytest -v -rs tests/
