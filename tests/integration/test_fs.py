"""The guest's file system on a virtio disk, end to end: files persist across boots, the
disk stays fsck-clean, each file-system system call behaves (guest/user/fstests.c), the
journaling modes, raw block I/O on a second disk, and exec from the disk."""
import os
import subprocess

import pytest
from conftest import ROOT, VMM, fsck


def test_files_persist_across_boots(vmm, disk):
    r = vmm("--disk", disk, "--", "/bin/sh", "-c", "echo x > /f")
    assert r.returncode == 0, r.stderr
    r = vmm("--disk", disk, "--", "/bin/cat", "/f")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "x"
    assert fsck(disk).returncode == 0


def test_programs_come_from_the_disk(vmm, disk):
    # A program that exists only on the disk (copied there in the first boot) runs from it.
    r = vmm("--disk", disk, "--", "/bin/cp", "/bin/echo", "/hello")
    assert r.returncode == 0, r.stderr
    r = vmm("--disk", disk, "--", "/hello", "from", "the", "disk")
    assert r.returncode == 0, r.stderr
    assert "from the disk" in r.stdout
    assert "fs: mounted disk 0" in r.stdout + r.stderr


@pytest.mark.parametrize("mode", ["ordered", "journal", "writeback"])
def test_fstests_quick(vmm, disk, mode):
    r = vmm("--disk", disk, "--cmdline", f"fsmode={mode}", "--", "/bin/fstests",
            "create_read", "seek_holes", "dirs", "links_rename", "unlink_open", "errors",
            timeout=300)
    print(r.stdout, r.stderr)
    assert f"{mode} mode" in r.stdout + r.stderr
    assert "fstests: 6 passed, 0 failed" in r.stdout
    assert r.returncode == 0
    assert fsck(disk).returncode == 0


def test_fstests_big_file_and_concurrent_writers(vmm, disk):
    r = vmm("--disk", disk, "--", "/bin/fstests", "bigfile", "concurrent", timeout=600)
    print(r.stdout, r.stderr)
    assert "fstests: 2 passed, 0 failed" in r.stdout
    assert fsck(disk).returncode == 0


@pytest.mark.skipif(not os.environ.get("FS_SLOW"), reason="300 files: minutes; FS_SLOW=1 runs it")
def test_fstests_many_files(vmm, disk):
    r = vmm("--disk", disk, "--", "/bin/fstests", "many_files", timeout=900)
    assert "fstests: 1 passed, 0 failed" in r.stdout
    assert fsck(disk).returncode == 0


def test_ls_mkdir_mv_rm_ln_df(vmm, disk):
    script = ("mkdir -p /a/b; echo one > /a/b/f; ln /a/b/f /a/g; mv /a/g /a/h; cp /a/h /a/c; "
              "touch /a/t; ls -l /a; rm -r /a/b; ls /a; df; sync")
    r = vmm("--disk", disk, "--", "/bin/sh", "-c", script)
    out = r.stdout
    assert r.returncode == 0, r.stderr
    assert "-rw-r--r--   2         4" in out           # /a/h: the link, 4 bytes
    assert "drwxr-xr-x" in out
    assert "\nc\nh\nt\n" in out                        # after rm -r /a/b
    assert "Mounted on" in out and "ordered mode" in out
    r = vmm("--disk", disk, "--", "/bin/cat", "/a/c")
    assert r.stdout.splitlines()[-1] == "one"
    assert fsck(disk).returncode == 0


def test_ls_escapes_names_it_cannot_print(disk):
    # A name with a control byte, a non-ASCII byte and a backslash, made by touch.
    name = b"/bad\x01name\xff\\x"
    assert subprocess.run([VMM, "--disk", disk, "--", "/bin/touch", name]).returncode == 0
    for args in (["/bin/ls", "/"], ["/bin/ls", "-l", "/"]):
        r = subprocess.run([VMM, "--disk", disk, "--", *args], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert any(l.endswith(b"bad\\001name\\377\\\\x") for l in lines), lines
        assert not any(b"\x01" in l or b"\xff" in l for l in lines)


def test_the_prompt_says_whether_files_persist(vmm, disk):
    # The interactive shell (no command; stdin at its end) starts after init's notice.
    out = vmm("--disk", disk).stdout
    notice = "files you write persist on the disk (make run: build/guest/disk.img);" \
             " `make pristine-disk` restores it as built"
    assert notice in out and out.index(notice) < out.index("$ ")
    assert "the disk is read-only: files cannot be written" in vmm("--disk", disk + ",ro").stdout
    assert "no disk: files cannot be written" in vmm("--no-disk").stdout
    assert "persist" not in vmm("--disk", disk, "--", "/bin/true").stdout   # a command: no notice


def test_make_pristine_disk_rebuilds_the_image(vmm, disk):
    assert vmm("--disk", disk, "--", "/bin/sh", "-c", "echo mine > /kept").returncode == 0
    assert "kept" in vmm("--disk", disk, "--", "/bin/ls", "/").stdout.split()
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "pristine-disk",
                        f"DISK_IMG={disk}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kept" not in vmm("--disk", disk, "--", "/bin/ls", "/").stdout.split()
    assert fsck(disk).returncode == 0


def test_raw_disk_io_on_a_second_disk(vmm, disk, tmp_path):
    scratch = tmp_path / "scratch.img"
    with open(scratch, "wb") as f:
        f.truncate(4 << 20)
    r = vmm("--disk", disk, "--disk", str(scratch), "--", "/bin/disktest", "1")
    print(r.stdout, r.stderr)
    assert "disktest: PASS" in r.stdout
    data = scratch.read_bytes()
    assert data[:4096] != bytes(4096)                  # block 0 written on the host file


def test_read_only_disk_mounts_and_refuses_writes(vmm, disk):
    r = vmm("--disk", disk + ",ro", "--", "/bin/sh", "-c", "cat /bin/../bin/ls > /dev/null; "
            "echo y > /new")
    assert "read-only" in r.stdout + r.stderr
    r = vmm("--disk", disk, "--", "/bin/ls", "/")
    assert "new" not in r.stdout.split()


def test_no_disk_falls_back_to_the_initrd(vmm, tmp_path):
    # Without a usable disk the programs come from the initrd and file calls fail cleanly.
    blank = tmp_path / "blank.img"
    with open(blank, "wb") as f:
        f.truncate(1 << 20)
    r = vmm("--disk", str(blank), "--", "/bin/sh", "-c", "echo hi; echo x > /f")
    assert "hi" in r.stdout
    assert "cannot mount disk 0" in r.stdout + r.stderr


def test_the_bundled_disk_is_the_default_root():
    # No --disk: the bundled image is the root file system (only read here).
    r = subprocess.run([VMM, "--", "/bin/ls", "/bin"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    assert r.returncode == 0, r
    assert "fs: mounted disk 0" in r.stdout
    assert "sh" in r.stdout.split()


def test_power_off_leaves_an_empty_journal(vmm, disk):
    # A clean power-off commits and checkpoints: the next mount has nothing to replay.
    r = vmm("--disk", disk, "--", "/bin/sh", "-c", "echo a > /a; mkdir /d; echo b > /d/b")
    assert r.returncode == 0, r
    f = fsck(disk, "-n")
    assert f.returncode == 0, f.stdout + f.stderr
    assert "needs recovery" not in f.stdout + f.stderr, f.stdout
