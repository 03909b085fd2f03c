"""The benchmark guest (bench/guest) boots under build/vmm and prints one line per
operation; its control-port marks reach --stats. One fixed iteration count, no timing checks:
benchmarks are measured by `make bench`, never asserted."""
import json
import os
import re
import subprocess

import pytest

from conftest import BUILD, ROOT

GUEST = os.path.join(BUILD, "bench", "bench-guest.elf")
LINE = re.compile(r"^bench (\S+) cycles=(\d+) iters=(\d+) rep=(\d+)$")


@pytest.fixture(scope="module")
def guest():
    r = subprocess.run(["make", "-s", "-C", ROOT, "bench-guest"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return GUEST


def run_guest(vmm, guest, tmp_path, cmdline, *extra):
    initrd = tmp_path / "empty.cpio"
    initrd.write_bytes(b"")
    stats = tmp_path / "stats.json"
    r = vmm("--kernel", guest, "--initrd", str(initrd), "--cmdline", cmdline,
            "--stats", str(stats), *extra, timeout=120)
    return r, stats


def test_every_operation_prints_its_line(vmm, guest, tmp_path):
    r, stats = run_guest(vmm, guest, tmp_path, "iters=4 reps=2", "--cpus", "2")
    assert r.returncode == 0, r
    out = r.stdout.splitlines()
    assert any(l.startswith("bench-guest: tsc_khz=") for l in out), r.stdout
    rows = [LINE.match(l) for l in out if l.startswith("bench ")]
    assert all(rows), r.stdout
    names = [m.group(1) for m in rows]
    for op in ("loop.empty", "exit.pio", "exit.mmio_read", "exit.cpuid", "exc.page_fault",
               "irq.lapic_timer.hlt", "irq.pit_timer.hlt", "irq.ipi_roundtrip"):
        assert names.count(op) == 2, (op, r.stdout)
    assert all(m.group(3) == "4" for m in rows)
    assert out[-1] == "bench-guest: done"
    # Each timed run is bracketed by a start and an end mark; a PIO loop of 4 exits to the
    # VMM shows up in its window (plus the start mark's own exit).
    marks = {m["id"]: m for m in json.load(open(stats))["marks"]}
    pio = names.index("exit.pio") // 2 + 1
    a, b = marks[pio << 8], marks[pio << 8 | 0x80]
    assert b["exits"] - a["exits"] == 5
    assert "vmm_ns" in b and "exits" in b["kvm"]


def test_ipi_row_is_skipped_with_one_vcpu(vmm, guest, tmp_path):
    r, _ = run_guest(vmm, guest, tmp_path, "iters=2 only=irq.ipi_roundtrip")
    assert r.returncode == 0, r
    assert "bench-skip irq.ipi_roundtrip: no second vCPU" in r.stdout


def test_only_selects_a_prefix(vmm, guest, tmp_path):
    r, _ = run_guest(vmm, guest, tmp_path, "iters=2 only=exit.")
    assert r.returncode == 0, r
    names = {LINE.match(l).group(1) for l in r.stdout.splitlines() if l.startswith("bench ")}
    assert names and all(n.startswith("exit.") for n in names), r.stdout


def test_poweroff_option_stops_at_once(vmm, guest, tmp_path):
    r, _ = run_guest(vmm, guest, tmp_path, "poweroff")
    assert r.returncode == 0, r
    assert r.stdout == ""
