#!/usr/bin/python3
"""make bench-nested: the benchmark guest on a standard KVM -- Debian's kvm_amd inside QEMU
(TCG, nested SVM, tests/nested) -- with npt=1 (nested paging) and npt=0 (KVM's shadow
paging). Reports KVM's counters per operation (exits, pf_fixed, invlpg, tlb_flush,
insn_emulation, mmu_*), which are real KVM behaviour there, and its times, which are TCG
emulation (rows carry "emulated": true). Rows `nested.npt1.<op>` / `nested.npt0.<op>` are
merged into bench/results/<host>-<date>.json (replacing earlier nested rows), and the
report is written again with the paging tables and plot."""
import argparse
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import guestos  # noqa: E402
import report  # noqa: E402
from run import mark_windows  # noqa: E402

# Counters per operation: vCPU ones from the marks, VM ones from whole-run differences.
# (Whole-run differences of exit counts are left out: the guest's PIT calibration makes
# them vary by hundreds from run to run; the marks give those exactly.)
VCPU_STATS = ["pf_taken", "pf_emulate", "pf_fixed", "pf_guest", "tlb_flush", "invlpg"]
RUN_STATS = ["exits", "io_exits", "mmio_exits", "halt_exits", "pf_taken", "pf_fixed",
             "pf_guest", "pf_emulate", "tlb_flush", "invlpg", "insn_emulation"]
VM_STATS = ["mmu_shadow_zapped", "mmu_pte_write", "mmu_pde_zapped", "mmu_flooded",
            "mmu_recycled", "mmu_cache_miss", "mmu_unsync", "remote_tlb_flush"]
PAGING_OPS = ["loop.empty", "exit.mov_cr3", "exit.invlpg", "exc.page_fault",
              "exc.page_fault.user"]
GUEST_LINE = re.compile(r"^bench (\S+) cycles=(\d+) iters=(\d+)")


def parse_console(text):
    """{npt: {run name: (guest output, stats dict or None)}} from the bed's console."""
    runs, cur = {}, None
    for raw in text.splitlines():
        line = re.sub(r"^\s*\| ?", "", raw.rstrip("\r"))
        m = re.match(r"^benchnested: begin npt=(\S+) run=(\S+)", line)
        if m:
            npt = {"Y": "1", "N": "0"}.get(m.group(1), m.group(1))
            cur = {"npt": npt, "name": m.group(2), "out": [], "stats": [], "in": "out"}
        elif cur and line == "benchnested: stats":
            cur["in"] = "stats"
        elif cur and line == "benchnested: end":
            try:
                stats = json.loads("\n".join(cur["stats"]))
            except ValueError:
                stats = None
            runs.setdefault(cur["npt"], {})[cur["name"]] = ("\n".join(cur["out"]), stats)
            cur = None
        elif cur:
            cur[cur["in"]].append(line)
    return runs


def vcpu_totals(stats):
    tot = {}
    for v in stats.get("per_vcpu", []):
        for k, x in v.get("kvm", {}).items():
            if isinstance(x, int):
                tot[k] = tot.get(k, 0) + x
    return tot


def rows_for_mode(npt, runs):
    """The nested.npt<M>.* rows of one mode."""
    rows = {}
    out, stats = runs.get("all", ("", None))
    tsc = re.search(r"tsc_khz=(\d+)", out)
    tsc = int(tsc.group(1)) if tsc else 0
    names = list(dict.fromkeys(l.split()[1].rstrip(":") for l in out.splitlines()
                               if l.startswith(("bench ", "bench-skip "))))
    windows = mark_windows(stats or {}, names)
    for line in out.splitlines():
        m = GUEST_LINE.match(line)
        if not m or not tsc:
            continue
        op, cycles, iters = m.group(1), int(m.group(2)), int(m.group(3))
        r = {"name": f"nested.npt{npt}.{op}", "unit": "ns", "emulated": True, "n": 1,
             "iters": iters, "median": cycles * 1e6 / (tsc * iters)}
        r["p10"] = r["p90"] = r["median"]
        w = (windows.get(op) or [None])[0]
        if w:
            r["vmm_exits_per_op"] = w["exits"] / iters
            r["kvm_insn_emulation_per_op"] = w["insn_emulation"] / iters
            for k, v in w.items():
                if k.startswith("kvm_"):
                    r[k + "_per_op"] = v / iters
        rows[op] = r
    if stats:
        # The whole run (boot, calibration and every row): where shadow paging shows.
        t, vm = vcpu_totals(stats), stats.get("kvm_vm", {})
        r = {"name": f"nested.npt{npt}.run", "unit": "count", "emulated": True, "n": 1,
             "median": t.get("exits", 0)}
        r["p10"] = r["p90"] = r["median"]
        r.update({f"run_{k}": t.get(k, 0) for k in RUN_STATS})
        r.update({f"vm_{k}": v for k, v in vm.items() if k.startswith(("mmu_", "pages_"))})
        rows["run"] = r
    os_out, os_stats = runs.get("osbench", ("", None))
    for line in os_out.splitlines():
        m = re.match(r"^osbench (\S+) ns=([\d.]+) iters=(\d+)(?: mark=(0x[0-9a-f]+))?", line)
        if m and m.group(1) in guestos.OSBENCH:
            name, iters = guestos.OSBENCH[m.group(1)][0], int(m.group(3))
            r = {"name": f"nested.npt{npt}.os.{name}", "unit": "ns", "emulated": True,
                 "n": 1, "median": float(m.group(2)), "iters": iters}
            r["p10"] = r["p90"] = r["median"]
            w = guestos.per_op(os_stats, int(m.group(4) or "0", 16), iters)
            if w:
                r["vmm_exits_per_op"] = w.pop("exits_per_op")
                r["kvm_insn_emulation_per_op"] = w.pop("insn_emulation_per_op")
                r.update(w)
            rows["os." + name] = r
    if os_stats:
        t = vcpu_totals(os_stats)
        r = {"name": f"nested.npt{npt}.os.run", "unit": "count", "emulated": True, "n": 1,
             "median": t.get("exits", 0)}
        r["p10"] = r["p90"] = r["median"]
        r.update({f"run_{k}": t.get(k, 0) for k in RUN_STATS})
        r.update({f"vm_{k}": v for k, v in os_stats.get("kvm_vm", {}).items()
                  if k.startswith(("mmu_", "pages_"))})
        rows["os.run"] = r
    # Whole-run differences against the run with no row: every vCPU and VM counter.
    base = runs.get("none", ("", None))[1]
    for op in PAGING_OPS:
        s = runs.get(op, ("", None))[1]
        it = re.search(rf"^bench {re.escape(op)} cycles=\d+ iters=(\d+)",
                       runs.get(op, ("", None))[0], re.M)
        if not (s and base and it):
            continue
        iters = int(it.group(1))
        r = rows.setdefault(op, {"name": f"nested.npt{npt}.{op}", "unit": "ns",
                                 "emulated": True, "n": 1, "median": None})
        a, b = vcpu_totals(base), vcpu_totals(s)
        for k in VCPU_STATS:
            r[f"run_{k}_per_op"] = (b.get(k, 0) - a.get(k, 0)) / iters
        for k in VM_STATS:
            r[f"vm_{k}_per_op"] = (s["kvm_vm"].get(k, 0) - base["kvm_vm"].get(k, 0)) / iters
    return list(rows.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--iters", type=int, default=500, help="fixed iterations per row")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--stem", help="results file stem (default <host>-<date>)")
    ap.add_argument("--console", help="parse this console.log instead of running the bed")
    ap.add_argument("--timeout", type=int, default=1800)
    a = ap.parse_args()

    t0 = time.monotonic()
    log = a.console or os.path.join(a.build, "nested", "console.log")
    if not a.console:
        cmd = ["sh", os.path.join(ROOT, "tests", "nested", "run.sh"), "--modes", "1,0",
               "--run", f"sh /opt/minivmm/bench-nested.sh {a.iters}",
               "--timeout", str(a.timeout), "--check-timeout", str(a.timeout - 60),
               "--build", a.build]
        print("bench-nested: " + " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=False)
    runs = parse_console(open(log, errors="replace").read())
    rows = []
    for npt in ("1", "0"):
        if npt in runs:
            rows += rows_for_mode(npt, runs[npt])
    if not rows:
        print(f"bench-nested: no results in {log}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - t0

    stem = a.stem or f"{socket.gethostname()}-{datetime.date.today().isoformat()}"
    jpath, mpath = (os.path.join(a.out, stem + x) for x in (".json", "-meta.json"))
    old = json.load(open(jpath)) if os.path.exists(jpath) else []
    host = report.host_info(ROOT)
    for r in rows:
        r.update(host=host["hostname"], rev=host["git_rev"])
    merged = [r for r in old if not r["name"].startswith("nested.")] + rows
    meta = json.load(open(mpath)) if os.path.exists(mpath) else {
        "host": host, "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "quick": False, "rounds": 0, "run_ms": 0, "seconds": 0, "commands": {},
        "qemu": None, "errors": [], "skipped": {}}
    if a.console:       # re-reading an old console: keep the time that run took
        seconds = meta.get("nested", {}).get("seconds", 0)
    meta["nested"] = {"iters": a.iters, "seconds": seconds,
                      "bed": "Debian 6.1 kvm_amd under qemu-system-x86_64 -accel tcg "
                             "-cpu qemu64,+svm,+npt (tests/nested)"}
    os.makedirs(a.out, exist_ok=True)
    with open(jpath, "w") as f:
        json.dump(merged, f, indent=1)
    with open(mpath, "w") as f:
        json.dump(meta, f, indent=1)
    md = report.write(a.out, stem, meta, merged)
    print(f"bench-nested: {len(rows)} rows in {seconds:.0f} s; wrote {jpath} and {md}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
