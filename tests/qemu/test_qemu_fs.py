"""The guest kernel alone under QEMU mounts the same disk image through QEMU's own
virtio-blk-device (modern virtio-mmio): a file written under QEMU is read under build/vmm
and back, the image stays fsck-clean, and raw block I/O works on QEMU's device."""
import os
import shutil
import subprocess

import pytest
from conftest import fsck

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BOOT = os.path.join(HERE, "boot.sh")
BUILD = os.path.join(ROOT, "build")

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None,
                                reason="qemu-system-x86_64 is not installed")


def boot(*args, timeout=180):
    r = subprocess.run([BOOT, "--timeout", str(timeout), *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace", timeout=timeout + 30)
    print(r.stdout, r.stderr)
    return r


def test_qemu_and_vmm_share_a_disk(disk):
    r = boot("--disk", disk, "--", "/bin/sh", "-c", "echo from-qemu > /q; mkdir /qd")
    assert r.returncode == 0
    assert "fs: mounted disk 0" in r.stdout
    assert fsck(disk).returncode == 0
    v = subprocess.run([os.path.join(BUILD, "vmm"), "--disk", disk, "--", "/bin/sh", "-c",
                        "cat /q; echo from-vmm > /qd/v"], capture_output=True, text=True)
    assert "from-qemu" in v.stdout
    r = boot("--disk", disk, "--", "/bin/cat", "/qd/v")
    assert r.returncode == 0 and "from-vmm" in r.stdout
    assert fsck(disk).returncode == 0


def test_qemu_raw_block_io(disk, tmp_path):
    scratch = tmp_path / "scratch.img"
    with open(scratch, "wb") as f:
        f.truncate(4 << 20)
    r = boot("--disk", disk, "--disk", str(scratch), "--", "/bin/disktest", "1")
    assert r.returncode == 0 and "disktest: PASS" in r.stdout
