#!/usr/bin/env python3
"""Per-function counts of executed guest-kernel instructions from a QEMU exec trace.

QEMU run with `-singlestep -d exec,nochain -dfilter KERNEL_RANGE` logs one "Trace" line per
executed kernel instruction (a `rep` string instruction logs one per element, as KVM's
insn_emulation counts it). This maps each address to its function with the kernel's
symbols (nm -n) and prints a table: instructions per function, entries (executions of the
function's first instruction), and the share of the total.

    kprof.py --kernel build/guest/kernel.elf LOG [--minus LOG2] [--per N] [--top N]
             [--start SYM] [--stop SYM] [--callers SYM]

--callers SYM lists where the entries of function SYM came from (the function of the
instruction executed just before each entry: the call site, or an interrupted one).
--minus subtracts a second trace's counts (a run with fewer iterations of the same
workload) and --per divides the difference: per-operation figures. --start/--stop count
only from the first entry of SYM (and up to the first entry of the stop symbol after it).
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys

KERNBASE = 0xffffffff80000000
TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
STOPPED = re.compile(r"^Stopped execution of TB chain before 0x[0-9a-f]+ \[([0-9a-f]+)\]")


def symbols(kernel):
    """Sorted (address, name) of the kernel's code symbols."""
    out = subprocess.run(["nm", "-n", kernel], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "Tt":
            syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return syms


def address_counts(log, starts=None, stop_addrs=None, watch=None):
    """Counter of executed addresses. A "Stopped ... before" line means the TB logged just
    before did not run (an interrupt was taken first): it is taken back. With watch (a
    set of addresses), also a Counter of the addresses executed just before each of them."""
    counts = collections.Counter()
    before = collections.Counter()
    prev = 0
    counting = starts is None
    with open(log, errors="replace") as f:
        for line in f:
            m = TRACE.match(line)
            if m:
                pc = int(m.group(1), 16)
                if pc < KERNBASE:          # the 32-bit entry runs at physical addresses
                    pc += KERNBASE
                if not counting:
                    if pc in starts:
                        counting = True
                    else:
                        continue
                elif stop_addrs and pc in stop_addrs:
                    break
                counts[pc] += 1
                if watch and pc in watch:
                    before[prev] += 1
                prev = pc
                continue
            m = STOPPED.match(line)
            if m and counting:
                pc = int(m.group(1), 16)
                if pc < KERNBASE:
                    pc += KERNBASE
                if counts[pc] > 0:
                    counts[pc] -= 1
    return (counts, before) if watch else counts


def by_function(counts, syms):
    """(instructions, entries) per function name."""
    addrs = [a for a, _ in syms]
    start_of = {a: n for a, n in syms}
    insns = collections.Counter()
    entries = collections.Counter()
    for pc, n in counts.items():
        i = bisect.bisect_right(addrs, pc) - 1
        name = syms[i][1] if i >= 0 else "?"
        insns[name] += n
        if pc in start_of:
            entries[name] += n
    return insns, entries


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("log")
    ap.add_argument("--minus", help="a trace whose counts are subtracted")
    ap.add_argument("--per", type=float, default=1.0, help="divide the figures by this")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--start", help="count from the first entry of this function")
    ap.add_argument("--stop", help="stop counting at the next entry of this function")
    ap.add_argument("--callers", help="where the entries of this function came from")
    a = ap.parse_args()

    syms = symbols(a.kernel)
    addr_of = collections.defaultdict(set)
    for addr, name in syms:
        addr_of[name].add(addr)
    for opt in (a.start, a.stop, a.callers):
        if opt and opt not in addr_of:
            sys.exit(f"kprof.py: no function {opt} in {a.kernel}")
    starts = addr_of[a.start] if a.start else None
    stops = addr_of[a.stop] if a.stop else None

    if a.callers:
        _, before = address_counts(a.log, starts, stops, addr_of[a.callers])
        callers, _ = by_function(before, syms)
        print(f"entries of {a.callers} by the function executed just before:")
        for name, n in callers.most_common(a.top):
            print(f"{name:<28} {n / a.per:>10.1f}")
        return
    insns, entries = by_function(address_counts(a.log, starts, stops), syms)
    if a.minus:
        i2, e2 = by_function(address_counts(a.minus, starts, stops), syms)
        insns.subtract(i2)
        entries.subtract(e2)
    total = sum(insns.values())
    print(f"kernel instructions: {total / a.per:.0f}" + (f" (per operation, /{a.per:g})"
                                                         if a.per != 1 else ""))
    print(f"{'function':<28} {'insns':>10} {'entries':>9} {'share':>6}")
    rows = sorted(insns.items(), key=lambda kv: -abs(kv[1]))
    for name, n in rows[:a.top]:
        if n == 0:
            continue
        share = 100.0 * n / total if total else 0.0
        print(f"{name:<28} {n / a.per:>10.0f} {entries[name] / a.per:>9.1f} {share:>5.1f}%")
    rest = sum(n for _, n in rows[a.top:])
    if rest:
        print(f"{'(the rest)':<28} {rest / a.per:>10.0f}")


if __name__ == "__main__":
    main()
