"""tests/qemu/profile.sh: the per-function table of executed kernel instructions from a
QEMU exec trace (kprof.py), whole boots and per osbench operation."""
import os
import re
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROFILE = os.path.join(HERE, "profile.sh")
INITRD = os.path.join(ROOT, "build", "guest", "initrd.cpio")

pytestmark = [
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None,
                       reason="qemu-system-x86_64 is not installed"),
]


def profile(*args):
    if not os.path.exists(INITRD):
        pytest.fail("build/guest/initrd.cpio is missing: run make first")
    r = subprocess.run([PROFILE, *args], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, errors="replace", timeout=300)
    print(r.stdout, r.stderr)
    assert r.returncode == 0
    return r


def table(out):
    """{function: instructions} and the total from the table."""
    total = int(re.search(r"^kernel instructions: (\d+)", out, re.M).group(1))
    rows = {}
    for m in re.finditer(r"^(\S+)\s+(-?\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)%$", out, re.M):
        rows[m.group(1)] = int(m.group(2))
    return total, rows


def test_boot_table_names_the_boot_functions_and_adds_up():
    r = profile("--top", "1000", "--", "/bin/true")
    assert "guest exit status 0" in r.stderr
    total, rows = table(r.stdout)
    # Functions every boot runs once, found by the kernel's own symbols.
    for fn in ("kmain", "vm_init", "idt_init", "exec_image", "proc_exit"):
        assert rows.get(fn, 0) > 0, fn
    assert sum(rows.values()) == total
    assert total > 10000


def test_start_stop_window_counts_less_than_the_whole_boot():
    whole, _ = table(profile("--", "/bin/true").stdout)
    part, rows = table(profile("--start", "userinit", "--", "/bin/true").stdout)
    assert 0 < part < whole
    assert "vm_init" not in rows and "kmain" not in rows   # before userinit


def test_callers_of_a_function():
    r = profile("--callers", "exec_image", "--", "/bin/true")
    assert "entries of exec_image" in r.stdout
    assert re.search(r"^exec_load\s+\d", r.stdout, re.M)


def test_osbench_row_per_operation():
    total, rows = table(profile("--osbench", "null_syscall", "--top", "1000").stdout)
    # One getpid through the trap gate: the trap entry, the dispatch and the return.
    assert 20 < total < 1000
    assert rows.get("syscall_dispatch", 0) > 0
