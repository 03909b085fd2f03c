"""--mmu shadow (docs/paging.md): the guest runs on the VMM's shadow page tables. The same
programs as in direct mode pass on one and two CPUs (usertests, grind, a pipeline, the file
system on a disk), --stats reports the shadow MMU's work, and --mmu takes only direct or
shadow. tests/gdb/scripts/shadow_walk.gdb shows that the hardware walks the shadow: a
change made to the guest's table behind the trap is not what the guest runs on."""
import json
import re

import pytest

from conftest import disk_copy, fsck
from test_cli import pvh_elf

POOL = 0x0f000000                   # 256 MiB of RAM: the pool is the top 16 MiB
OUT_CR3 = b"\x66\xba\x14\x07\xef"   # mov $0x714, %dx; out %eax, (%dx)
POWEROFF_7 = b"\xb0\x07\x66\xba\x00\x07\xef\xf4"


def movl(addr, value):
    """movl $value, addr (32-bit code, paging off)."""
    return b"\xc7\x05" + addr.to_bytes(4, "little") + value.to_bytes(4, "little")


def tiny_guest(tmp_path, code):
    k = tmp_path / "k.elf"
    k.write_bytes(pvh_elf([(0x100000, code + b"\xf4" * 16, len(code) + 16)]))
    return str(k)


@pytest.mark.parametrize("cpus", ["1", "2"])
def test_usertests_pass_on_the_shadow(vmm, cpus):
    r = vmm("--mmu", "shadow", "--cpus", cpus, "--", "/bin/usertests", timeout=600)
    assert "mmu: shadow (page-table pool" in r.stdout, r.stdout[-3000:]
    assert re.search(r"^usertests: \d+ passed, 0 failed", r.stdout, re.M), r.stdout[-3000:]
    assert r.returncode == 0


@pytest.mark.parametrize("cpus,with_disk", [("1", True), ("2", False)])
def test_grind_survives_on_the_shadow(vmm, tmp_path, cpus, with_disk):
    # As tests/integration/test_grind.py: with a root file system on one CPU, without on two.
    disk = disk_copy(tmp_path) if with_disk else None
    args = ["--disk", disk] if disk else []
    r = vmm("--mmu", "shadow", "--cpus", cpus, *args, "--", "/bin/grind", "100000", cpus,
            timeout=900)
    assert "panic" not in r.stdout, r.stdout[-3000:]
    assert re.search(r"^grind: done 100000 calls in \d+ workers", r.stdout, re.M), \
        r.stdout[-3000:]
    assert r.returncode == 0
    if disk:
        f = fsck(disk)
        assert f.returncode == 0, f.stdout + f.stderr


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


def test_a_hostile_table_is_refused_entry_by_entry(vmm, tmp_path):
    # A PML4 in the pool whose entry 0 points at the shadow region (outside the pool) and
    # whose entry 1 has PS set: both refused, the load itself goes through.
    code = (movl(POOL, 3) + movl(POOL + 4, 1) + movl(POOL + 8, 0x0c000083) +
            b"\xb8" + POOL.to_bytes(4, "little") + OUT_CR3 + POWEROFF_7)
    out = tmp_path / "s.json"
    r = vmm("--mmu", "shadow", "--kernel", tiny_guest(tmp_path, code), "--stats", str(out))
    assert r.returncode == 7, r.stderr
    m = json.loads(out.read_text())["mmu"]
    assert (m["pte_writes"], m["cr3_loads"], m["refused"], m["shadow_pages"]) == (3, 1, 2, 1), m


@pytest.mark.parametrize("cr3,why", [(0x1000, "not a page of the page-table pool"),
                                     (0xfffff000, "not a page of the page-table pool")])
def test_a_cr3_outside_the_pool_stops_the_machine(vmm, tmp_path, cr3, why):
    code = b"\xb8" + cr3.to_bytes(4, "little") + OUT_CR3 + POWEROFF_7
    r = vmm("--mmu", "shadow", "--kernel", tiny_guest(tmp_path, code))
    assert r.returncode == 122, r.stderr
    assert f"CTL_CR3 {cr3:#x}" in r.stderr and why in r.stderr, r.stderr


def test_ctl_cr3_is_an_unassigned_register_in_direct_mode(vmm, tmp_path):
    code = b"\xb8\x00\x10\x00\x00" + OUT_CR3 + POWEROFF_7
    r = vmm("--kernel", tiny_guest(tmp_path, code))
    assert r.returncode == 7, r.stderr
