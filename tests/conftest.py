"""Shared pytest fixtures: paths into the build tree, a helper that runs build/vmm, and the
disk images tests write to (private copies of the bundled one) with build/fsck to check them."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
VMM = os.path.join(BUILD, "vmm")
DISK_IMG = os.path.join(BUILD, "guest", "disk.img")
FSCK = os.path.join(BUILD, "fsck")
sys.path.insert(0, os.path.join(ROOT, "tests"))


def run_vmm(*args, timeout=60, stdin=subprocess.DEVNULL, vmm=VMM):
    """Run build/vmm with args; returns the CompletedProcess (text output). Tests never
    write to the bundled build/guest/disk.img: without a --disk of their own (a copy) they
    boot with --no-disk, from the initrd."""
    if "--disk" not in args and "--no-disk" not in args:
        args = ("--no-disk", *args)
    return subprocess.run([vmm, *args], stdin=stdin, capture_output=True, text=True,
                          timeout=timeout, errors="replace")


def disk_copy(tmp_path, name="disk.img"):
    """A private copy of the bundled disk image, for a test that writes."""
    if not os.path.exists(DISK_IMG):
        pytest.fail("build/guest/disk.img is missing: run make first")
    path = os.path.join(str(tmp_path), name)
    shutil.copyfile(DISK_IMG, path)
    return path


def fsck(path, *flags):
    """build/fsck [flags] on an image; the CompletedProcess, its output printed so that a
    failing test shows it."""
    r = subprocess.run([FSCK, *flags, path], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    return r


@pytest.fixture
def disk(tmp_path):
    """A fresh copy of the bundled disk for one test (disk_copy)."""
    return disk_copy(tmp_path)


@pytest.fixture
def vmm():
    if not os.path.exists(VMM):
        pytest.fail("build/vmm is missing: run make first")
    return run_vmm
