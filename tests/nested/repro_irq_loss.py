#!/usr/bin/env python3
"""Reproduce the QEMU defect behind issue 16 on the nested bed, without our guest kernel.

    python3 tests/nested/repro_irq_loss.py [--nudge SECS] [--repeat N] [--guest NAME]

Boots the bed (npt=1) with tiny PVH guests in its initramfs and runs `vmm --kernel GUEST`
N times (8 s limit each). The guests (32-bit, no IDT; docs/nested-bed.md has the table):
  armed    LAPIC timer armed (periodic, vector 0x40), then cli; pause loop
  masked   the same timer masked: nothing pending for the vCPU
  cli      no timer at all, cli; pause loop
With `armed` and --nudge 0, QEMU 7.2's TCG usually loses L1's pending timer interrupt:
the bed stops and run.sh's stall report shows IRR 236 undelivered. With the default nudge
(a key press every second) every run ends by its limit. Rebuilds the normal initramfs
(make nested-inputs) when done. Not part of `make test`.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"


def pvh_elf(code, entry=0x100000):
    """An ELF64 with one PT_LOAD of `code` at `entry` and a PVH note naming it (as
    tests/integration/test_cli.py's pvh_elf)."""
    ehsize, phentsize, phnum = 64, 56, 2
    offset = ehsize + phentsize * phnum
    desc = struct.pack("<I", entry)
    note = struct.pack("<III", 4, len(desc), 18) + b"Xen\0" + desc
    phdrs = struct.pack("<IIQQQQQQ", 1, 7, offset, entry, entry, len(code), len(code), 0x1000)
    phdrs += struct.pack("<IIQQQQQQ", 4, 4, offset + len(code), 0, 0, len(note), len(note), 4)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, ehsize, 0, 0, ehsize,
                             phentsize, phnum, 64, 0, 0)
    return eh + phdrs + code + note


def lapic_timer(lvt):
    """mov dword [LAPIC+reg], value: SVR enable, divide by 1, LVT timer, initial count."""
    def mov(reg, value):
        return bytes.fromhex("c705") + struct.pack("<II", 0xfee00000 + reg, value)
    return mov(0xf0, 0x1ff) + mov(0x3e0, 0xb) + mov(0x320, lvt) + mov(0x380, 0x10000)


SPIN = bytes.fromhex("fa" "f390" "ebfc")          # cli; 1: pause; jmp 1b
GUESTS = {
    "armed": lapic_timer(0x20040) + SPIN,           # periodic, vector 0x40
    "masked": lapic_timer(0x30040) + SPIN,          # the same, masked
    "cli": SPIN,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nudge", default="0", help="run.sh --nudge (default 0: off)")
    ap.add_argument("--repeat", default="3")
    ap.add_argument("--guest", default="armed", choices=sorted(GUESTS))
    a = ap.parse_args()
    kdir = BUILD / "nested/kernel"
    if not (kdir / "vmlinuz").exists() or not (BUILD / "vmm-static").exists():
        print("repro_irq_loss: run 'make nested-inputs' first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        elf = Path(tmp) / f"{a.guest}.elf"
        elf.write_bytes(pvh_elf(GUESTS[a.guest]))
        subprocess.run(["sh", str(REPO / "tests/nested/mkinitramfs.sh"),
                        str(BUILD / "nested/initramfs.cpio.gz"), str(kdir), str(BUILD),
                        f"{elf}:/spin/{a.guest}.elf"], check=True)
        r = subprocess.run(["sh", str(REPO / "tests/nested/run.sh"), "--modes", "1",
                            "--run", f"vmm --kernel /spin/{a.guest}.elf", "--repeat", a.repeat,
                            "--check-timeout", "8", "--stall", "25", "--nudge", a.nudge,
                            "--timeout", "300", "--build", str(BUILD)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = r.stdout
    print("\n".join(l for l in out.splitlines() if "nested:" in l or l.startswith("run.sh:")
                    or l.startswith("IRR") or l.startswith(("RIP=", "EIP="))))
    stopped = "run.sh: STALL" in out
    ended = sum("check FAIL" in l and "(timeout after 8s (SIGTERM))" in l
                for l in out.splitlines())
    print(f"repro_irq_loss: guest {a.guest}, nudge {a.nudge}: "
          + ("the bed STOPPED (QEMU lost the interrupt)" if stopped else
             f"the bed went on ({ended} of {a.repeat} runs ended by their limit)"))
    subprocess.run(["make", "-C", str(REPO), "--no-print-directory", "nested-inputs"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
