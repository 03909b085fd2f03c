#!/usr/bin/python3
"""make bench: run the exit-cost suite under minivmm, the raw floor (bench/floor.c) and QEMU
(-M microvm), interleaved round by round, plus boot times and the guest OS (bench/guestos.py:
/bin/osbench and /bin/blkbench in the bundled guest under both VMMs); write the results as
JSON and hand them to bench/report.py for the markdown report and the plots.

Every measured row becomes {name, unit, median, p10, p90, n, ...} in
bench/results/<host>-<date>.json; names are stable (`exit.pio.vmm`, `exit.pio.floor`,
`exit.pio.qemu`, `exit.vmm_overhead`, `boot.true.vmm`, ...); the host, the commands and the
skipped rows go to <host>-<date>-meta.json. Benchmarks are not tests: this
script reports, it never judges."""
import argparse
import datetime
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import guestos  # noqa: E402  (bench/guestos.py)
import report  # noqa: E402  (bench/report.py)

QEMU = "qemu-system-x86_64"
QEMU_EXIT_PORT = 0xf4          # bench/guest/layout.h PORT_QEMU_EXIT
GUEST_LINE = re.compile(r"^bench (\S+) (.*)$")
COUNT_LINE = re.compile(r"^bench-count (\S+) events=(\d+) iters=(\d+)")
KV = re.compile(r"(\w+)=(\S+)")


def percentile(xs, q):
    """The q-quantile (0..1) of xs by linear interpolation."""
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


class Samples:
    """Samples per row name, plus per-row extra numbers (exits per op, ...) and notes."""

    def __init__(self):
        self.values, self.units, self.extra, self.skipped = {}, {}, {}, {}

    def add(self, name, value, unit="ns", **extra):
        self.values.setdefault(name, []).append(value)
        self.units[name] = unit
        for k, v in extra.items():
            self.extra.setdefault(name, {}).setdefault(k, []).append(v)

    def skip(self, name, why):
        if name not in self.values:
            self.skipped[name] = why

    def rows(self):
        for name in list(self.skipped):     # measured in another round after all
            if name in self.values:
                del self.skipped[name]
        out = []
        for name in sorted(self.values):
            xs = self.values[name]
            row = {"name": name, "unit": self.units[name], "median": percentile(xs, 0.5),
                   "p10": percentile(xs, 0.1), "p90": percentile(xs, 0.9), "n": len(xs)}
            for k, vs in sorted(self.extra.get(name, {}).items()):
                row[k] = percentile(vs, 0.5)
            out.append(row)
        return out


def run(cmd, timeout, **kw):
    """Run cmd; (CompletedProcess, seconds from exec to exit)."""
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                       timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    return r, time.monotonic() - t0


def parse_guest(out, counts=None):
    """The bench guest's output: (tsc_khz, {op: [(cycles, iters)]}, {op: reason}); the
    device counts of `bench-count` lines go to counts {op: [events per op]}."""
    tsc_khz, ops, skips = 0, {}, {}
    for line in out.splitlines():
        line = line.rstrip("\r")
        m = COUNT_LINE.match(line)
        if m and counts is not None:
            counts.setdefault(m.group(1), []).append(int(m.group(2)) / max(1, int(m.group(3))))
        elif line.startswith("bench-guest: tsc_khz="):
            tsc_khz = int(KV.search(line).group(2))
        elif line.startswith("bench-skip "):
            name, _, why = line[len("bench-skip "):].partition(": ")
            skips[name] = why
        else:
            m = GUEST_LINE.match(line)
            if m:
                kv = dict(KV.findall(m.group(2)))
                ops.setdefault(m.group(1), []).append((int(kv["cycles"]), int(kv["iters"])))
    return tsc_khz, ops, skips


def smaps(pid):
    """/proc/PID/smaps as a list of {field: KiB, "anon": bool, "name": str}."""
    maps, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = head[5] if len(head) > 5 else ""
                cur = {"name": name, "anon": name == ""}
                maps.append(cur)
            elif cur is not None and len(head) == 3 and head[2] == "kB":
                cur[head[0].rstrip(":")] = int(head[1])
    return maps


def mark_windows(stats, names):
    """Per-op deltas between the guest's start and end marks (bench/guest/main.c ids)."""
    marks = {m["id"]: m for m in stats.get("marks", [])}
    windows = {}
    for i, name in enumerate(names):
        for rep in range(128):
            a = marks.get((i + 1) << 8 | rep)
            b = marks.get((i + 1) << 8 | 0x80 | rep)
            if not a or not b:
                continue
            d = {k: b[k] - a[k] for k in ("ns", "exits", "insn_emulation", "vmm_ns") if k in a}
            for k, v in b.get("kvm", {}).items():
                d["kvm_" + k] = v - a["kvm"].get(k, 0)
            windows.setdefault(name, []).append(d)
    return windows


class Bench:
    run = staticmethod(run)

    def __init__(self, args):
        self.a = args
        self.b = args.build
        self.s = Samples()
        self.vmm = os.path.join(self.b, "vmm")
        self.guest = os.path.join(self.b, "bench", "bench-guest.elf")
        self.floor = os.path.join(self.b, "bench", "floor")
        self.empty = os.path.join(self.b, "bench", "empty.cpio")
        self.ms = 100 if args.quick else 1000
        self.floor_ns = 10000.0
        self.backend = report.host_info(ROOT)["kvm_backend"]
        self.qemu_skip = "--no-qemu"
        self.qemu_ok = bool(args.qemu) and self._qemu_works()
        self.cmds = {}              # what was run, for the report
        self.errors = []
        open(self.empty, "wb").close()
        self.os = guestos.GuestOS(self)

    # ---- the exit-cost suite ----

    def guest_cmdline(self, extra=""):
        return f"ms={self.ms} reps={self.a.reps} {extra}".strip()

    def record_ops(self, who, tsc_khz, ops, skips, windows=None, counts=None):
        for name, runs in ops.items():
            for k, (cycles, iters) in enumerate(runs):
                ns = cycles * 1e6 / (tsc_khz * iters)
                extra = {"cycles": cycles / iters, "iters": iters}
                c = (counts or {}).get(name)
                if c and k < len(c):
                    extra["events_per_op"] = c[k]   # the doorbell's own count
                w = (windows or {}).get(name)
                if w and k < len(w):
                    per = w[k]
                    extra["exits_per_op"] = per["exits"] / iters
                    extra["insn_emulation_per_op"] = per["insn_emulation"] / iters
                    for key, v in per.items():
                        if key.startswith("kvm_"):
                            extra[key + "_per_op"] = v / iters
                    if name == "exit.pio" and per["exits"]:
                        self.s.add("exit.vmm_overhead", per["vmm_ns"] / per["exits"])
                self.s.add(f"{name}.{who}", ns, **extra)
        for name, why in skips.items():
            self.s.skip(f"{name}.{who}", why)

    def suite_vmm(self):
        with tempfile.NamedTemporaryFile(suffix=".json") as st:
            cmd = [self.vmm, "--kernel", self.guest, "--initrd", self.empty, "--cpus", "2",
                   "--cmdline", self.guest_cmdline(), "--stats", st.name]
            self.cmds["suite.vmm"] = cmd[:-1] + ["FILE"]
            r, _ = run(cmd, timeout=self.a.timeout)
            if r.returncode != 0:
                return self.fail("minivmm suite", r)
            counts = {}
            tsc, ops, skips = parse_guest(r.stdout, counts)
            stats = json.load(open(st.name))
        # Every op prints a line or a skip, in the order of the guest's table, whose index
        # numbers the marks.
        order = [l.split()[1].rstrip(":") for l in r.stdout.splitlines()
                 if l.startswith(("bench ", "bench-skip "))]
        self.record_ops("vmm", tsc, ops, skips, mark_windows(stats, list(dict.fromkeys(order))),
                        counts)
        by = stats["exits"]["by_reason"]
        t = stats["time"]["vmm_ns_by_reason"]
        for reason in ("IO", "MMIO"):
            if by.get(reason):
                self.s.add(f"exit.vmm_overhead.{reason.lower()}", t.get(reason, 0) / by[reason])

    def suite_floor(self):
        n = max(1000, int(self.ms * 1e6 / self.floor_ns))
        cmd = [self.floor, "-n", str(n)]
        self.cmds["floor"] = cmd
        r, _ = run(cmd, timeout=self.a.timeout)
        m = re.search(r"([\d.]+) ns/exit", r.stdout)
        if r.returncode != 0 or not m:
            return self.fail("floor", r)
        self.floor_ns = float(m.group(1))
        self.s.add("exit.pio.floor", self.floor_ns, iters=n)

    def qemu_cmd(self, kernel, append, cpus=1, initrd=None, exit_port=QEMU_EXIT_PORT):
        cmd = [QEMU, "-M", "microvm", "-accel", "kvm", "-m", "256M", "-smp", str(cpus),
               "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
               "-monitor", "none", "-device", f"isa-debug-exit,iobase={exit_port:#x},iosize=4",
               "-kernel", kernel, "-append", append]
        return cmd + (["-initrd", initrd] if initrd else [])

    def _qemu_works(self):
        try:
            r, _ = run(self.qemu_cmd(self.guest, "poweroff"), timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            self.qemu_skip = f"{QEMU} did not run: {e}"
            return False
        if r.returncode != 1:       # isa-debug-exit: status 0 -> exit code 1
            self.qemu_skip = f"{QEMU} -M microvm -accel kvm failed: {r.stderr.strip()[-200:]}"
            return False
        return True

    def suite_qemu(self):
        cmd = self.qemu_cmd(self.guest, self.guest_cmdline(), cpus=2)
        self.cmds["suite.qemu"] = cmd
        r, _ = run(cmd, timeout=self.a.timeout)
        if r.returncode != 1:
            return self.fail("QEMU suite", r)
        tsc, ops, skips = parse_guest(r.stdout)
        self.record_ops("qemu", tsc, ops, skips)

    # ---- the VMM's memory: RSS minus the guest RAM it backs ----

    def vmm_memory(self, mem_mib=256):
        """The bench guest runs no row, prints `bench-guest: idle` and halts; then the VMM's
        /proc/PID/smaps gives its RSS and the guest RAM mapping's (the anonymous mapping of
        exactly --mem bytes: RAM the guest touched). Rows in KiB: vmm.rss_overhead (RSS,
        shared library pages included) and vmm.private_overhead (private pages only)."""
        cmd = [self.vmm, "--kernel", self.guest, "--initrd", self.empty, "--mem",
               f"{mem_mib}M", "--cmdline", "only=none idle"]
        self.cmds["vmm.rss_overhead"] = cmd
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
        try:
            deadline, out = time.monotonic() + 30, b""
            while time.monotonic() < deadline and b"bench-guest: idle\n" not in out:
                if select.select([p.stdout], [], [], 1)[0]:
                    chunk = os.read(p.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    out += chunk
            if b"bench-guest: idle\n" not in out:
                return self.s.skip("vmm.rss_overhead.vmm", "the guest never reached idle")
            maps = smaps(p.pid)
        finally:
            p.kill()
            p.wait()
        guest = [m for m in maps if m["anon"] and m["Size"] == mem_mib * 1024]
        if len(guest) != 1:
            return self.s.skip("vmm.rss_overhead.vmm", "guest RAM mapping not found in smaps")
        g = guest[0]
        total = {k: sum(m.get(k, 0) for m in maps)
                 for k in ("Rss", "Private_Clean", "Private_Dirty")}
        priv = lambda m: m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)  # noqa: E731
        self.s.add("vmm.rss_overhead", total["Rss"] - g["Rss"], unit="KiB",
                   rss_kib=total["Rss"], guest_touched_kib=g["Rss"])
        self.s.add("vmm.private_overhead", total["Private_Clean"] + total["Private_Dirty"]
                   - priv(g), unit="KiB")

    # ---- boot times: exec to exit ----

    def boot_empty(self):
        """The bench guest powering off at once: the VMM's own launch and teardown."""
        cmd = [self.vmm, "--kernel", self.guest, "--initrd", self.empty, "--cmdline", "poweroff"]
        self.cmds["boot.empty.vmm"] = cmd
        r, t = run(cmd, timeout=60)
        if r.returncode == 0:
            self.s.add("boot.empty.vmm", t * 1e3, unit="ms")
        if self.qemu_ok:
            cmd = self.qemu_cmd(self.guest, "poweroff")
            self.cmds["boot.empty.qemu"] = cmd
            r, t = run(cmd, timeout=60)
            if r.returncode == 1:
                self.s.add("boot.empty.qemu", t * 1e3, unit="ms")

    def fail(self, what, r):
        self.errors.append(f"{what}: exit {r.returncode}: {(r.stderr or r.stdout).strip()[-300:]}")

    def round(self, i):
        print(f"bench: round {i + 1}/{self.a.rounds}", file=sys.stderr, flush=True)
        self.suite_vmm()
        self.suite_floor()
        if self.qemu_ok:
            self.suite_qemu()
        self.boot_empty()
        self.os.boot_true()
        self.os.boot_prompt()
        # QUICK: the guest-OS programs in the first round only (they take ~25 s a round).
        if not self.a.quick or i == 0:
            self.os.program("osbench", ["-n", str(self.a.os_scale)])
            self.os.program("blkbench", ["-n", str(self.a.blk_scale)])
        self.vmm_memory()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", help="0.1 s runs, 3 rounds")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 10, quick 3)")
    ap.add_argument("--reps", type=int, default=1, help="repeats per op inside each guest run")
    ap.add_argument("--no-qemu", dest="qemu", action="store_false")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--os-scale", type=int, help="/bin/osbench -n (default 1)")
    ap.add_argument("--blk-scale", type=int, help="/bin/blkbench -n (default 1)")
    a = ap.parse_args()
    a.rounds = a.rounds or (3 if a.quick else 10)
    a.os_scale = a.os_scale or 1
    a.blk_scale = a.blk_scale or 1

    b = Bench(a)
    if not b.qemu_ok:
        print(f"bench: no QEMU peer: {b.qemu_skip}", file=sys.stderr)
    t0 = time.monotonic()
    for i in range(a.rounds):
        b.round(i)
    host = report.host_info(ROOT)
    meta = {"host": host, "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "quick": a.quick, "rounds": a.rounds, "run_ms": b.ms, "seconds": time.monotonic() - t0,
            "commands": {k: " ".join(v) for k, v in b.cmds.items()},
            "qemu": None if b.qemu_ok else b.qemu_skip, "errors": b.errors,
            "skipped": b.s.skipped}
    os.makedirs(a.out, exist_ok=True)
    stem = f"{socket.gethostname()}-{datetime.date.today().isoformat()}" + ("-quick" if a.quick else "")
    rows = b.s.rows()
    for r in rows:
        r.update(host=host["hostname"], rev=host["git_rev"])
    with open(os.path.join(a.out, stem + ".json"), "w") as f:
        json.dump(rows, f, indent=1)
    with open(os.path.join(a.out, stem + "-meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    md = report.write(a.out, stem, meta, rows)
    print(open(md).read())
    print(f"bench: wrote {a.out}/{stem}.json, .md and plots", file=sys.stderr)
    for e in b.errors:
        print(f"bench: error: {e}", file=sys.stderr)
    return 1 if b.errors and not rows else 0


if __name__ == "__main__":
    sys.exit(main())
