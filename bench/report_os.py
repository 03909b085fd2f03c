"""The guest-OS part of the benchmark report: tables of /bin/osbench and /bin/blkbench rows
(minivmm against QEMU, with the emulated kernel instructions and KVM exits per operation
from the marked windows) and the plot of both VMMs' cost per operation."""
from table import NONE, pyplot, ratio, save, spread, table, times

# (row, what one operation is), in the report's order.
OS_OPS = [
    ("syscall.null", "getpid() through the gate"),
    ("pipe.roundtrip", "1 byte to a child and back over two pipes"),
    ("ctxswitch", "one switch between two processes yielding to each other"),
    ("fork.exit.wait", "fork, the child exits, the parent waits"),
    ("fork.exec.wait", "fork, exec /bin/true, wait"),
    ("fault.demand_zero", "first write to a page of fresh anonymous memory"),
    ("fault.cow", "first write to a page shared with the parent after fork"),
]
IO_OPS = [
    ("blk.randread.qd1", "4 KiB random reads, raw device, 1 in flight"),
    ("blk.randread.qd16", "4 KiB random reads, 16 processes at depth 1"),
    ("blk.randwrite.qd1", "4 KiB random writes, 1 in flight"),
    ("blk.randwrite.qd16", "4 KiB random writes, 16 processes at depth 1"),
    ("blk.seqread", "ascending 4 KiB reads, 1 in flight"),
    ("blk.seqwrite", "ascending 4 KiB writes, 1 in flight"),
    ("fs.fsync", "rewrite 4 KiB of a file + fsync (latency)"),
    ("fs.create", "create an empty file (open O_CREAT + close), one sync at the end"),
]
# Rows where the aim is stated: ours/QEMU at least 1.2 (rates: higher is better).
IO_AIM = {"blk.randread.qd16": 1.2, "blk.randwrite.qd16": 1.2}


def fmt(v, unit):
    """A value of a guest-OS row: ns up to ms, or a rate."""
    if v is None:
        return NONE
    if unit == "ns":
        if v >= 1e6:
            return f"{v / 1e6:.2f} ms"
        return f"{v / 1000:.1f} µs" if v >= 10000 else f"{v:.0f} ns"
    if unit == "MB/s":
        return f"{v:.2f} MB/s"
    return f"{v:.0f} {unit}" if v >= 100 else f"{v:.1f} {unit}"


def cell(r):
    return spread(r, fmt)


def _counters(r):
    """Emulated instructions, KVM exits and VMM exits per operation, from the marks."""
    if not r or "insn_emulation_per_op" not in r:
        return [NONE] * 3
    return [f"{r['insn_emulation_per_op']:.0f}", f"{r.get('kvm_exits_per_op', 0):.1f}",
            f"{r.get('exits_per_op', 0):.2f}"]


COUNTER_HEAD = ["emulated insns/op", "KVM exits/op", "VMM exits/op"]


def os_table(by):
    rows = []
    for name, what in OS_OPS:
        ours, qemu = by.get(name + ".vmm"), by.get(name + ".qemu")
        if ours or qemu:
            q = ratio(ours, qemu) or None          # a median of 0 gives no ratio either
            rows.append([f"`{name}`", what, cell(ours), cell(qemu), times(q)] +
                        _counters(ours))
    return table(["operation", "what", "minivmm: median (p10–p90)", "QEMU microvm",
                  "ours/QEMU"] + COUNTER_HEAD, rows)


# The rows run under both --mmu modes (bench/guestos.py SHADOW_ROWS), in the report's order.
MMU_OPS = ["fork.exit.wait", "fork.exec.wait", "fault.demand_zero", "fault.cow", "ctxswitch"]


def mmu_table(by):
    """--mmu direct against --mmu shadow on this host, with the exits to the VMM per
    operation (under shadow mostly trapped page-table writes and CTL_CR3 loads)."""
    rows = []
    what = dict(OS_OPS)
    for name in MMU_OPS:
        direct, shadow = by.get(name + ".vmm"), by.get(name + ".shadow")
        if not shadow:
            continue
        d, s = _counters(direct), _counters(shadow)
        rows.append([f"`{name}`", what[name], cell(direct), cell(shadow),
                     times(ratio(shadow, direct) or None), d[2], s[2], d[0], s[0]])
    return table(["operation", "what", "--mmu direct", "--mmu shadow", "shadow/direct",
                  "VMM exits/op direct", "VMM exits/op shadow", "emulated insns/op direct",
                  "emulated insns/op shadow"], rows)


def io_table(by):
    rows = []
    for name, what in IO_OPS:
        ours, qemu = by.get(name + ".vmm"), by.get(name + ".qemu")
        if not (ours or qemu):
            continue
        q = ratio(ours, qemu) or None
        aim = IO_AIM.get(name)
        met = NONE if not aim else (f"≥ {aim}× " + ("(met)" if q and q >= aim else "(missed)"
                                                     if q else ""))
        rows.append([f"`{name}`", what, cell(ours), cell(qemu), times(q), met] +
                    _counters(ours))
    return table(["row", "what", "minivmm: median (p10–p90)", "QEMU microvm", "ours/QEMU",
                  "aim"] + COUNTER_HEAD, rows)


def section(by, meta, out, stem):
    """The markdown lines of the guest-OS section (empty without any of its rows)."""
    L = []
    ot, it = os_table(by), io_table(by)
    if len(ot) > 2:
        L += ["## Guest OS operations (the bundled kernel, /bin/osbench)", "",
              "Time per operation inside the guest, rdtsc-timed by the program; the same "
              "kernel, initrd and disk image under QEMU `-M microvm -accel kvm`. ours/QEMU "
              "below 1 is faster. *emulated insns/op* is KVM's `insn_emulation` over the "
              "marked window (SYS_mark) divided by the operations: on PVM every guest-kernel "
              "instruction is emulated, so this is the kernel path's length.", ""] + ot + [""]
    mt = mmu_table(by)
    if len(mt) > 2:
        L += ["## Paging: `--mmu direct` against `--mmu shadow` (docs/paging.md)", "",
              "The same osbench rows with the VMM's own shadow MMU: every guest page-table "
              "write traps (an MMIO exit) and every CR3 load is a `CTL_CR3` exit, so the "
              "VMM exits per operation are mostly those. On PVM, `--mmu direct` is KVM's own "
              "shadow paging; there the shadow mode stacks ours under KVM's. shadow/direct "
              "above 1 is slower.", ""] + mt + [""]
    if len(it) > 2:
        L += ["## Block and file I/O (issue 4, /bin/blkbench)", "",
              "`blk.*` on a second, scratch disk through the `diskio` system call (4 KiB, "
              "straight into a user page); depth 16 is 16 processes at depth 1 each. `fs.*` "
              "on the root file system (a copy of build/guest/disk.img). Rates (IOPS, MB/s, "
              "files/s): ours/QEMU above 1 is faster; `fs.fsync` is a latency: below 1 is "
              "faster.", ""] + it + [""]
    png = plot(out, stem, by)
    if png:
        L += [f"![guest OS operations]({png})", ""]
    return L


def plot(out, stem, by):
    """µs per operation for every guest-OS and I/O row, minivmm vs QEMU, log scale."""
    plt = pyplot()
    if not plt:
        return None
    names = [n for n, _ in OS_OPS + IO_OPS if n + ".vmm" in by or n + ".qemu" in by]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(names) + 1.5))
    h = 0.38
    for k, (who, color, label) in enumerate([("vmm", "tab:blue", "minivmm"),
                                             ("qemu", "tab:orange", "QEMU microvm")]):
        ys, xs = [], []
        for i, n in enumerate(names):
            r = by.get(f"{n}.{who}")
            if r and r.get("ns_per_op"):
                ys.append(i + (k - 0.5) * h)
                xs.append(r["ns_per_op"] / 1000)
        if xs:
            ax.barh(ys, xs, h, color=color, label=label)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("µs per operation (median run; I/O rows: window / operations)")
    ax.legend(loc="lower right")
    ax.set_title("Guest OS operations: minivmm vs QEMU, same kernel and disk")
    fig.tight_layout()
    return save(plt, fig, out, stem + "-guestos.png")
