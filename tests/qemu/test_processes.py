"""Processes and system calls of the guest kernel alone under QEMU (tests/qemu/boot.sh):
/bin/usertests through both system-call gates, on one and on two CPUs; init's interactive
mode on piped input; deaths by fault reported in one line; exec failures."""
import os
import re
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BOOT = os.path.join(HERE, "boot.sh")
KERNEL = os.path.join(ROOT, "build", "guest", "kernel.elf")
INITRD = os.path.join(ROOT, "build", "guest", "initrd.cpio")
VMM_EXIT_PANIC = 121
CTRL_D = "\x04"

pytestmark = [
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None,
                       reason="qemu-system-x86_64 is not installed"),
]


def boot(*args, stdin_text=None, timeout=120):
    for f in (KERNEL, INITRD):
        if not os.path.exists(f):
            pytest.fail(f"{f} is missing: run make first")
    r = subprocess.run([BOOT, "--timeout", str(timeout), *args],
                       input=stdin_text, stdin=None if stdin_text else subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace",
                       timeout=timeout + 30)
    print(r.stdout, r.stderr)
    return r


@pytest.mark.parametrize("gate", ["syscall", "trap"])
@pytest.mark.parametrize("cpus", ["1", "2"])
def test_usertests_pass(gate, cpus):
    r = boot("--cpus", cpus, "--cmdline", f"gate={gate}", "--", "/bin/usertests")
    assert f"syscall gate: {gate}" in r.stdout
    assert re.search(r"^usertests: \d+ passed, 0 failed\r?$", r.stdout, re.M)
    assert r.returncode == 0


def test_faults_are_reported_in_one_line_and_kill_only_the_process():
    r = boot("--", "/bin/usertests", "faults_kill_only_the_process")
    assert re.search(r"^pid \d+ \(usertests\): killed: page fault at 0x0 rip 0x40[0-9a-f]+\r?$",
                     r.stdout, re.M)
    assert re.search(r"killed: invalid opcode \(vector 6, error 0x0\) rip 0x40", r.stdout)
    assert "faults_kill_only_the_process: ok" in r.stdout
    assert r.returncode == 0


def test_exit_status_through_the_trap_gate():
    assert boot("--cmdline", "gate=trap", "--", "/bin/false").returncode == 1
    r = boot("--cmdline", "gate=trap", "--", "/bin/echo", "via", "the", "trap")
    assert re.search(r"^via the trap\r?$", r.stdout, re.M)
    assert r.returncode == 0


def test_missing_command_is_127():
    r = boot("--", "/bin/nope", "arg")
    assert "init: /bin/nope: not found" in r.stdout
    assert r.returncode == 127


def test_init_with_init_path_override():
    """init= names another program as the first process: it gets pid 1's arguments."""
    r = boot("--cmdline", "init=/bin/echo", "--", "one", "two")
    # echo exits, and init may not exit: that is a panic naming the status.
    assert re.search(r"^one two\r?$", r.stdout, re.M)
    assert r.returncode == VMM_EXIT_PANIC
    assert "init exited with status 0" in r.stdout


def test_interactive_init_runs_the_shell_until_ctrl_d():
    # The leading newline is an empty command: a byte that arrives before the console is
    # set up may be lost, and the shell ignores empty lines anyway.
    text = "\n/bin/false\n/bin/nope\n/bin/echo hi there\n" + CTRL_D
    r = boot(stdin_text=text)
    out = r.stdout
    assert "$ " in out
    assert re.search(r"^hi there\r?$", out, re.M)
    assert "sh: /bin/nope: not found" in out
    assert r.returncode == 0          # Ctrl-D: the shell exits with $?, init powers off


@pytest.mark.parametrize("cpus", ["1", "2"])
def test_grind_survives_random_system_calls(cpus):
    r = boot("--cpus", cpus, "--", "/bin/grind", "4000", timeout=300)
    assert re.search(r"^grind: done 4000 calls", r.stdout, re.M)
    assert r.returncode == 0
