"""Runs tests/gdb/scripts on the standard-KVM test bed: the VMM inside QEMU (nested SVM, the
real kvm_amd with npt=1 and npt=0), gdb here on the host, connected through a port that QEMU
forwards to the guest (run.sh --gdb, payload.sh's gdb level). The same header lines decide
how each VMM starts and what gdb and the VMM must print (tests/gdb/gdbrun.py).

What the bed cannot show (QEMU 7.2's software emulation of SVM, not kvm_amd; BED_LACKS):
- int3 is never intercepted: TCG raises `int3` as a software interrupt and checks only the
  INTn intercept, not the #BP exception intercept that KVM_GUESTDBG_USE_SW_BP sets, so a
  planted int3 reaches the guest's own #BP handler (our kernel panics) instead of
  KVM_EXIT_DEBUG.
- debug-register breakpoints and watchpoints never fire: its VMRUN loads the nested guest's
  DR7 without arming TCG's breakpoints (QEMU fixed this in 9.1), although the stub hands
  KVM the right DR0-3/DR7 (KVM_GUESTDBG_USE_HW_BP).
Single-stepping works (KVM_GUESTDBG_SINGLESTEP in kernel and user mode), and so do Ctrl-C,
threads, registers, memory and the exit status. Scripts that need a breakpoint are not run
here, except one probe per gap, which must fail exactly the known way (and would pass on a
QEMU without the gap).

    python3 tests/nested/gdb_nested.py [--modes 1,0] (--all | --smoke | NAME...)
Builds nothing: run `make nested-inputs` first (make test-nested does)."""
import argparse
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "gdb"))
import gdbrun  # noqa: E402

BUILD = os.path.join(gdbrun.ROOT, "build")
HOST = "svm"
INT3_LOST = "QEMU TCG does not intercept int3 for KVM (the guest gets the #BP)"
DR_LOST = "QEMU 7.2 TCG does not arm a nested guest's debug registers"
# The scripts that need what the bed lacks: name -> (why, probe). A probe runs and must
# fail the known way (a function of the Session); the others are left out.
BED_LACKS = {
    "break_bt_print": (INT3_LOST, lambda s: re.search(r"^trap 3 \(breakpoint\)", s.vout, re.M)),
    "hbreak_kernel": (DR_LOST, lambda s: "exited normally" in s.gdb_out and
                      not re.search(r"^Breakpoint 1,", s.gdb_out, re.M)),
    "user_break": (DR_LOST, None),
    "detach": (INT3_LOST, None),
    "step_next_finish": (INT3_LOST, None),
    "watch_ticks": (INT3_LOST + "; " + DR_LOST, None),
    "shadow_walk": (INT3_LOST, None),        # its first stop is a software breakpoint
}
# For `make test`: single steps in user mode, and both probes.
SMOKE = ("stepi_user", "break_bt_print", "hbreak_kernel")
# Replies cross QEMU's emulated NIC and a relay in a slow guest: without a longer timeout
# gdb resends a packet it thinks lost and then reads the doubled reply out of step.
GDB_SETTINGS = ("set remotetimeout 30",)
BOOT_LIMIT = 90          # QEMU start to the first session, seconds
SESSION_LIMIT = 90       # one session, seconds

LINE = re.compile(r"^\s*\d+\.\ds (nested: .*)$")
EVENT = re.compile(r"^nested: npt=(\d): (?:gdb (\S+) (listening|status) ?(-?\d*)|"
                   r"check (PASS|FAIL) gdb (\S+)(?: \((.*)\))?)$")
OUTPUT = re.compile(r"^nested: npt=(\d): gdb (\S+) (out|err)\| ?(.*)$")


class Session:
    """One script in one npt mode: what gdb printed, the VMM's output and status, and the
    guest's verdict on the session itself (it ran, or why not)."""

    def __init__(self, mode, name):
        self.mode, self.name = mode, name
        self.gdb_out, self.vout, self.verr = "", "", ""
        self.status = None
        self.guest_error = "the bed never started this session"

    def check(self):
        """Raise AssertionError unless the session ran and printed what its header says."""
        assert not self.guest_error, \
            f"npt={self.mode} {self.name}: {self.guest_error}\n--- gdb ---\n{self.gdb_out}" \
            f"\n--- vmm stdout ---\n{self.vout}\n--- vmm stderr ---\n{self.verr}"
        gdbrun.check_results(self.name, self.gdb_out, self.vout, self.verr, self.status)

    def bed_limit(self):
        """Why this session failed if it failed the bed's known way for its script, or None."""
        why, probe = BED_LACKS.get(self.name, (None, None))
        return why if probe and not self.guest_error and probe(self) else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bed:
    """run.sh --gdb in the background, its console lines read by a thread."""

    def __init__(self, names, modes, port):
        limit = BOOT_LIMIT + SESSION_LIMIT * len(names) * len(modes)
        self.proc = subprocess.Popen(
            ["sh", os.path.join(HERE, "run.sh"), "--gdb", " ".join(names), "--gdb-port",
             str(port), "--modes", ",".join(modes), "--build", BUILD, "--timeout", str(limit),
             "--check-timeout", str(SESSION_LIMIT - 10)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace")
        self.lines, self.transcript = queue.Queue(), []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_event(self, sessions, deadline):
        """The next listening/status/check event as a tuple, after filing output lines
        into their sessions; None at the end of the run or at the deadline."""
        while True:
            try:
                raw = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if raw is None:
                self.lines.put(None)
                return None
            self.transcript.append(raw)
            m = LINE.match(raw)
            if not m:
                continue
            text = m.group(1)
            out = OUTPUT.match(text)
            if out and (out.group(1), out.group(2)) in sessions:
                s = sessions[(out.group(1), out.group(2))]
                if out.group(3) == "out":
                    s.vout += out.group(4) + "\n"
                else:
                    s.verr += out.group(4) + "\n"
                continue
            ev = EVENT.match(text)
            if ev:
                return ev.groups()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def serve_one(bed, s, sessions, port):
    """Wait for the guest's session s, drive gdb through it, collect its end."""
    deadline = time.monotonic() + SESSION_LIMIT + BOOT_LIMIT
    while True:
        ev = bed.next_event(sessions, deadline)
        if ev is None:
            s.guest_error = "the bed ended or timed out before this session ended"
            return False
        mode, name, kind, value, verdict, cname, why = ev
        if (mode or "") != s.mode or (name or cname) != s.name:
            continue
        if kind == "listening":
            try:
                s.gdb_out = gdbrun.drive_gdb(gdbrun.script_path(s.name), port,
                                             SESSION_LIMIT - 20, GDB_SETTINGS)
            except Exception as e:          # a hung gdb: keep what the guest says
                s.gdb_out += f"\n(gdb driver: {e})"
        elif kind == "status":
            s.status = int(value)
        elif verdict:
            s.guest_error = "" if verdict == "PASS" else (why or "FAIL")
            return True


def run(names, modes=("1", "0")):
    """Serve every script in every mode on one boot of the bed; returns the sessions in
    order and the bed's transcript."""
    port = free_port()
    sessions = {(m, n): Session(m, n) for m in modes for n in names}
    bed = Bed(names, modes, port)
    try:
        for m in modes:
            for n in names:
                if not serve_one(bed, sessions[(m, n)], sessions, port):
                    return list(sessions.values()), "\n".join(bed.transcript)
        while bed.next_event(sessions, time.monotonic() + 30) is not None:
            pass
        bed.proc.wait(timeout=30)
        return list(sessions.values()), "\n".join(bed.transcript)
    finally:
        bed.close()


def applicable():
    """The scripts for svm hosts that the bed can run, and the probes of its gaps."""
    names = sorted(f[:-4] for f in os.listdir(gdbrun.SCRIPTS) if f.endswith(".gdb"))
    return [n for n in names if gdbrun.applies(n, HOST) and BED_LACKS.get(n, (0, 1))[1]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modes", default="1,0")
    ap.add_argument("--all", action="store_true", help="every script that applies to svm")
    ap.add_argument("--smoke", action="store_true", help="the make-test subset")
    ap.add_argument("-v", "--verbose", action="store_true", help="print gdb's output")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    names = applicable() if a.all else list(SMOKE) if a.smoke else a.names
    if not names:
        ap.error("name scripts, or --all, or --smoke")
    for n, (why, probe) in sorted(BED_LACKS.items()):
        if not probe and gdbrun.applies(n, HOST):
            print(f"gdb_nested: {n}: not run on this bed: {why}")
    sessions, transcript = run(names, tuple(a.modes.split(",")))
    print(transcript)
    failed = 0
    for s in sessions:
        try:
            s.check()
            verdict = "PASS"
        except AssertionError as e:
            if s.bed_limit():
                verdict = f"KNOWN BED LIMIT ({s.bed_limit()})"
            else:
                verdict, failed = "FAIL", failed + 1
                print(e)
        if a.verbose:
            print(f"--- npt={s.mode} {s.name}: gdb ---\n{s.gdb_out}")
        print(f"gdb_nested: npt={s.mode} {s.name}: {verdict}")
    print(f"gdb_nested: {'PASS' if not failed else 'FAIL'} ({len(sessions)} sessions, "
          f"{failed} failed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
