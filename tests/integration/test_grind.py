"""The guest's processes and memory under build/vmm: grind's random system calls leave the
kernel standing (no panic, no hang) on one and two CPUs, and the disk consistent."""
import re

import pytest

from conftest import disk_copy, fsck


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
        f = fsck(disk)
        assert f.returncode == 0, f.stdout + f.stderr

