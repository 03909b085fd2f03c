"""The guest-OS benchmark programs of `make bench` (/bin/osbench, /bin/blkbench) and the mark
system call they bracket their timed loops with: every row prints its line, its marks reach
`vmm --stats`, and bench/guestos.py turns both into rows. No timing checks: benchmarks are
measured by `make bench`, never asserted."""
import json
import os
import re
import sys

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import guestos  # noqa: E402

OSLINE = re.compile(r"^osbench (\S+) ns=(\d+) iters=(\d+) mark=(0x[0-9a-f]+)$")
BLKLINE = re.compile(r"^blkbench (\S+) ns=(\d+) iters=(\d+) procs=(\d+) bytes=(\d+) "
                     r"mark=(0x[0-9a-f]+)$")


def marks(path):
    return {m["id"]: m for m in json.load(open(path))["marks"]}


def test_osbench_rows_are_bracketed_by_marks(vmm, disk, tmp_path):
    """Every row prints its line naming its mark; the start and end marks of the window are
    in --stats, each row's window holds at least one emulated instruction per operation,
    and a row that forks shows its page-table work in KVM's counters."""
    stats = tmp_path / "s.json"
    r = vmm("--disk", disk, "--stats", str(stats), "--", "/bin/osbench", timeout=240)
    assert r.returncode == 0, r
    rows = {m.group(1): m for m in map(OSLINE.match, r.stdout.splitlines()) if m}
    assert list(rows) == list(guestos.OSBENCH), r.stdout
    st = json.load(open(stats))
    ms = marks(stats)
    for name, m in rows.items():
        mark, iters = int(m.group(4), 16), int(m.group(3))
        assert mark in ms and mark | 0x80 in ms, (name, sorted(ms))
        assert ms[mark | 0x80]["ns"] > ms[mark]["ns"]
        # Named by the row (CTL_MARK_NAME), the end too.
        assert (ms[mark].get("name"), ms[mark | 0x80].get("name")) == (name, name + ".end")
        assert guestos.per_op(st, mark, iters)["insn_emulation_per_op"] >= 1, name
    fork = rows["fork_exit_wait"]
    w = guestos.per_op(st, int(fork.group(4), 16), int(fork.group(3)))
    assert w["kvm_tlb_flush_per_op"] >= 1, w


def test_blkbench_prints_every_row_on_a_scratch_disk(vmm, disk, tmp_path):
    """Two disks: the raw rows go to the second, the fs rows to the root file system, and
    the files the fs rows made are gone afterwards."""
    scratch = tmp_path / "scratch.img"
    scratch.write_bytes(b"\x5a" * (4 << 20))
    stats = tmp_path / "s.json"
    r = vmm("--disk", disk, "--disk", str(scratch), "--stats", str(stats), "--",
            "/bin/blkbench", timeout=240)
    assert r.returncode == 0, r
    rows = {m.group(1): m for m in map(BLKLINE.match, r.stdout.splitlines()) if m}
    assert list(rows) == list(guestos.BLKBENCH), r.stdout
    assert rows["randread.qd16"].group(4) == "16" and rows["randread.qd1"].group(4) == "1"
    assert rows["seqwrite"].group(5) == "4096" and rows["create"].group(5) == "0"
    ms = marks(stats)
    assert all(int(m.group(6), 16) | 0x80 in ms for m in rows.values())
    assert all(ms[int(m.group(6), 16)].get("name") == name for name, m in rows.items())
    r = vmm("--disk", disk, "--", "/bin/ls", "/", timeout=60)
    assert "blkbench" not in r.stdout, r.stdout


def test_blkbench_never_uses_the_root_disk_raw(vmm, disk):
    """With only the root disk the raw rows are skipped (diskio writes there would corrupt
    the mounted file system); the file-system rows still run."""
    r = vmm("--disk", disk, "--", "/bin/blkbench", "randwrite.qd1", "fsync", timeout=120)
    assert r.returncode == 0, r
    assert "blkbench-skip randwrite.qd1: only the root disk" in r.stdout, r.stdout
    assert any(l.startswith("blkbench fsync ns=") for l in r.stdout.splitlines()), r.stdout


def test_guestos_turns_lines_and_marks_into_rows():
    """bench/guestos.py: the stable names, the units (rates from ns per op) and the
    counters per operation from a mark window."""
    class S:
        def __init__(self):
            self.rows, self.skips = {}, {}

        def add(self, name, value, unit="ns", **extra):
            self.rows[name] = (value, unit, extra)

        def skip(self, name, why):
            self.skips[name] = why

    g = guestos.GuestOS.__new__(guestos.GuestOS)
    g.s = S()
    stats = {"marks": [
        {"id": 0xc0100, "exits": 10, "insn_emulation": 1000, "kvm": {"exits": 50}},
        {"id": 0xc0180, "exits": 14, "insn_emulation": 9000, "kvm": {"exits": 90}}]}

    class R:
        returncode = 0
        stderr = ""
        stdout = ("blkbench randread.qd1 ns=250000 iters=4 procs=1 bytes=4096 mark=0xc0100\n"
                  "blkbench seqread ns=4096000 iters=8 procs=1 bytes=4096 mark=0xc0500\n"
                  "blkbench-skip fsync: an operation failed (EIO)\n")
    g.record("blkbench", "vmm", R, stats)
    v, unit, extra = g.s.rows["blk.randread.qd1.vmm"]
    assert (v, unit) == (4000, "IOPS")
    assert extra["insn_emulation_per_op"] == 2000 and extra["exits_per_op"] == 1
    assert extra["kvm_exits_per_op"] == 10
    v, unit, extra = g.s.rows["blk.seqread.vmm"]
    assert unit == "MB/s" and abs(v - 1.0) < 1e-9 and "insn_emulation_per_op" not in extra
    assert g.s.skips["fs.fsync.vmm"] == "an operation failed (EIO)"
    assert "fs.create.vmm" in g.s.skips


def test_osbench_unknown_row_is_an_error_listing_the_rows(vmm):
    r = vmm("--no-disk", "--", "/bin/osbench", "null_syscall", "bogus_row")
    assert r.returncode == 2, r
    assert "osbench: no row 'bogus_row'; rows: null_syscall pipe_roundtrip" in r.stdout + r.stderr
    assert "osbench null_syscall" not in r.stdout, "a row ran before the bad name was noticed"
