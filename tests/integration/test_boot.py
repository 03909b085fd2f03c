"""Boot the bundled guest on this host's KVM and check what a user sees: command output,
exit statuses, panics, vCPUs, the system-call gate, timers and --stats."""
import json
import os
import struct

import pytest

from conftest import ROOT, VMM
from test_cli import pvh_elf


def host_backend():
    if os.path.exists("/sys/module/kvm_pvm"):
        return "pvm"
    if os.path.exists("/sys/module/kvm_intel"):
        return "vmx"
    if os.path.exists("/sys/module/kvm_amd"):
        return "svm"
    return "unknown"


def banner(out):
    lines = [l for l in out.splitlines() if l.startswith("minivmm kernel:")]
    assert lines, f"no kernel banner in {out!r}"
    return lines[0]


def test_poweroff_status_from_a_minimal_kernel(vmm, tmp_path):
    # Four instructions: mov $42,%al; mov $0x700,%dx; out %eax,(%dx) -> vmm exits with 42.
    k = tmp_path / "out.elf"
    k.write_bytes(pvh_elf([(0x100000, b"\xb0\x2a\x66\xba\x00\x07\xef\xf4" + b"\xf4" * 8, 16)]))
    initrd = tmp_path / "empty.cpio"
    initrd.write_bytes(b"")
    r = vmm("--kernel", str(k), "--initrd", str(initrd))
    assert r.returncode == 42, r
    assert r.stderr == ""


def test_echo(vmm):
    r = vmm("--", "/bin/echo", "hi")
    assert r.returncode == 0, r
    assert "hi" in r.stdout.splitlines()


def test_echo_arguments_keep_spaces(vmm):
    r = vmm("--", "/bin/echo", "two  spaces", "and\ttab")
    assert r.returncode == 0, r
    assert "two  spaces and\ttab" in r.stdout.splitlines()


def test_true_and_false(vmm):
    assert vmm("--", "/bin/true").returncode == 0
    r = vmm("--", "/bin/false")
    assert r.returncode == 1, r


def test_command_not_found(vmm):
    r = vmm("--", "/bin/no-such-program")
    assert r.returncode == 127, r
    assert "not found" in r.stdout


def test_panic_is_reported(vmm):
    r = vmm("--cmdline", "init=/nonexistent", "--", "/bin/true")
    assert r.returncode == 121, r
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("vmm: guest panic:"), r.stderr
    assert "init" in lines[-1]


def test_banner_names_host_and_gate(vmm):
    r = vmm("--", "/bin/true")
    assert r.returncode == 0, r
    b = banner(r.stdout)
    assert f"host {host_backend()}" in b
    expected = "trap" if host_backend() == "pvm" else "syscall"
    assert f"syscall gate {expected}" in b


def test_forced_trap_gate(vmm):
    r = vmm("--syscall-gate", "trap", "--", "/bin/echo", "via-trap")
    assert r.returncode == 0, r
    assert "syscall gate trap" in banner(r.stdout)
    assert "via-trap" in r.stdout.splitlines()


def test_forced_syscall_gate_is_passed_on(vmm):
    # On PVM a user-mode `syscall` cannot enter the kernel, so the program cannot work;
    # the point here is that the choice reaches the guest (and nothing hangs).
    r = vmm("--syscall-gate", "syscall", "--", "/bin/echo", "via-syscall", timeout=60)
    assert "syscall gate syscall" in banner(r.stdout)
    if host_backend() != "pvm":
        assert r.returncode == 0 and "via-syscall" in r.stdout.splitlines(), r
    else:
        assert r.returncode != 0 and r.returncode < 128, r


def test_two_cpus(vmm):
    r = vmm("--cpus", "2", "--", "/bin/echo", "smp")
    assert r.returncode == 0, r
    assert "2 cpus" in banner(r.stdout)
    assert "cpu 1 online" in r.stdout
    assert "smp" in r.stdout.splitlines()


def test_pit_tick(vmm, tmp_path):
    stats = tmp_path / "s.json"
    r = vmm("--timer", "pit", "--stats", str(stats), "--", "/bin/true")
    assert r.returncode == 0, r
    assert "tick pit" in banner(r.stdout)
    s = json.loads(stats.read_text())
    assert s["pit_irqs"] > 0


def test_stats_json(vmm, tmp_path):
    stats = tmp_path / "s.json"
    r = vmm("--stats", str(stats), "--", "/bin/echo", "counted")
    assert r.returncode == 0, r
    s = json.loads(stats.read_text())
    assert s["exit_status"] == 0
    assert s["host"]["kvm_backend"] == host_backend()
    assert s["exits"]["by_reason"]["IO"] > 0
    uart = s["pio"]["uart@0x3f8"]
    assert uart["accesses"] >= len("counted\n")
    assert uart["by_address"]["0x3f8"] >= len("counted\n")
    assert s["pio"]["control@0x700"]["accesses"] >= 1
    assert s["time"]["guest_ns"] > 0 and s["time"]["vmm_ns"] > 0
    assert "exits" in s["per_vcpu"][0]["kvm"]
    assert s["per_vcpu"][0]["kvm"]["exits"] > 0


def test_triple_fault_is_reported(vmm, tmp_path):
    # 32-bit code with no IDT: ud2 -> #UD -> #GP -> #DF -> triple fault (or, on PVM, an
    # emulation failure): either way a report naming rip, and the crash status.
    k = tmp_path / "crash.elf"
    k.write_bytes(pvh_elf([(0x100000, b"\x0f\x0b" + b"\xf4" * 14, 16)]))
    initrd = tmp_path / "empty.cpio"
    initrd.write_bytes(b"")
    r = vmm("--kernel", str(k), "--initrd", str(initrd), timeout=30)
    assert r.returncode == 122, r
    assert "rip 0x100000" in r.stderr
    assert "triple fault" in r.stderr or "internal error" in r.stderr
    assert "0f 0b" in r.stderr     # the instruction bytes at rip
