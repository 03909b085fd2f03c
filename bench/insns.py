#!/usr/bin/env python3
"""Emulated guest-kernel instructions (KVM's insn_emulation) of a boot to /bin/true, with
and without the disk, and per operation of each /bin/osbench row: the row runs at scale 1
and scale 3 under `build/vmm --stats`, and the difference of the two runs' counters is
divided by the difference of their iteration counts (the boot and the row's setup cancel
out). The disk runs use a copy of build/guest/disk.img (the bundled image may be in use).
Prints a markdown table. On a host whose KVM does not emulate kernel code the
counts are near 0.

    bench/insns.py [--vmm build/vmm] [--runs N] [--rows ROW,...]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = ["null_syscall", "pipe_roundtrip", "fork_exit_wait", "fork_exec_wait",
        "demand_zero_fault", "cow_fault"]


def run(vmm, args):
    """(insn_emulation of vCPU 0, guest ms, console output) of one vmm run."""
    with tempfile.NamedTemporaryFile(suffix=".json") as st:
        r = subprocess.run([vmm, "--stats", st.name, *args], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace", timeout=300)
        if r.returncode != 0:
            sys.exit(f"insns.py: vmm {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
        d = json.load(open(st.name))
    kvm = d["per_vcpu"][0]["kvm"]
    return kvm["insn_emulation"], d["time"]["guest_ns"] / 1e6, r.stdout


def iters(out, row):
    m = re.search(rf"^osbench {row} ns=(\d+) iters=(\d+)", out, re.M)
    if not m:
        sys.exit(f"insns.py: osbench printed no {row} row:\n{out}")
    return int(m.group(2)), int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vmm", default=os.path.join(ROOT, "build", "vmm"))
    ap.add_argument("--runs", type=int, default=3, help="median of this many runs")
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--disk", default=os.path.join(ROOT, "build", "guest", "disk.img"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    disk = os.path.join(tmp, "disk.img")
    shutil.copyfile(a.disk, disk)

    print("| what | emulated kernel instructions | guest time |")
    print("|---|---:|---:|")
    for label, args in (("boot to /bin/true, disk", ["--disk", disk, "--", "/bin/true"]),
                        ("boot to /bin/true, --no-disk", ["--no-disk", "--", "/bin/true"])):
        res = [run(a.vmm, args) for _ in range(a.runs)]
        print(f"| {label} | {statistics.median(r[0] for r in res):.0f} | "
              f"{statistics.median(r[1] for r in res):.0f} ms |")
    for row in a.rows.split(","):
        per = []
        ns = []
        for _ in range(a.runs):
            i1, _, o1 = run(a.vmm, ["--no-disk", "--", "/bin/osbench", "-n", "1", row])
            i3, _, o3 = run(a.vmm, ["--no-disk", "--", "/bin/osbench", "-n", "3", row])
            n1, _ = iters(o1, row)
            n3, t3 = iters(o3, row)
            per.append((i3 - i1) / (n3 - n1))
            ns.append(t3)
        print(f"| osbench {row} (per operation) | {statistics.median(per):.0f} | "
              f"{statistics.median(ns) / 1000:.1f} µs |")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
