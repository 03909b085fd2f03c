"""The sandbox (vmm/sandbox.c, docs/security.md): every thread of a running VMM is under a
seccomp filter with no_new_privs; a forbidden call is named with its thread and exits 124;
--no-sandbox turns it off and says so. The rest of the suite runs with the filter on (the
default), which is what shows the allow-lists are complete."""
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import VMM, disk_copy

SANDBOX_STATUS = 124
ROLES = {"vcpu": "vCPU", "io": "disk I/O", "evloop": "event loop", "gdb": "GDB server",
         "main": "main"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def task_status(pid):
    """{tid: {field: value}} of /proc/PID/task/*/status (tasks may come and go)."""
    tasks = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                tasks[tid] = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        except FileNotFoundError:
            pass
    return tasks


def test_every_thread_is_filtered(tmp_path):
    """Main, event loop, a disk's I/O thread, the GDB server and two vCPUs: each has its
    own filter (Seccomp_filters 1: not its creator's stacked under it) and no_new_privs;
    kernel tasks KVM or io_uring add to the process inherit it."""
    disk = disk_copy(tmp_path)
    p = subprocess.Popen([VMM, "--disk", disk, "--cpus", "2", "--gdb", str(free_port()),
                          "--", "/bin/sleep", "30"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            tasks = task_status(p.pid)
            ours = [t for t in tasks.values() if t["Name"] == "vmm"]
            if len(ours) == 6 and all(t.get("Seccomp") == "2" for t in ours):
                break
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, tasks
            time.sleep(0.1)
        for tid, t in tasks.items():
            assert t["Seccomp"] == "2", (tid, t["Name"])
            assert t["NoNewPrivs"] == "1", (tid, t["Name"])
        for t in ours:
            assert t["Seccomp_filters"] == "1", t
    finally:
        p.kill()
        p.wait()


@pytest.mark.parametrize("role", ROLES)
def test_forbidden_call_is_named_and_exits_124(tmp_path, role):
    """The test hook MINIVMM_SANDBOX_SELFTEST=ROLE: that thread calls socket() right after
    entering its sandbox."""
    disk = disk_copy(tmp_path)
    env = dict(os.environ, MINIVMM_SANDBOX_SELFTEST=role)
    r = subprocess.run([VMM, "--disk", disk, "--gdb", str(free_port()), "--", "/bin/sleep", "30"],
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == SANDBOX_STATUS, r
    want = f"vmm: sandbox: the {ROLES[role]} thread made a forbidden system call: socket (41)"
    assert want in r.stderr.splitlines(), r.stderr


def test_default_is_on_in_stats(vmm, tmp_path):
    stats = tmp_path / "s.json"
    r = vmm("--stats", str(stats), "--", "/bin/true")
    assert r.returncode == 0, r
    assert "sandbox" not in r.stderr, r.stderr
    assert json.loads(stats.read_text())["host"]["sandbox"] == "on"


def test_no_sandbox_is_said_and_lets_anything_through(tmp_path):
    """With --no-sandbox the hook's socket() succeeds and the guest's command finishes."""
    stats = tmp_path / "s.json"
    env = dict(os.environ, MINIVMM_SANDBOX_SELFTEST="vcpu")
    r = subprocess.run([VMM, "--no-disk", "--no-sandbox", "--stats", str(stats), "--",
                        "/bin/echo", "ran"], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    assert "ran" in r.stdout
    assert r.stderr.startswith("vmm: sandbox off (--no-sandbox)"), r.stderr
    assert json.loads(stats.read_text())["host"]["sandbox"] == "off"


def test_help_lists_no_sandbox(vmm):
    r = vmm("--help")
    assert r.returncode == 0 and "--no-sandbox" in r.stdout and "124" in r.stdout
