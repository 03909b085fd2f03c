# tests/crash: the power-cut campaign (tests/crash/campaign.py, docs/crash-testing.md).
# `make crash-campaign` cuts the power at every write of the small workload in ordered and
# journal modes plus random torn and volatile-cache points of a larger one, then the same
# in writeback mode at every 5th write (tallied apart: it may lose data). About 70 minutes
# for ordered and journal on this 2-CPU host, ~15 more for writeback; CRASH_JOBS VMs run at
# once (one per host CPU). A short subset runs in
# `make test` (tests/crash/test_crash.py).
CRASH_JOBS ?= 2
CRASH_ARGS ?=

.PHONY: crash-campaign
crash-campaign: all
	$(PYTHON) tests/crash/campaign.py --modes ordered,journal --jobs $(CRASH_JOBS) \
		--json $(BUILD)/crash-campaign.json $(CRASH_ARGS)
	$(PYTHON) tests/crash/campaign.py --modes writeback --every 5 --jobs $(CRASH_JOBS) \
		--json $(BUILD)/crash-campaign-writeback.json $(CRASH_ARGS)
