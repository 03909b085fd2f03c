"""Turns bench/run.py's rows into the markdown report and the PNG plots, and describes the
host every report must name (CPU, KVM backend, paging settings, kernel, git revision)."""
import os
import platform
import re
import socket
import subprocess

import report_os
from table import NONE, pyplot, ratio, save, spread, table, times

# The exit-cost rows in the order the guest runs them, with what each one measures.
OPS = [
    ("loop.empty", "dec+jnz: the benchmark loop itself (2 guest-kernel instructions)"),
    ("exit.pio", "`out` to an unclaimed port: exit to the VMM"),
    ("exit.pio_in", "`in` from an unclaimed port: exit to the VMM"),
    ("exit.pio_kernel", "`in` from the PIC (port 0x21): in-kernel device"),
    ("exit.mmio_write", "write to unclaimed MMIO (0xd0000000): exit to the VMM"),
    ("exit.mmio_read", "read of unclaimed MMIO: exit to the VMM"),
    ("exit.cpuid", "`cpuid` leaf 0"),
    ("exit.rdmsr", "`rdmsr` IA32_APIC_BASE (in KVM)"),
    ("exit.wrmsr", "`wrmsr` IA32_TSC_DEADLINE=0, else the microcode MSR (in KVM)"),
    ("exit.mov_cr3", "`mov` to %cr3 (same value)"),
    ("exit.invlpg", "`invlpg`"),
    ("exc.page_fault", "#PF on an unmapped address, guest handler, `iretq`"),
    ("irq.lapic_timer.hlt", "LAPIC one-shot (1 count) + `hlt` until it fires"),
    ("irq.lapic_timer.spin", "LAPIC one-shot, spinning with interrupts on"),
    ("irq.pit_timer.hlt", "8254 one-shot (3 port writes) + `hlt` until IRQ 0"),
    ("irq.ipi_roundtrip", "IPI to vCPU 1, which answers; vCPU 0 halts meanwhile"),
    ("exit.pio.ioeventfd", "`out` to the doorbell port: KVM_IOEVENTFD, no exit to the VMM"),
    ("exit.mmio.ioeventfd", "write to the doorbell's RING: KVM_IOEVENTFD, no exit to the VMM"),
    ("irq.irqfd_latency", "write ECHO, `hlt` until the VMM's event loop injects IRQ 13 (irqfd)"),
    ("loop.empty.user", "dec+jnz at CPL3 (native on PVM)"),
    ("exit.pio.user", "`out` to an unclaimed port from CPL3"),
    ("exit.mmio_write.user", "write to unclaimed MMIO from CPL3"),
    ("exit.cpuid.user", "`cpuid` leaf 0 from CPL3"),
    ("exc.page_fault.user", "#PF at CPL3, guest kernel handler, `iretq` back"),
    ("exit.pio.ioeventfd.user", "doorbell port write from CPL3"),
    ("exit.mmio.ioeventfd.user", "doorbell RING write from CPL3"),
]
# Rows only minivmm has (its benchmark doorbell): n/a under QEMU.
DOORBELL_ROWS = ("exit.pio.ioeventfd", "exit.mmio.ioeventfd", "irq.irqfd_latency",
                 "exit.pio.ioeventfd.user", "exit.mmio.ioeventfd.user")
KVM_STATS = ["exits", "pf_guest", "pf_fixed", "tlb_flush", "invlpg", "halt_exits",
             "irq_injections", "irq_window_exits"]


def _read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def _cmd(args, cwd=None):
    try:
        return subprocess.run(args, capture_output=True, text=True, cwd=cwd,
                              timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def host_info(root):
    """What the numbers were measured on."""
    cpu = re.search(r"^model name\s*:\s*(.*)$", _read("/proc/cpuinfo"), re.M)
    if os.path.exists("/sys/module/kvm_pvm"):
        backend, paging = "pvm", "shadow paging (PVM, no EPT/NPT)"
    elif os.path.exists("/sys/module/kvm_intel"):
        backend = "vmx"
        paging = f"kvm_intel ept={_read('/sys/module/kvm_intel/parameters/ept', '?')}"
    elif os.path.exists("/sys/module/kvm_amd"):
        backend = "svm"
        paging = f"kvm_amd npt={_read('/sys/module/kvm_amd/parameters/npt', '?')}"
    else:
        backend, paging = "unknown", "unknown"
    tdp_mmu = _read("/sys/module/kvm/parameters/tdp_mmu", "?")
    rev = _cmd(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=root)
    return {
        "hostname": socket.gethostname(), "cpu": cpu.group(1) if cpu else platform.processor(),
        "cpus": os.cpu_count(), "kvm_backend": backend,
        "paging": f"{paging}, kvm tdp_mmu={tdp_mmu}", "kernel": platform.release(),
        "git_rev": rev or "unknown", "qemu": (_cmd(["qemu-system-x86_64", "--version"])
                                              .splitlines() or ["none"])[0],
    }


def _fmt(v, unit="ns"):
    """A value of an exit-cost or boot row: ns, µs from 10 µs on, or ms as they are."""
    if v is None:
        return NONE
    if unit == "ms":
        return f"{v:.1f}"
    return f"{v / 1000:.2f} µs" if v >= 10000 else f"{v:.0f} ns"


def _cell(row):
    return spread(row, _fmt)


def _ratio(a, b):
    return times(ratio(a, b))


def _exit_table(by, meta):
    rows = []
    for name, _ in OPS:
        ours, qemu = by.get(name + ".vmm"), by.get(name + ".qemu")
        floor = by.get(name + ".floor")
        if not (ours or qemu):
            continue
        # A user row's loop runs at CPL3 (native on PVM): subtract that loop.
        empty = by.get("loop.empty.user.vmm" if name.endswith(".user") else "loop.empty.vmm")
        net = _fmt(ours["median"] - empty["median"]) if ours and empty and \
            not name.startswith("loop.empty") else NONE
        ex = f"{ours['exits_per_op']:.2f}" if ours and "exits_per_op" in ours else NONE
        ins = f"{ours['insn_emulation_per_op']:.1f}" if ours and "insn_emulation_per_op" in ours \
            else NONE
        qcell = "n/a" if name in DOORBELL_ROWS and not qemu else _cell(qemu)
        rows.append([f"`{name}`", _cell(ours), net, _cell(floor), qcell, _ratio(ours, floor),
                     _ratio(ours, qemu), ex, ins])
    return table(["operation", "minivmm: median (p10–p90)", "minus loop", "floor",
                  "QEMU microvm", "ours/floor", "ours/QEMU", "exits/op", "emulated insns/op"],
                 rows)


def _doorbell_table(by):
    """Counters, not times: the doorbell counted every write, the VMM saw no exit."""
    rows = []
    for name in DOORBELL_ROWS:
        r = by.get(name + ".vmm")
        if r and "events_per_op" in r:
            rows.append([f"`{name}`", f"{r['events_per_op']:.2f}",
                         f"{r.get('exits_per_op', float('nan')):.2f}",
                         f"{r.get('kvm_exits_per_op', float('nan')):.2f}"])
    return table(["operation", "doorbell events/op", "VMM exits/op", "KVM exits/op"], rows)


def _user_table(by):
    """The same operation from guest CPL0 and CPL3 (PVM emulates the first, not the second)."""
    rows = []
    for name, _ in OPS:
        if not name.endswith(".user"):
            continue
        k, u = by.get(name[:-5] + ".vmm"), by.get(name + ".vmm")
        if u:
            rows.append([f"`{name[:-5]}`", _cell(k), _cell(u), _ratio(u, k),
                         _cell(by.get(name + ".qemu")) if name not in DOORBELL_ROWS else "n/a"])
    return table(["operation", "CPL0 (kernel)", "CPL3 (user)", "user/kernel", "QEMU CPL3"],
                 rows)


def _kvm_table(by):
    rows = []
    for name, _ in OPS:
        r = by.get(name + ".vmm")
        if not r or "kvm_exits_per_op" not in r:
            continue
        rows.append([f"`{name}`"] + [f"{r.get(f'kvm_{s}_per_op', 0):.2f}" for s in KVM_STATS])
    return table(["operation"] + KVM_STATS, rows)


def _boot_table(by):
    rows = []
    for name, what in [("boot.empty", "bench guest powering off at once"),
                       ("boot.true", "bundled kernel and disk, `-- /bin/true`, to exit"),
                       ("boot.prompt", "bundled kernel and disk to the shell's `$ `")]:
        ours, qemu = by.get(name + ".vmm"), by.get(name + ".qemu")
        if ours or qemu:
            aim = NONE
            if name in ("boot.true", "boot.prompt"):
                q = ratio(ours, qemu)
                aim = "≤ 0.5×" + ("" if q is None else " (met)" if q <= 0.5 else " (missed)")
            rows.append([f"`{name}`: {what}", _cell(ours), _cell(qemu), _ratio(ours, qemu), aim])
    return table(["boot (from exec)", "minivmm ms: median (p10–p90)", "QEMU microvm ms",
                  "ours/QEMU", "aim"], rows)


def _plot(out, stem, by):
    """Exit costs by type, ours vs floor vs QEMU, on a log scale; None without matplotlib."""
    plt = pyplot()
    if not plt:
        return None
    names = [n for n, _ in OPS if n + ".vmm" in by or n + ".qemu" in by]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 1.5))
    h = 0.27
    for k, (who, color) in enumerate([("vmm", "tab:blue"), ("floor", "tab:gray"),
                                      ("qemu", "tab:orange")]):
        ys, xs, lo, hi = [], [], [], []
        for i, n in enumerate(names):
            r = by.get(f"{n}.{who}")
            if r:
                ys.append(i + (k - 1) * h)
                xs.append(r["median"] / 1000)
                lo.append((r["median"] - r["p10"]) / 1000)
                hi.append((r["p90"] - r["median"]) / 1000)
        if xs:
            ax.barh(ys, xs, h, xerr=[lo, hi], color=color,
                    label={"vmm": "minivmm", "floor": "raw floor", "qemu": "QEMU microvm"}[who])
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("µs per operation (median, p10–p90)")
    ax.legend(loc="lower right")
    ax.set_title("Exit costs by type")
    fig.tight_layout()
    return save(plt, fig, out, stem + "-exits.png")


NESTED_OPS = ["loop.empty", "exit.pio", "exit.mmio_write", "exit.cpuid", "exit.mov_cr3",
              "exit.invlpg", "exc.page_fault", "exc.page_fault.user", "exit.pio.user",
              "exit.pio.ioeventfd", "irq.lapic_timer.hlt", "irq.irqfd_latency"]
NESTED_STATS = ["kvm_exits", "vmm_exits", "kvm_pf_guest", "kvm_pf_fixed", "kvm_tlb_flush",
                "kvm_invlpg", "kvm_insn_emulation"]


def _nested_tables(by, meta):
    """Per-operation KVM counters on the nested kvm_amd, npt=1 beside npt=0."""
    if not any(k.startswith("nested.") for k in by):
        return []
    n = meta.get("nested", {})
    L = ["## Paging on a standard KVM: nested kvm_amd, npt=1 vs npt=0", "",
         f"{n.get('bed', 'tests/nested')}; {n.get('iters', '?')} iterations per row, "
         f"{n.get('seconds', 0):.0f} s for both modes (`make bench-nested`). Counters are real "
         "KVM behaviour; **times are TCG emulation** (marked *emulated*), not hardware.", ""]
    cell = lambda r, k: f"{r[k]:.2f}" if r and k in r else NONE  # noqa: E731
    t = lambda r: _fmt(r["median"]) if r and r.get("median") else NONE  # noqa: E731
    rows = []
    for op in NESTED_OPS + ["os." + n for n, _ in report_os.OS_OPS]:
        a, b = by.get(f"nested.npt1.{op}"), by.get(f"nested.npt0.{op}")
        if not (a or b):
            continue
        rows.append([f"`{op}`"] + [f"{cell(a, s + '_per_op')} / {cell(b, s + '_per_op')}"
                                   for s in NESTED_STATS] + [f"{t(a)} / {t(b)}"])
    L += table(["operation"] + [f"{s.replace('kvm_', '')}/op npt=1 / npt=0"
                                for s in NESTED_STATS] + ["time (emulated) npt=1 / 0"], rows)
    a, b = by.get("nested.npt1.run"), by.get("nested.npt0.run")
    if a or b:
        keys = sorted({k for r in (a, b) if r for k in r
                       if k.startswith(("run_", "vm_mmu_", "vm_pages_"))})
        L += ["", "Whole run of every row (boot and calibration included): KVM's totals.", ""]
        L += table(["counter", "npt=1", "npt=0"],
                   [[f"`{k.split('_', 1)[1]}`", str((a or {}).get(k, NONE)),
                     str((b or {}).get(k, NONE))] for k in keys])
    mmu = [k for op in NESTED_OPS for r in [by.get(f"nested.npt0.{op}")] if r
           for k in r if k.startswith("vm_mmu_") and r[k]]
    L += ["", "Whole-VM counters per operation (`mmu_*`, from a run of the row alone minus a "
          "run with none): " + (", ".join(sorted(set(mmu))) if mmu else
                                "all 0 for these rows (the bench guest's page tables never "
                                "change, so KVM's shadow pages are built once)") + ".", ""]
    png = _plot_nested(by)
    if png:
        L += [f"![paging counters]({png})", ""]
    return L


def _plot_nested(by, out=None, stem=None):
    """Per-operation counters, npt=1 vs npt=0, one panel per counter."""
    if out is None:
        out, stem = _plot_nested.out, _plot_nested.stem
    plt = pyplot()
    if not plt:
        return None
    ops = [op for op in NESTED_OPS if f"nested.npt1.{op}" in by or f"nested.npt0.{op}" in by]
    stats = ["kvm_exits", "kvm_tlb_flush", "kvm_invlpg", "kvm_pf_guest", "kvm_insn_emulation"]
    fig, axes = plt.subplots(1, len(stats), figsize=(3.2 * len(stats), 0.4 * len(ops) + 1.8),
                             sharey=True)
    for ax, st in zip(axes, stats):
        for k, (npt, color) in enumerate([("1", "tab:green"), ("0", "tab:red")]):
            xs = [by.get(f"nested.npt{npt}.{op}", {}).get(st + "_per_op", 0) for op in ops]
            ax.barh([i + (k - 0.5) * 0.4 for i in range(len(ops))], xs, 0.4, color=color,
                    label=f"npt={npt}")
        ax.set_title(st.replace("kvm_", "") + " / op")
        ax.set_yticks(range(len(ops)))
        ax.set_yticklabels(ops)
        ax.invert_yaxis()
    axes[0].legend(loc="lower right")
    fig.suptitle("KVM counters per operation, nested kvm_amd: npt=1 (NPT) vs npt=0 (shadow)")
    fig.tight_layout()
    return save(plt, fig, out, stem + "-paging.png")


def write(out, stem, meta, rows):
    """Write <stem>.md (and the plot) into out; returns the markdown's path."""
    by = {r["name"]: r for r in rows}
    h = meta["host"]
    L = [f"# minivmm benchmarks: {h['hostname']}, {meta['date']}", "",
         f"- CPU: {h['cpu']} ({h['cpus']} host CPUs)",
         f"- KVM backend: **{h['kvm_backend']}**; paging: {h['paging']}",
         f"- kernel {h['kernel']}; minivmm {h['git_rev']}; {h['qemu']}",
         f"- {meta['rounds']} interleaved rounds (minivmm, floor, QEMU), ~{meta['run_ms']} ms "
         f"per timed run{', QUICK' if meta['quick'] else ''}; {meta['seconds']:.0f} s in all",
         ""]
    if h["kvm_backend"] == "pvm":
        L += ["> PVM host: guest-kernel instructions are emulated (~0.5 µs each), so every row "
              "includes its loop's emulated instructions (see `loop.empty`, and the *minus "
              "loop* column). Compare ratios and exit counts, not absolute times, with a "
              "VT-x/AMD-V host (docs/measuring.md).", ""]
    L += ["## Exit costs (ns per operation)", ""] + _exit_table(by, meta) + [""]
    L += ["The floor (bench/floor.c) loops `out; jmp` in real mode with one KVM_RUN per exit "
          "and nothing else; ours loops `out; dec; jnz` in long mode.", ""]
    ov = [by.get(n) for n in ("exit.vmm_overhead", "exit.vmm_overhead.io",
                              "exit.vmm_overhead.mmio")]
    if any(ov):
        L += ["## The VMM's own time per exit (KVM_RUN return to the next KVM_RUN)", ""]
        L += table(["row", "median (p10–p90)"],
                   [[f"`{r['name']}`", _cell(r)] for r in ov if r]) + [""]
        L += ["`exit.vmm_overhead` is measured inside the `exit.pio` window (control-port "
              "marks); `.io` and `.mmio` average every exit of the run (console, marks, PIT "
              "included).", ""]
    dt = _doorbell_table(by)
    if len(dt) > 2:
        L += ["## ioeventfd and irqfd (minivmm's benchmark doorbell)", ""] + dt + [""]
        L += ["Each write is caught by KVM_IOEVENTFD and counted by the VMM's event loop: the "
              "window of the loop holds only the start mark's own exit (0 per write). "
              "`irq.irqfd_latency` is write → event-loop thread → KVM_IRQFD → guest handler.",
              ""]
    ut = _user_table(by)
    if len(ut) > 2:
        L += ["## Guest user mode (CPL3) against guest kernel mode", ""] + ut + [""]
    mem = [by.get(n) for n in ("vmm.rss_overhead", "vmm.private_overhead")]
    if any(mem):
        L += ["## VMM memory (KiB, the bench guest idling; guest RAM excluded)", ""]
        L += table(["row", "median (p10–p90)"],
                   [[f"`{r['name']}`", spread(r, lambda v, u: f"{v:.0f}")]
                    for r in mem if r]) + [""]
        L += ["`vmm.rss_overhead`: the process RSS minus the guest RAM mapping's RSS (shared "
              "library pages included); `vmm.private_overhead`: private pages only. Aim: "
              "≤ 3 MiB.", ""]
    kt = _kvm_table(by)
    if len(kt) > 2:
        L += ["## KVM statistics per operation (minivmm, from the marked windows)", ""] + kt + [""]
    _plot_nested.out, _plot_nested.stem = out, stem
    L += _nested_tables(by, meta)
    bt = _boot_table(by)
    if len(bt) > 2:
        L += ["## Boot", ""] + bt + [""]
        L += ["Wall time measured by bench/run.py from exec of the VMM; `boot.prompt` ends "
              "when `$ ` appears on the console, `boot.true` when the VMM exits. Both VMMs "
              "boot the same kernel, initrd and a copy of the bundled disk.", ""]
    L += report_os.section(by, meta, out, stem)
    png = _plot(out, stem, by)
    L += [f"![exit costs]({png})", ""] if png else ["(no plot: python3-matplotlib is missing)",
                                                    ""]
    missing = dict(meta.get("skipped", {}))
    if meta.get("qemu"):
        missing["*.qemu"] = meta["qemu"]
    if missing or meta.get("errors"):
        L += ["## Not measured", ""]
        L += [f"- `{k}`: {v}" for k, v in sorted(missing.items())]
        L += [f"- error: {e}" for e in meta.get("errors", [])] + [""]
    L += ["## Commands", ""] + [f"- {k}: `{v}`" for k, v in sorted(meta["commands"].items())]
    path = os.path.join(out, stem + ".md")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
    return path
