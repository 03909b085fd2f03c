"""The benchmark guest (bench/guest) boots under build/vmm and prints one line per
operation; its control-port marks reach --stats. One fixed iteration count, no timing checks:
benchmarks are measured by `make bench`, never asserted."""
import json
import os
import re
import subprocess

import pytest

from conftest import BUILD, ROOT, VMM

GUEST = os.path.join(BUILD, "bench", "bench-guest.elf")
LINE = re.compile(r"^bench (\S+) cycles=(\d+) iters=(\d+) rep=(\d+) ns_per_op=(\d+)$")


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
               "irq.lapic_timer.hlt", "irq.pit_timer.hlt", "irq.ipi_roundtrip",
               "exit.pio.ioeventfd", "exit.mmio.ioeventfd", "irq.irqfd_latency",
               "loop.empty.user", "exit.pio.user", "exit.mmio_write.user", "exit.cpuid.user",
               "exc.page_fault.user", "exit.pio.ioeventfd.user", "exit.mmio.ioeventfd.user"):
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


COUNT = re.compile(r"^bench-count (\S+) events=(\d+) iters=(\d+) rep=(\d+)$")


def windows(stats, out):
    """{op: (VMM exits, KVM exits) between its start and end marks}, one repeat per op:
    the marks come in (start, end) pairs in the order of the guest's `bench` lines."""
    names = [l.split()[1] for l in out.splitlines() if l.startswith("bench ")]
    marks = json.load(open(stats))["marks"]
    assert len(marks) == 2 * len(names), (marks, names)
    res = {}
    for name, a, b in zip(names, marks[::2], marks[1::2]):
        assert b["id"] == a["id"] | 0x80
        res[name] = (b["exits"] - a["exits"], b["kvm"]["exits"] - a["kvm"]["exits"])
    return res


def test_doorbell_writes_never_reach_the_vmm(vmm, guest, tmp_path):
    """Rings caught by KVM_IOEVENTFD: the VMM counts every one (through its event loop),
    yet its window holds no userspace exit but the start mark's own; the same loop on an
    unclaimed port exits once per write. Each echo comes back as an interrupt."""
    r, stats = run_guest(vmm, guest, tmp_path, "iters=50 only=exit.")
    assert r.returncode == 0, r
    counts = {m.group(1): (int(m.group(2)), int(m.group(3)))
              for m in map(COUNT.match, r.stdout.splitlines()) if m}
    w = windows(stats, r.stdout)
    for op in ("exit.pio.ioeventfd", "exit.mmio.ioeventfd"):
        assert counts[op] == (50, 50), (op, r.stdout)
        assert w[op][0] == 1, (op, w[op])            # the start mark only
    assert w["exit.pio"][0] == 51 and w["exit.mmio_write"][0] == 51, w
    r, stats = run_guest(vmm, guest, tmp_path, "iters=20 only=irq.irqfd_latency")
    assert r.returncode == 0, r
    assert "bench-count irq.irqfd_latency events=20 iters=20 rep=0" in r.stdout.splitlines()
    assert windows(stats, r.stdout)["irq.irqfd_latency"][0] == 1


def test_user_rows_run_at_cpl3(vmm, guest, tmp_path):
    """The *.user loops: a port write from user mode still exits once per write (the TSS
    I/O bitmap allows it), a user #PF is handled by the guest, and ioeventfd rings from user
    mode are counted without exits."""
    r, stats = run_guest(vmm, guest, tmp_path, "iters=30 only=exit.pio.user")
    assert r.returncode == 0 and "exception" not in r.stdout, r
    assert windows(stats, r.stdout)["exit.pio.user"][0] == 31
    r, stats = run_guest(vmm, guest, tmp_path, "iters=30 only=exit.pio.ioeventfd.user")
    assert r.returncode == 0, r
    assert "bench-count exit.pio.ioeventfd.user events=30 iters=30 rep=0" in r.stdout
    assert windows(stats, r.stdout)["exit.pio.ioeventfd.user"][0] == 1
    r, _ = run_guest(vmm, guest, tmp_path, "iters=30 only=exc.page_fault.user")
    assert r.returncode == 0 and "bench exc.page_fault.user " in r.stdout, r


def test_idle_option_halts_after_the_rows(vmm, guest, tmp_path):
    """idle: the quiet point where bench/run.py reads the VMM's memory."""
    initrd = tmp_path / "empty.cpio"
    initrd.write_bytes(b"")
    p = subprocess.Popen([VMM, "--kernel", guest, "--initrd", str(initrd), "--cmdline",
                          "only=none idle"], stdout=subprocess.PIPE, text=True)
    try:
        lines = [p.stdout.readline() for _ in range(3)]
        assert lines[1:] == ["bench-guest: done\n", "bench-guest: idle\n"], lines
        assert p.poll() is None
    finally:
        p.kill()
        p.wait()
