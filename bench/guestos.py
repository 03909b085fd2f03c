"""The guest-OS half of `make bench`: the bundled kernel, initrd and a copy of its disk, under
minivmm and under QEMU (-M microvm,acpi=off -accel kvm, the same files through PVH and
virtio-blk-device), for the boot rows (boot.true, boot.prompt), /bin/osbench (system call,
pipe, context switch, fork, faults) and /bin/blkbench (raw-device IOPS and MB/s, fsync,
file creation). Under minivmm each program runs with --stats, and the marks it writes
(SYS_mark) around every timed loop give the emulated kernel instructions and KVM counters
per operation."""
import os
import re
import shutil
import subprocess
import time

QEMU = "qemu-system-x86_64"
QEMU_EXIT_PORT = 0x501          # the bundled kernel's isa-debug-exit
LINE = re.compile(r"^(osbench|blkbench) (\S+) (.*)$")
SKIP = re.compile(r"^(osbench|blkbench)-skip (\S+): (.*)$")
KV = re.compile(r"(\w+)=(\S+)")
PROMPT = re.compile(rb"(^|\n)[$#] $")
MARK_END = 0x80
SCRATCH_MIB = 64

# The programs' row names -> (stable row name, unit). Units: ns is time per operation;
# IOPS, MB/s and files/s are rates (higher is better), from the same ns per operation.
OSBENCH = {"null_syscall": ("syscall.null", "ns"), "pipe_roundtrip": ("pipe.roundtrip", "ns"),
           "ctxswitch": ("ctxswitch", "ns"), "fork_exit_wait": ("fork.exit.wait", "ns"),
           "fork_exec_wait": ("fork.exec.wait", "ns"),
           "demand_zero_fault": ("fault.demand_zero", "ns"), "cow_fault": ("fault.cow", "ns")}
BLKBENCH = {"randread.qd1": ("blk.randread.qd1", "IOPS"),
            "randread.qd16": ("blk.randread.qd16", "IOPS"),
            "randwrite.qd1": ("blk.randwrite.qd1", "IOPS"),
            "randwrite.qd16": ("blk.randwrite.qd16", "IOPS"),
            "seqread": ("blk.seqread", "MB/s"), "seqwrite": ("blk.seqwrite", "MB/s"),
            "fsync": ("fs.fsync", "ns"), "create": ("fs.create", "files/s")}
PROGRAMS = {"osbench": OSBENCH, "blkbench": BLKBENCH}
# The osbench rows also run under `vmm --mmu shadow` (rows NAME.shadow; docs/paging.md).
SHADOW_ROWS = ["fork_exit_wait", "fork_exec_wait", "demand_zero_fault", "cow_fault", "ctxswitch"]


def rate(ns, unit, nbytes):
    """A row's value in its unit from the program's ns per operation."""
    if unit == "IOPS" or unit == "files/s":
        return 1e9 / ns
    if unit == "MB/s":
        return nbytes / ns * 1e3          # bytes per ns -> 10^6 bytes per s
    return ns


def per_op(stats, mark, iters):
    """Counters per operation between the marks mark and mark | 0x80 of --stats, or {}."""
    marks = {m["id"]: m for m in (stats or {}).get("marks", [])}
    a, b = marks.get(mark), marks.get(mark | MARK_END)
    if not (a and b and iters):
        return {}
    out = {"exits_per_op": (b["exits"] - a["exits"]) / iters,
           "insn_emulation_per_op": (b["insn_emulation"] - a["insn_emulation"]) / iters}
    for k, v in b.get("kvm", {}).items():
        out[f"kvm_{k}_per_op"] = (v - a["kvm"].get(k, 0)) / iters
    return out


class GuestOS:
    """Runs the bundled guest for the rows; `bench` is run.py's Bench (samples, commands,
    arguments, whether QEMU works)."""

    def __init__(self, bench):
        self.bench, self.s = bench, bench.s
        g = os.path.join(bench.b, "guest")
        self.kernel = os.path.join(g, "kernel.elf")
        self.initrd = os.path.join(g, "initrd.cpio")
        self.disk = os.path.join(g, "disk.img")
        self.dir = os.path.join(bench.b, "bench", "guestos")
        self.root = os.path.join(self.dir, "root.img")
        self.scratch = os.path.join(self.dir, "scratch.img")
        self.missing = next((f"{p} is not built" for p in (self.kernel, self.initrd, self.disk)
                             if not os.path.exists(p)), None)
        self.blobs = {}
        self.gate = "trap" if bench.backend == "pvm" else "syscall"
        if not self.missing:
            self._images()

    def _images(self):
        """A scratch disk with data in every block, shared by both VMMs in turn (the root
        disk is copied before each boot: fresh_root)."""
        os.makedirs(self.dir, exist_ok=True)
        chunk = bytes(range(256)) * 4096
        with open(self.scratch, "wb") as f:
            for _ in range(SCRATCH_MIB):
                f.write(chunk)

    def fresh_root(self):
        """A new copy of the bundled disk before each boot, outside the timed part: the rows
        write files there (the original stays as it is), and the guest's file system replays
        its journal at the next mount after any write (seconds of emulated kernel code on
        PVM), which would otherwise land in whichever row boots next."""
        shutil.copyfile(self.disk, self.root)

    # ---- commands ----

    def vmm_cmd(self, command=None, stats=None, mmu=None):
        cmd = [self.bench.vmm, "--disk", self.root, "--disk", self.scratch]
        cmd += ["--mmu", mmu] if mmu else []
        cmd += ["--stats", stats] if stats else []
        return cmd + (["--"] + command if command else [])

    def _blob(self, command):
        """QEMU's one PVH module: bench/qemu-microvm.dts filled in for this command (None:
        the shell), compiled, padded to 4 KiB, then the initrd. None if dtc fails."""
        key = tuple(command or ())
        if key in self.blobs:
            return self.blobs[key]
        here = os.path.dirname(os.path.abspath(__file__))
        dts = open(os.path.join(here, "qemu-microvm.dts")).read()
        prop = ""
        if command:
            prop = "minivmm,command = " + ", ".join(
                '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in command) + ";"
        virtio = "".join(
            f"    virtio_mmio@{0xfeb00000 + 0x200 * i:x} {{ compatible = \"virtio,mmio\"; "
            f"reg = <0x0 0x{0xfeb00000 + 0x200 * i:x} 0x0 0x200>; "
            f"interrupt-parent = <&ioapic>; interrupts = <{5 + i} 0>; }};\n" for i in range(8))
        dts = (dts.replace("@GATE@", self.gate).replace("@HOST@", self.bench.backend)
               .replace("@COMMAND@", prop).replace("@VIRTIO@", virtio))
        r = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", "-", "-"],
                           input=dts.encode(), capture_output=True)
        if r.returncode != 0:
            self.blobs[key] = None
            return None
        path = os.path.join(self.dir, f"qemu-{len(self.blobs)}.img")
        with open(path, "wb") as f:
            f.write(r.stdout + b"\0" * (-len(r.stdout) % 4096))
            f.write(open(self.initrd, "rb").read())
        self.blobs[key] = path
        return path

    def qemu_cmd(self, command=None):
        blob = self._blob(command)
        if blob is None:
            return None
        cmd = [QEMU, "-M", "microvm,acpi=off", "-accel", "kvm", "-m", "256M", "-smp", "1",
               "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
               "-monitor", "none", "-no-reboot",
               "-device", f"isa-debug-exit,iobase={QEMU_EXIT_PORT:#x},iosize=2",
               "-kernel", self.kernel, "-initrd", blob,
               "-global", "virtio-mmio.force-legacy=false"]
        # microvm hands its virtio-mmio slots out from the top: the last device given gets
        # the first slot, which the guest probes first; so the root disk goes last.
        for i, img in reversed(list(enumerate((self.root, self.scratch)))):
            cmd += ["-drive", f"if=none,id=d{i},format=raw,file={img}",
                    "-device", f"virtio-blk-device,drive=d{i}"]
        return cmd

    def _skip_all(self, names, why):
        for n in names:
            for who in ("vmm", "qemu"):
                self.s.skip(f"{n}.{who}", why)

    # ---- boot rows ----

    def boot_true(self):
        """exec to exit of `-- /bin/true`: minivmm (exit 0) and QEMU (isa-debug-exit: 1)."""
        if self.missing:
            return self._skip_all(["boot.true"], self.missing)
        for who, cmd, ok in (("vmm", self.vmm_cmd(["/bin/true"]), 0),
                             ("qemu", self.bench.qemu_ok and self.qemu_cmd(["/bin/true"]), 1)):
            if not cmd:
                continue
            self.bench.cmds[f"boot.true.{who}"] = cmd
            self.fresh_root()
            r, t = self.bench.run(cmd, timeout=60)
            if r.returncode == ok:
                self.s.add(f"boot.true.{who}", t * 1e3, unit="ms")
            else:
                self.s.skip(f"boot.true.{who}", f"exit {r.returncode}: "
                            f"{(r.stdout + r.stderr).strip()[-160:]}")

    def _to_prompt(self, cmd, limit=20):
        """Seconds from exec of cmd to the shell prompt on its console, or None."""
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        t0, buf, took = time.monotonic(), b"", None
        os.set_blocking(p.stdout.fileno(), False)
        try:
            while time.monotonic() - t0 < limit and p.poll() is None:
                buf += p.stdout.read() or b""
                if PROMPT.search(buf):
                    took = time.monotonic() - t0
                    break
                time.sleep(0.0005)
        finally:
            p.kill()
            p.wait()
        return took

    def boot_prompt(self):
        """exec to the shell's `$ ` prompt (no command: init runs /bin/sh)."""
        if self.missing:
            return self._skip_all(["boot.prompt"], self.missing)
        for who, cmd in (("vmm", self.vmm_cmd()),
                         ("qemu", self.bench.qemu_ok and self.qemu_cmd(None))):
            if not cmd:
                continue
            self.bench.cmds[f"boot.prompt.{who}"] = cmd
            self.fresh_root()
            t = self._to_prompt(cmd)
            if t is None:
                self.s.skip(f"boot.prompt.{who}", "no shell prompt within 20 s")
            else:
                self.s.add(f"boot.prompt.{who}", t * 1e3, unit="ms")

    # ---- /bin/osbench and /bin/blkbench ----

    def program(self, prog, args):
        """prog under both VMMs (minivmm with --stats for the marks); its rows recorded."""
        names = [n for n, _ in PROGRAMS[prog].values()]
        if self.missing:
            return self._skip_all(names, self.missing)
        if not os.path.exists(os.path.join(self.bench.b, "guest", "initrd", "bin", prog)):
            return self._skip_all(names, f"no /bin/{prog} in the bundled userland")
        command = ["/bin/" + prog] + args
        stats = os.path.join(self.dir, "stats.json")
        cmd = self.vmm_cmd(command, stats)
        self.bench.cmds[f"{prog}.vmm"] = cmd
        self.fresh_root()
        r, _ = self.bench.run(cmd, timeout=self.bench.a.timeout)
        st = None
        if os.path.exists(stats):
            import json
            st = json.load(open(stats))
            os.unlink(stats)
        self.record(prog, "vmm", r, st)
        if prog == "osbench":
            self.shadow(command + SHADOW_ROWS, stats)
        if self.bench.qemu_ok:
            cmd = self.qemu_cmd(command)
            if cmd:
                self.bench.cmds[f"{prog}.qemu"] = cmd
                self.fresh_root()
                r, _ = self.bench.run(cmd, timeout=self.bench.a.timeout)
                self.record(prog, "qemu", r, None)
        else:
            for n in names:
                self.s.skip(f"{n}.qemu", self.bench.qemu_skip)

    def shadow(self, command, stats):
        """The MMU-heavy osbench rows again under --mmu shadow: rows NAME.shadow."""
        import json
        cmd = self.vmm_cmd(command, stats, mmu="shadow")
        self.bench.cmds["osbench.shadow"] = cmd
        self.fresh_root()
        r, _ = self.bench.run(cmd, timeout=self.bench.a.timeout)
        st = json.load(open(stats)) if os.path.exists(stats) else None
        if st:
            os.unlink(stats)
        self.record("osbench", "shadow", r, st, only=SHADOW_ROWS)

    def record(self, prog, who, r, stats, only=None):
        table, seen = PROGRAMS[prog], set()
        if only:
            table = {k: v for k, v in table.items() if k in only}
        for line in r.stdout.splitlines():
            line = line.rstrip("\r")
            m, sk = LINE.match(line), SKIP.match(line)
            if sk and sk.group(2) in table:
                self.s.skip(f"{table[sk.group(2)][0]}.{who}", sk.group(3))
                seen.add(table[sk.group(2)][0])
            if not (m and m.group(1) == prog and m.group(2) in table):
                continue
            kv = dict(KV.findall(m.group(3)))
            name, unit = table[m.group(2)]
            ns, iters = float(kv["ns"]), int(kv["iters"])
            if ns <= 0:
                continue
            extra = {"ns_per_op": ns, "iters": iters}
            if "procs" in kv:
                extra["procs"] = int(kv["procs"])
            extra.update(per_op(stats, int(kv.get("mark", "0"), 16), iters))
            self.s.add(f"{name}.{who}", rate(ns, unit, int(kv.get("bytes", 0))), unit=unit,
                       **extra)
            seen.add(name)
        for name, _ in table.values():
            if name not in seen:
                self.s.skip(f"{name}.{who}", f"no line from /bin/{prog} "
                            f"(exit {r.returncode}: {(r.stderr or '').strip()[-120:]})")
