"""The guest's processes and memory under build/vmm: grind's random system calls leave the
kernel standing (no panic, no hang) on one and two CPUs, and /bin/osbench prints a line per
row in the format bench/run.py parses."""
import os
import re
import subprocess

import pytest

from conftest import BUILD, disk_copy


@pytest.mark.parametrize("cpus,with_disk", [("1", True), ("2", False)])
def test_grind_100000_random_system_calls_survive(vmm, tmp_path, cpus, with_disk):
    # On one CPU with a root file system (its system calls are ground too, and the disk
    # stays consistent); on two CPUs without, where the races are.
    disk = disk_copy(tmp_path) if with_disk else None
    args = ["--disk", disk] if disk else []
    r = vmm("--cpus", cpus, *args, "--", "/bin/grind", "100000", cpus, timeout=900)
    assert "panic" not in r.stdout, r.stdout[-3000:]
    assert re.search(r"^grind: done 100000 calls in \d+ workers", r.stdout, re.M), r.stdout[-3000:]
    assert r.returncode == 0
    if disk:
        fsck = subprocess.run([os.path.join(BUILD, "fsck"), disk], capture_output=True, text=True)
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_osbench_prints_every_row(vmm):
    r = vmm("--", "/bin/osbench", timeout=300)
    rows = dict(re.findall(r"^osbench (\w+) ns=(\d+) iters=\d+\r?$", r.stdout, re.M))
    for name in ("null_syscall", "pipe_roundtrip", "fork_exit_wait", "fork_exec_wait",
                 "demand_zero_fault", "cow_fault"):
        assert int(rows.get(name, 0)) > 0, r.stdout
    assert r.returncode == 0
