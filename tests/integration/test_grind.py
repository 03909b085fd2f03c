"""The guest's processes and memory under build/vmm: grind's random system calls leave the
kernel standing (no panic, no hang) on one and two CPUs, and /bin/osbench prints a line per
row in the format bench/run.py parses."""
import re

import pytest


@pytest.mark.parametrize("cpus", ["1", "2"])
def test_grind_100000_random_system_calls_survive(vmm, cpus):
    r = vmm("--cpus", cpus, "--", "/bin/grind", "100000", cpus, timeout=900)
    assert "panic" not in r.stdout, r.stdout[-3000:]
    assert re.search(r"^grind: done 100000 calls in \d+ workers", r.stdout, re.M), r.stdout[-3000:]
    assert r.returncode == 0


def test_osbench_prints_every_row(vmm):
    r = vmm("--", "/bin/osbench", timeout=300)
    rows = dict(re.findall(r"^osbench (\w+) ns=(\d+) iters=\d+\r?$", r.stdout, re.M))
    for name in ("null_syscall", "pipe_roundtrip", "fork_exit_wait", "fork_exec_wait",
                 "demand_zero_fault", "cow_fault"):
        assert int(rows.get(name, 0)) > 0, r.stdout
    assert r.returncode == 0
