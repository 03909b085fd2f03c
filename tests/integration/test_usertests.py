"""/bin/usertests on build/vmm: the guest OS's own test table (processes, memory, pipes,
signals, faults) passes on one vCPU with the root file system and on two without."""
import re

import pytest

from conftest import disk_copy


@pytest.mark.parametrize("cpus,with_disk", [("1", True), ("2", False)])
def test_usertests_pass(vmm, tmp_path, cpus, with_disk):
    args = ["--disk", disk_copy(tmp_path)] if with_disk else []
    r = vmm("--cpus", cpus, *args, "--", "/bin/usertests", timeout=300)
    assert re.search(r"^usertests: \d+ passed, 0 failed\r?$", r.stdout, re.M), r.stdout[-3000:]
    assert r.returncode == 0, r
