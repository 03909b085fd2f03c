"""Runs one GDB command file from tests/gdb/scripts/ against build/vmm and checks it.

A script says in `# key: value` header lines how to run it, so that another driver (the
nested test bed) can reuse the same files:
  vmm-args:        arguments of build/vmm (the runner adds --gdb PORT)
  hosts:           KVM backends the script is for (vmx svm pvm; default all)
  stdin:           keep-open: the guest's console input stays open (an idle shell)
  interrupt-after: send SIGINT to gdb (Ctrl-C) a second after each output line that is this
  expect:          a regex that must match a line of gdb's output, in the order given
  vmm-status:      build/vmm's exit status
  vmm-stdout / vmm-stderr: a regex that must match a line of the VMM's output
gdb runs in batch mode with the kernel's symbols, after `target remote :PORT`.
tests/nested/gdb_nested.py runs the same files against the VMM inside the nested bed."""
import os
import re
import select
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VMM = os.path.join(ROOT, "build", "vmm")
KERNEL = os.path.join(ROOT, "build", "guest", "kernel.elf")
SCRIPTS = os.path.join(ROOT, "tests", "gdb", "scripts")


def host_backend():
    for mod, name in (("kvm_pvm", "pvm"), ("kvm_intel", "vmx"), ("kvm_amd", "svm")):
        if os.path.exists(f"/sys/module/{mod}"):
            return name
    return "unknown"


def header(path):
    """The script's header as {key: [values]}."""
    h = {}
    for line in open(path):
        m = re.match(r"#\s*([a-z-]+):\s?(.*)$", line.rstrip("\n"))
        if m:
            h.setdefault(m.group(1), []).append(m.group(2))
    return h


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_line(f, pattern, timeout):
    """Read f (a pipe) until a line matches; returns everything read. Raises on timeout."""
    text, deadline = "", time.monotonic() + timeout
    while not re.search(pattern, text, re.M):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([f], [], [], left)[0]:
            raise AssertionError(f"timed out waiting for {pattern!r}; got {text!r}")
        chunk = os.read(f.fileno(), 4096).decode(errors="replace")
        if not chunk:
            raise AssertionError(f"EOF waiting for {pattern!r}; got {text!r}")
        text += chunk
    return text


def check_in_order(text, patterns, what):
    lines, i = text.splitlines(), 0
    for p in patterns:
        while i < len(lines) and not re.search(p, lines[i]):
            i += 1
        assert i < len(lines), f"{what}: no line matches {p!r} (in order) in:\n{text}"
        i += 1


def script_path(name):
    return os.path.join(SCRIPTS, name + ".gdb")


def applies(name, host):
    """Is scripts/<name>.gdb for this KVM backend (its `hosts` header, default all)?"""
    hosts = " ".join(header(script_path(name)).get("hosts", []))
    return not hosts or host in hosts.split()


def interrupt_after_each(gdb, line, timeout):
    """Ctrl-C gdb a second after each output line that is exactly `line` (a script that
    must stop somewhere in particular prints it again and continues); returns the output
    read until gdb closed it."""
    want = re.compile("^" + re.escape(line) + "$", re.M)
    out, pending, deadline = "", 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([gdb.stdout], [], [], 1)[0]:
            continue
        chunk = os.read(gdb.stdout.fileno(), 4096).decode(errors="replace")
        if not chunk:
            return out
        out += chunk
        for _ in range(len(want.findall(out)) - pending):
            time.sleep(1)                  # let the guest run a little
            gdb.send_signal(signal.SIGINT)
            pending += 1
    return out


def drive_gdb(path, port, timeout=240, extra=()):
    """Run gdb on the command file `path` against the stub at 127.0.0.1:port (extra: gdb
    commands before `target remote`), Ctrl-C as the header says; returns gdb's output."""
    h = header(path)
    gdb = subprocess.Popen(["gdb", "-nx", "-batch", "-ex", "set pagination off",
                            "-ex", "set confirm off", "-ex", f"file {KERNEL}",
                            *[a for cmd in extra for a in ("-ex", cmd)],
                            "-ex", f"target remote 127.0.0.1:{port}", "-x", path],
                           cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    try:
        out = ""
        if "interrupt-after" in h:
            out = interrupt_after_each(gdb, h["interrupt-after"][0], timeout)
        rest, _ = gdb.communicate(timeout=timeout)
        return out + rest.decode(errors="replace")
    finally:
        if gdb.poll() is None:
            gdb.kill()
            gdb.wait()


def run_script(name, timeout=240):
    """Run scripts/<name>.gdb; returns (gdb output, vmm stdout, vmm stderr, vmm status)."""
    return run_path(script_path(name), timeout)


def run_path(path, timeout=240):
    """Run the gdb command file at path (headers as in scripts/); as run_script."""
    h = header(path)
    port = free_port()
    args = [VMM, "--gdb", str(port)] + " ".join(h.get("vmm-args", [])).split()
    keep_open = h.get("stdin") == ["keep-open"]
    vmm = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE if keep_open else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        err = wait_line(vmm.stderr, r"gdb: listening on", 30)
        out = drive_gdb(path, port, timeout)
        if keep_open and "vmm-status" not in h:
            vmm.kill()                     # an idle shell would wait for input forever
        vout, verr = vmm.communicate(timeout=timeout)
        return out, vout.decode(errors="replace"), err + verr.decode(errors="replace"), vmm.returncode
    finally:
        if vmm.poll() is None:
            vmm.kill()
            vmm.wait()


def check_results(name, out, vout, verr, status, path=None):
    """Check gdb's and the VMM's output and the VMM's status against the script's header."""
    h = header(path or script_path(name))
    context = f"\n--- gdb ---\n{out}\n--- vmm stdout ---\n{vout}\n--- vmm stderr ---\n{verr}"
    check_in_order(out, h.get("expect", []), "gdb output" + context)
    check_in_order(vout, h.get("vmm-stdout", []), "vmm stdout" + context)
    check_in_order(verr, h.get("vmm-stderr", []), "vmm stderr" + context)
    if "vmm-status" in h:
        assert status == int(h["vmm-status"][0]), f"vmm exit status {status}" + context


def check_script(name):
    """Run a script and check everything its header expects; returns gdb's output."""
    out, vout, verr, status = run_script(name)
    check_results(name, out, vout, verr, status)
    return out
