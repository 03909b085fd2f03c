# KVM binary statistics: parsing crafted stats files, and a real VM's when /dev/kvm opens.
UNIT_TESTS += kvmstats
UNIT_SRCS_kvmstats := vmm/kvmstats.c
