"""Turns bench/run.py's rows into the markdown report and the PNG plots, and describes the
host every report must name (CPU, KVM backend, paging settings, kernel, git revision)."""
import os
import platform
import re
import socket
import subprocess

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
]
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
    if v is None:
        return "–"
    if unit == "ms":
        return f"{v:.1f}"
    return f"{v / 1000:.2f} µs" if v >= 10000 else f"{v:.0f} ns"


def _cell(row):
    if not row:
        return "–"
    return f"{_fmt(row['median'], row['unit'])} ({_fmt(row['p10'], row['unit'])}–" \
           f"{_fmt(row['p90'], row['unit'])})"


def _ratio(a, b):
    return f"{a['median'] / b['median']:.2f}×" if a and b and b["median"] else "–"


def _exit_table(by, meta):
    empty = by.get("loop.empty.vmm")
    lines = ["| operation | minivmm: median (p10–p90) | minus loop | floor | QEMU microvm | "
             "ours/floor | ours/QEMU | exits/op | emulated insns/op |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, _ in OPS:
        ours, qemu = by.get(name + ".vmm"), by.get(name + ".qemu")
        floor = by.get(name + ".floor")
        if not (ours or qemu):
            continue
        net = _fmt(ours["median"] - empty["median"]) if ours and empty and name != "loop.empty" \
            else "–"
        ex = f"{ours['exits_per_op']:.2f}" if ours and "exits_per_op" in ours else "–"
        ins = f"{ours['insn_emulation_per_op']:.1f}" if ours and "insn_emulation_per_op" in ours \
            else "–"
        lines.append(f"| `{name}` | {_cell(ours)} | {net} | {_cell(floor)} | {_cell(qemu)} | "
                     f"{_ratio(ours, floor)} | {_ratio(ours, qemu)} | {ex} | {ins} |")
    return lines


def _kvm_table(by):
    lines = ["| operation | " + " | ".join(KVM_STATS) + " |",
             "|---|" + "---|" * len(KVM_STATS)]
    for name, _ in OPS:
        r = by.get(name + ".vmm")
        if not r or "kvm_exits_per_op" not in r:
            continue
        lines.append(f"| `{name}` | " + " | ".join(
            f"{r.get(f'kvm_{s}_per_op', 0):.2f}" for s in KVM_STATS) + " |")
    return lines


def _boot_table(by):
    lines = ["| boot (exec to exit) | minivmm ms: median (p10–p90) | QEMU microvm ms | ours/QEMU |",
             "|---|---|---|---|"]
    for name, what in [("boot.empty", "bench guest powering off at once"),
                       ("boot.true", "bundled kernel, `-- /bin/true`"),
                       ("boot.prompt", "bundled kernel to the shell prompt")]:
        ours, qemu = by.get(name + ".vmm"), by.get(name + ".qemu")
        if ours or qemu:
            lines.append(f"| `{name}`: {what} | {_cell(ours)} | {_cell(qemu)} | "
                         f"{_ratio(ours, qemu)} |")
    return lines


def _plot(out, stem, by):
    """Exit costs by type, ours vs floor vs QEMU, on a log scale; None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
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
    path = os.path.join(out, stem + "-exits.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return os.path.basename(path)


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
        L += ["## The VMM's own time per exit (KVM_RUN return to the next KVM_RUN)", "",
              "| row | median (p10–p90) |", "|---|---|"]
        L += [f"| `{r['name']}` | {_cell(r)} |" for r in ov if r] + [""]
        L += ["`exit.vmm_overhead` is measured inside the `exit.pio` window (control-port "
              "marks); `.io` and `.mmio` average every exit of the run (console, marks, PIT "
              "included).", ""]
    kt = _kvm_table(by)
    if len(kt) > 2:
        L += ["## KVM statistics per operation (minivmm, from the marked windows)", ""] + kt + [""]
    bt = _boot_table(by)
    if len(bt) > 2:
        L += ["## Boot", ""] + bt + [""]
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
