"""Two vCPU threads pinned to one host CPU (`taskset -c 0`): the VMM must never busy-wait
on a host CPU, or a vCPU (or the thread that would release it) starves behind the spinner.
This is the situation of the nested bed (one L1 CPU under QEMU), reproduced here: the
guest's 2-CPU paths (AP start-up, wake-up IPIs, the shared locks) and the VMM's waits
(vCPU pause and stop, GDB holds, the console and event loop) all have to sleep or yield.
The CPU-time checks are coarse on purpose: a spinning thread would use the whole CPU."""
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import VMM

TASKSET = shutil.which("taskset")
pytestmark = pytest.mark.skipif(TASKSET is None, reason="taskset (util-linux) not installed")


def pinned(*args):
    return [TASKSET, "-c", "0", VMM, "--no-disk", *args]


def cpu_seconds(pid):
    """utime + stime of every thread of process pid, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_usertests_on_two_vcpus_pinned_to_one_host_cpu():
    r = subprocess.run(pinned("--cpus", "2", "--", "/bin/usertests"), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace", timeout=600)
    assert re.search(r"^usertests: \d+ passed, 0 failed\r?$", r.stdout, re.M), \
        r.stdout[-3000:] + r.stderr[-1000:]
    assert r.returncode == 0, r.stderr


def test_schedcheck_on_two_vcpus_pinned_to_one_host_cpu():
    """The scheduler's 2-CPU behaviours (placement, stealing, wake-up IPIs) still hold
    when both vCPUs share a host CPU."""
    r = subprocess.run(pinned("--cpus", "2", "--", "/bin/schedcheck"), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace", timeout=300)
    assert "schedcheck: 8 passed, 0 failed" in r.stdout, r.stdout[-3000:] + r.stderr[-1000:]
    assert r.returncode == 0, r.stderr


def test_an_idle_two_vcpu_guest_does_not_spin():
    """Both vCPUs idle (the guest sleeps): the VMM's threads are asleep in KVM's halt, the
    event loop and pthread_join, so the process uses a fraction of its one CPU (an idle
    guest's 1 kHz ticks cost ~10% per vCPU on a PVM host; a spinner would be 100%)."""
    p = subprocess.Popen(pinned("--cpus", "2", "--", "/bin/sleep", "4"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)                      # booted and asleep
        c0, t0 = cpu_seconds(p.pid), time.monotonic()
        time.sleep(2)
        used = (cpu_seconds(p.pid) - c0) / (time.monotonic() - t0)
        out, err = p.communicate(timeout=120)
    finally:
        p.kill()
        p.wait()
    assert p.returncode == 0, err
    assert used < 0.7, f"the VMM used {used:.0%} of its CPU while the guest slept"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_vcpus_held_for_gdb_do_not_spin():
    """--gdb-wait holds both vCPUs before their first instruction until GDB continues:
    they wait on a condition variable, using no CPU, however long GDB takes."""
    p = subprocess.Popen(pinned("--cpus", "2", "--gdb", str(free_port()), "--gdb-wait", "--",
                                "/bin/true"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)                        # set up, every vCPU held
        c0, t0 = cpu_seconds(p.pid), time.monotonic()
        time.sleep(2)
        used = (cpu_seconds(p.pid) - c0) / (time.monotonic() - t0)
        assert p.poll() is None, p.communicate()[1]
    finally:
        p.kill()
        p.wait()
    assert used < 0.1, f"the VMM used {used:.0%} of its CPU while GDB held the vCPUs"
