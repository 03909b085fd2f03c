"""Bad input to build/vmm: each is one line on stderr naming the problem and a non-zero
exit, never a crash or a hang."""
import os
import shutil
import struct
import subprocess

import pytest

from conftest import ROOT, VMM


def one_line_error(r, *fragments, status=None):
    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0, r
    assert r.returncode < 128, f"killed by a signal: {r}"
    if status is not None:
        assert r.returncode == status, r
    assert len(lines) == 1, f"expected one line, got: {r.stderr!r}"
    assert lines[0].startswith("vmm: "), lines
    for f in fragments:
        assert f in lines[0], f"{f!r} not in {lines[0]!r}"


def pvh_elf(segments, entry=0x100000, note=True):
    """A minimal ELF64 x86-64 executable: PT_LOAD segments [(paddr, data, memsz)] and a PVH
    note naming `entry`."""
    ehsize, phentsize = 64, 56
    phnum = len(segments) + (1 if note else 0)
    offset = ehsize + phentsize * phnum
    body, phdrs = b"", b""
    for paddr, data, memsz in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 7, offset + len(body), paddr, paddr,
                             len(data), memsz, 0x1000)
        body += data
    if note:
        desc = struct.pack("<I", entry)
        n = struct.pack("<III", 4, len(desc), 18) + b"Xen\0" + desc
        phdrs += struct.pack("<IIQQQQQQ", 4, 4, offset + len(body), 0, 0, len(n), len(n), 4)
        body += n
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, ehsize, 0, 0, ehsize,
                             phentsize, phnum, 64, 0, 0)
    return eh + phdrs + body


@pytest.mark.parametrize("args,fragments,status", [
    (["--mem", "12X"], ["--mem 12X", "not a size"], 2),
    (["--mem", "0"], ["--mem 0"], 2),
    (["--mem", "5G"], ["--mem 5G", "3G"], 2),
    (["--mem", "3M"], ["--mem 3M"], 2),
    (["--cpus", "0"], ["--cpus 0"], 2),
    (["--cpus", "two"], ["--cpus two"], 2),
    (["--cpus", "65"], ["--cpus 65"], 2),
    (["--timer", "hpet"], ["--timer hpet"], 2),
    (["--syscall-gate", "int80"], ["--syscall-gate int80"], 2),
    (["--frobnicate"], ["unknown option --frobnicate"], 2),
    (["--kernel"], ["--kernel", "argument"], 2),
    (["stray"], ["unexpected argument 'stray'"], 2),
    # A single dash is named as typed, and its two-dash spelling suggested.
    (["-cpus", "2"], ["unknown option -cpus", "--cpus"], 2),
    (["--no-disk", "-cpus", "2"], ["unknown option -cpus", "--cpus"], 2),
    (["-x"], ["unknown option -x"], 2),
    # Disk specs are command-line syntax: usage errors.
    (["--disk", "img,rw"], ["--disk img,rw", "unknown option 'rw'"], 2),
    (["--disk", "img,torn"], ["torn and volatile need crash-after"], 2),
])
def test_bad_options(vmm, args, fragments, status):
    one_line_error(vmm(*args), *fragments, status=status)


def test_help_lists_options(vmm):
    r = vmm("--help")
    assert r.returncode == 0
    for opt in ["--kernel", "--initrd", "--mem", "--cpus", "--cmdline", "--timer",
                "--syscall-gate", "--stats", "Ctrl-A x"]:
        assert opt in r.stdout


def test_missing_kernel(vmm, tmp_path):
    one_line_error(vmm("--kernel", str(tmp_path / "nope.elf")), "nope.elf",
                   "No such file", status=1)


def test_kernel_is_a_directory(vmm, tmp_path):
    one_line_error(vmm("--kernel", str(tmp_path)), "not a regular file", status=1)


def test_kernel_not_elf(vmm, tmp_path):
    k = tmp_path / "k"
    k.write_bytes(b"#!/bin/sh\necho this is not a kernel\n")
    one_line_error(vmm("--kernel", str(k)), str(k), "ELF", status=1)


def test_kernel_without_pvh_note(vmm, tmp_path):
    k = tmp_path / "k"
    k.write_bytes(pvh_elf([(0x100000, b"\xf4" * 16, 16)], note=False))
    one_line_error(vmm("--kernel", str(k)), "PVH", status=1)


def test_kernel_segment_outside_ram(vmm, tmp_path):
    k = tmp_path / "k"
    k.write_bytes(pvh_elf([(0x100000, b"\xf4" * 16, 16), (0x20000000, b"\x90" * 16, 16)]))
    one_line_error(vmm("--mem", "64M", "--kernel", str(k)), "outside guest RAM", status=1)


def test_kernel_truncated(vmm, tmp_path):
    good = pvh_elf([(0x100000, b"\xf4" * 4096, 4096)])
    k = tmp_path / "k"
    k.write_bytes(good[:200])
    one_line_error(vmm("--kernel", str(k)), str(k), status=1)


def test_missing_initrd(vmm, tmp_path):
    one_line_error(vmm("--initrd", str(tmp_path / "none.cpio")), "none.cpio",
                   "No such file", status=1)


def test_initrd_too_big_for_ram(vmm, tmp_path):
    big = tmp_path / "big.cpio"
    with open(big, "wb") as f:
        f.truncate(40 << 20)
    one_line_error(vmm("--mem", "32M", "--initrd", str(big)), "does not fit", status=1)


def test_no_kvm_permission(tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to drop to an unprivileged user")
    if os.stat("/dev/kvm").st_mode & 0o006:
        pytest.skip("/dev/kvm is world-accessible here: no permission error to provoke")
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", VMM],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    one_line_error(r, "/dev/kvm", "permission denied", status=1)


def test_no_kvm_device():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to hide /dev/kvm in a mount namespace")
    r = subprocess.run(["unshare", "-m", "sh", "-c",
                        f"mount -t tmpfs none /dev && exec {VMM}"],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    one_line_error(r, "/dev/kvm does not exist", status=1)


def test_kvm_not_a_kvm_device():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to replace /dev/kvm in a mount namespace")
    r = subprocess.run(["unshare", "-m", "sh", "-c",
                        f"mount --bind /dev/null /dev/kvm && exec {VMM}"],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    one_line_error(r, "/dev/kvm: not a KVM device", status=1)


def test_vmm_builds_and_runs_without_the_gdb_stub(tmp_path):
    """`make GDB=no` leaves vmm/gdb/ out: the VMM still boots a guest, and --gdb is a usage
    error that says why (the run loop reaches the stub only through its hooks)."""
    build = tmp_path / "build"
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "-j2", "GDB=no",
                        f"BUILD={build}", f"{build}/vmm"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout[-2000:]
    nm = subprocess.run(["nm", str(build / "vmm")], capture_output=True, text=True).stdout
    assert "gdb_stop_all" not in nm, "vmm/gdb/ was linked in"
    guest = os.path.join(ROOT, "build", "guest")
    bundled = ["--kernel", os.path.join(guest, "kernel.elf"),
               "--initrd", os.path.join(guest, "initrd.cpio"), "--no-disk"]
    r = subprocess.run([str(build / "vmm"), *bundled, "--", "/bin/echo", "no-stub"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "no-stub" in r.stdout.splitlines(), r
    r = subprocess.run([str(build / "vmm"), *bundled, "--gdb", "1234", "--", "/bin/true"],
                       capture_output=True, text=True, timeout=60)
    one_line_error(r, "--gdb", "without the GDB stub", status=2)


def test_stats_path_is_checked_before_the_guest_runs(vmm):
    r = vmm("--no-disk", "--stats", "/nonexistent/dir/s.json", "--", "/bin/echo", "ran")
    one_line_error(r, "--stats /nonexistent/dir/s.json", "No such file", status=1)
    assert "ran" not in r.stdout, "the guest ran before the bad --stats path was noticed"


def test_same_writable_image_twice(vmm, tmp_path):
    img = tmp_path / "d.img"
    img.write_bytes(bytes(1 << 20))
    r = vmm("--disk", str(img), "--disk", str(img), "--", "/bin/true")
    one_line_error(r, "the same image as disk 0", status=2)
    assert "another vmm" not in r.stderr


@pytest.mark.parametrize("sig", ["TERM", "INT", "HUP"])
def test_signal_stops_the_machine_like_a_power_off(tmp_path, sig):
    """SIGTERM/SIGINT/SIGHUP: one line naming the signal, exit 128+N, --stats written, and
    what the guest wrote on its disk flushed."""
    import signal as signals
    stats = tmp_path / "s.json"
    p = subprocess.Popen([VMM, "--no-disk", "--stats", str(stats), "--", "/bin/sh", "-c",
                          "echo up; sleep 60"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stdout:
            if line.strip() == "up":
                break
        p.send_signal(getattr(signals, "SIG" + sig))
        _, err = p.communicate(timeout=30)
    finally:
        p.kill()
    num = getattr(signals, "SIG" + sig).value
    assert p.returncode == 128 + num, (p.returncode, err)
    assert f"vmm: stopped by SIG{sig}" in err.splitlines(), err
    import json
    assert json.loads(stats.read_text())["exit_status"] == 128 + num
