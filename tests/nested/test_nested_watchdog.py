"""The nested bed's hang evidence (issue 16): a check that outlives its limit is dumped and
killed inside the bed, and a bed whose console goes silent is examined through QEMU's
monitor, sent an NMI and ended by run.sh. Each test boots the bed once (~20-40 s) with a
deliberately hanging command (`sleep 1000`). Skips like test_nested.py when QEMU, busybox,
cpio or Debian's kernel package are missing."""
import re
import shutil
import subprocess

import pytest

from test_nested import BUILD, REPO, TOOLS, make, tail


@pytest.fixture(scope="module")
def inputs():
    for tool, package in TOOLS:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian package {package}; run 'make setup')")
    kernel = make("nested-kernel")
    if kernel.returncode != 0:
        pytest.skip("Debian's kernel package cannot be fetched: " + tail(kernel.stdout, 1))
    r = make("nested-inputs")
    assert r.returncode == 0, "make nested-inputs failed:\n" + tail(r.stdout)


def run_bed(*args, timeout=300):
    r = subprocess.run(["sh", str(REPO / "tests/nested/run.sh"), "--modes", "1",
                        "--build", str(BUILD), *args],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    console = (BUILD / "nested/console.log").read_text(errors="replace")
    return r, console


def test_a_check_past_its_limit_is_dumped_then_killed(inputs):
    r, console = run_bed("--run", "sleep 1000;vmm -- /bin/echo after", "--check-timeout", "5",
                         "--timeout", "200")
    assert "nested: npt=1: check timed out after 5s: sleep 1000" in console, r.stdout
    # The dump: each thread's state, wait channel and kernel stack; the kernel's own views.
    assert re.search(r"hang\|   task \d+: \(sleep\) state S .* wchan \S*nanosleep", console), console
    assert re.search(r"hang\|     stack .*nanosleep", console), console
    assert "sysrq: Show Blocked State" in console, console
    assert "check FAIL sleep 1000 (timeout after 5s (SIGTERM))" in console, console
    # The bed goes on with the next check and ends normally.
    assert "nested: npt=1: check PASS vmm -- /bin/echo after" in console, console
    assert "nested: done" in console, console
    assert r.returncode == 1


def test_a_silent_bed_is_examined_and_ended(inputs):
    # No heartbeat and a check that sleeps silently: the console makes no progress.
    r, console = run_bed("--run", "sleep 1000", "--check-timeout", "600", "--beat", "0",
                         "--stall", "15", "--timeout", "240")
    assert "run.sh: STALL: no console output for" in r.stdout, r.stdout
    report = (BUILD / "nested/stall.txt").read_text(errors="replace")
    assert "(qemu) info registers" in report and re.search(r"RIP=[0-9a-f]{16}", report), report
    assert "(qemu) info lapic" in report and "IRR" in report, report
    assert "QEMU's threads on the host" in report, report
    # The NMI made the kernel panic with a backtrace, which ended QEMU (-no-reboot).
    assert "Kernel panic - not syncing: NMI" in console, tail(console, 40)
    assert "run.sh: FAIL: the bed stalled" in r.stdout, r.stdout
    assert r.returncode == 1
