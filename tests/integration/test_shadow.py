"""--mmu shadow (docs/paging.md): the guest runs on the VMM's shadow page tables. The same
programs as in direct mode pass on one and two CPUs (usertests, grind, a pipeline, the file
system on a disk), --stats reports the shadow MMU's work, and --mmu takes only direct or
shadow. tests/gdb/scripts/shadow_walk.gdb shows that the hardware walks the shadow: a
change made to the guest's table behind the trap is not what the guest runs on."""
import json
import re

import pytest

from conftest import disk_copy, fsck


@pytest.mark.parametrize("cpus", ["1", "2"])
def test_usertests_pass_on_the_shadow(vmm, cpus):
    r = vmm("--mmu", "shadow", "--cpus", cpus, "--", "/bin/usertests", timeout=600)
    assert "mmu: shadow (page-table pool" in r.stdout, r.stdout[-3000:]
    assert re.search(r"^usertests: \d+ passed, 0 failed", r.stdout, re.M), r.stdout[-3000:]
    assert r.returncode == 0


@pytest.mark.parametrize("cpus", ["1", "2"])
def test_grind_survives_on_the_shadow(vmm, cpus):
    r = vmm("--mmu", "shadow", "--cpus", cpus, "--", "/bin/grind", "20000", cpus, timeout=900)
    assert "panic" not in r.stdout, r.stdout[-3000:]
    assert re.search(r"^grind: done 20000 calls in \d+ workers", r.stdout, re.M), r.stdout[-3000:]
    assert r.returncode == 0


def test_a_pipeline_on_the_shadow(vmm):
    r = vmm("--mmu", "shadow", "--", "/bin/sh", "-c", "echo hi | wc -c")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1].strip() == "3"


def test_the_file_system_on_the_shadow(vmm, tmp_path):
    disk = disk_copy(tmp_path)
    r = vmm("--mmu", "shadow", "--disk", disk, "--", "/bin/fstests", "create_read",
            "seek_holes", "dirs", "links_rename", "unlink_open", "errors", timeout=300)
    assert "fstests: 6 passed, 0 failed" in r.stdout, r.stdout[-3000:]
    assert r.returncode == 0
    f = fsck(disk)
    assert f.returncode == 0, f.stdout + f.stderr


def test_stats_report_the_shadow_mmu(vmm, tmp_path):
    out = tmp_path / "s.json"
    r = vmm("--mmu", "shadow", "--stats", str(out), "--", "/bin/sh", "-c", "echo a | cat")
    assert r.returncode == 0, r.stderr
    m = json.loads(out.read_text())["mmu"]
    assert m["mode"] == "shadow"
    # A boot and two processes: a few hundred table writes, CR3 loads at every switch.
    assert 100 <= m["pte_writes"] <= 1_000_000, m
    assert 5 <= m["cr3_loads"] <= m["pte_writes"], m
    assert 4 <= m["shadow_pages"] <= m["shadow_pages_max"] <= 4096, m
    assert 1 <= m["shadow_roots"] <= m["shadow_pages"], m
    assert m["refused"] == 0, m
    assert 0 < m["vmm_ns"] < 60e9, m
    assert m["pool_bytes"] == 16 << 20


def test_stats_in_direct_mode_say_direct(vmm, tmp_path):
    out = tmp_path / "s.json"
    r = vmm("--stats", str(out), "--", "/bin/true")
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["mmu"] == {"mode": "direct"}


def test_a_small_ram_gets_a_small_pool(vmm, tmp_path):
    out = tmp_path / "s.json"
    r = vmm("--mmu", "shadow", "--mem", "32M", "--stats", str(out), "--", "/bin/echo", "ok")
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout
    assert json.loads(out.read_text())["mmu"]["pool_bytes"] == 4 << 20


@pytest.mark.parametrize("value", ["bogus", "", "Shadow"])
def test_mmu_takes_direct_or_shadow(vmm, value):
    r = vmm("--mmu", value, "--", "/bin/true")
    assert r.returncode == 2
    assert "--mmu" in r.stderr and "direct or shadow" in r.stderr
