"""virtio-blk end to end with a tiny hand-made guest: a 32-bit PVH kernel (assembled here
with GNU as) that sets up queue 0 of the disk in slot 0, reads sector 1, writes it back to
sector 2, and powers off with 0 or a failure code. This checks the whole VMM path: the
MMIO registers, QueueNotify caught by KVM_IOEVENTFD (it never reaches the MMIO bus), the
I/O thread, and crash-after's exit status. It also checks the --disk errors."""
import json
import os
import shutil
import subprocess

import pytest

from test_cli import pvh_elf, one_line_error

GUEST = r"""
.code32
.set BASE, 0xfeb00000
.set DESC, 0x200000
.set AVAIL, 0x201000
.set USED, 0x202000
.set HDR, 0x203000
.set STATUS, 0x203100
.set DATA, 0x204000
start:
    mov $BASE, %esi
    mov $10, %eax
    cmpl $0x74726976, 0x0(%esi)
    jne fail
    movl $0, 0x70(%esi)
    movl $1, 0x70(%esi)
    movl $3, 0x70(%esi)
    movl $1, 0x24(%esi)          # DriverFeaturesSel 1: VIRTIO_F_VERSION_1
    movl $1, 0x20(%esi)
    movl $11, 0x70(%esi)         # FEATURES_OK
    mov $11, %eax
    testl $8, 0x70(%esi)
    jz fail
    movl $0, 0x30(%esi)          # queue 0, 8 entries
    movl $8, 0x38(%esi)
    movl $DESC, 0x80(%esi)
    movl $0, 0x84(%esi)
    movl $AVAIL, 0x90(%esi)
    movl $0, 0x94(%esi)
    movl $USED, 0xa0(%esi)
    movl $0, 0xa4(%esi)
    movl $1, 0x44(%esi)
    movl $15, 0x70(%esi)         # DRIVER_OK
    # Request 0: IN, sector 1 -> DATA. Descriptors 0-2.
    movl $0, HDR
    movl $1, HDR+8
    movl $HDR, DESC+0
    movl $16, DESC+8
    movw $1, DESC+12
    movw $1, DESC+14
    movl $DATA, DESC+16
    movl $512, DESC+24
    movw $3, DESC+28
    movw $2, DESC+30
    movl $STATUS, DESC+32
    movl $1, DESC+40
    movw $2, DESC+44
    movb $0xff, STATUS
    movw $0, AVAIL+4
    movw $1, AVAIL+2
    movl $0, 0x50(%esi)          # QueueNotify
1:  cmpw $1, USED+2
    jne 1b
    mov $12, %eax
    cmpb $0, STATUS
    jne fail
    mov $13, %eax
    cmpl $0x54434553, DATA       # "SECT"
    jne fail
    # Request 1: OUT, DATA -> sector 2. Descriptors 3-5.
    movl $1, HDR+16
    movl $2, HDR+24
    movl $HDR+16, DESC+48
    movl $16, DESC+56
    movw $1, DESC+60
    movw $4, DESC+62
    movl $DATA, DESC+64
    movl $512, DESC+72
    movw $1, DESC+76
    movw $5, DESC+78
    movl $STATUS+1, DESC+80
    movl $1, DESC+88
    movw $2, DESC+92
    movb $0xff, STATUS+1
    movw $3, AVAIL+6
    movw $2, AVAIL+2
    movl $0, 0x50(%esi)
2:  cmpw $2, USED+2
    jne 2b
    mov $14, %eax
    cmpb $0, STATUS+1
    jne fail
    mov $15, %eax
    testl $1, 0x60(%esi)         # InterruptStatus: used buffer
    jz fail
    movl $1, 0x64(%esi)
    mov $0, %eax
fail:
    mov $0x700, %dx
    out %eax, %dx
3:  hlt
    jmp 3b
"""

# Register accesses the guest makes, QueueNotify aside (see GUEST).
REGISTER_ACCESSES = 20


@pytest.fixture(scope="module")
def guest_kernel(tmp_path_factory):
    if shutil.which("as") is None or shutil.which("objcopy") is None:
        pytest.skip("GNU as/objcopy are needed to assemble the test guest")
    d = tmp_path_factory.mktemp("guest")
    (d / "g.s").write_text(GUEST)
    subprocess.run(["as", "--32", "-o", str(d / "g.o"), str(d / "g.s")], check=True)
    subprocess.run(["objcopy", "-O", "binary", "-j", ".text", str(d / "g.o"), str(d / "g.bin")],
                   check=True)
    code = (d / "g.bin").read_bytes()
    k = d / "kernel.elf"
    k.write_bytes(pvh_elf([(0x100000, code, len(code))]))
    return str(k)


def disk(tmp_path, sectors=16):
    img = tmp_path / "disk.img"
    data = bytearray(512 * sectors)
    data[512:516] = b"SECT"
    data[516:1024] = bytes((i * 3) & 0xff for i in range(508))
    img.write_bytes(bytes(data))
    return img


def test_guest_reads_and_writes_through_ioeventfd(vmm, guest_kernel, tmp_path):
    img = disk(tmp_path)
    stats = tmp_path / "stats.json"
    r = vmm("--kernel", guest_kernel, "--disk", str(img), "--stats", str(stats), timeout=60)
    assert r.returncode == 0, f"guest failure code {r.returncode}: {r.stderr}"
    data = img.read_bytes()
    assert data[1024:1536] == data[512:1024], "sector 2 is not the copy of sector 1"
    mmio = json.loads(stats.read_text())["mmio"]
    region = next(v for k, v in mmio.items() if k.startswith("virtio0@"))
    assert region["accesses"] == REGISTER_ACCESSES, \
        "QueueNotify reached the MMIO bus: the ioeventfd did not catch it"
    print(f"guest read sector 1 and wrote sector 2; {REGISTER_ACCESSES} register exits, "
          "the 2 notifies went through KVM_IOEVENTFD")


def test_crash_after_zero_cuts_power_at_the_first_write(vmm, guest_kernel, tmp_path):
    img = disk(tmp_path)
    before = img.read_bytes()
    r = vmm("--kernel", guest_kernel, "--disk", f"{img},crash-after=0", timeout=60)
    assert r.returncode == 123, r.stderr
    assert "power cut" in r.stderr
    assert img.read_bytes() == before
    print("crash-after=0: vmm exited 123 and the write never reached the image")


def test_crash_after_one_lets_the_first_write_through(vmm, guest_kernel, tmp_path):
    img = disk(tmp_path)
    r = vmm("--kernel", guest_kernel, "--disk", f"{img},crash-after=1,volatile,seed=3",
            timeout=60)
    assert r.returncode == 0, r.stderr
    data = img.read_bytes()
    assert data[1024:1536] == data[512:1024]


def test_read_only_disk_refuses_the_write(vmm, guest_kernel, tmp_path):
    img = disk(tmp_path)
    before = img.read_bytes()
    r = vmm("--kernel", guest_kernel, "--disk", f"{img},ro", timeout=60)
    assert r.returncode == 14, r.stderr          # the guest saw IOERR on its write
    assert img.read_bytes() == before


# A bad spec is a usage error (2); an image that cannot be used is an error (1).
@pytest.mark.parametrize("spec,fragments,status", [
    ("{d},frob", ["unknown option 'frob'"], 2),
    ("{d},crash-after=x", ["crash-after=x", "not a number"], 2),
    ("{d},torn", ["crash-after"], 2),
    ("{d},ro,crash-after=1", ["writable"], 2),
    ("{tmp}/missing.img", ["missing.img", "No such file"], 1),
    ("{tmp}/odd.img", ["odd.img", "multiple of 512"], 1),
    ("{tmp}/empty.img", ["empty.img", "multiple of 512"], 1),
    ("{tmp}", ["Is a directory"], 1),
])
def test_bad_disks(vmm, tmp_path, spec, fragments, status):
    (tmp_path / "odd.img").write_bytes(bytes(1000))
    (tmp_path / "empty.img").write_bytes(b"")
    d = disk(tmp_path)
    one_line_error(vmm("--disk", spec.format(d=d, tmp=tmp_path)), *fragments, status=status)


def test_too_many_disks(vmm, tmp_path):
    d = str(disk(tmp_path))
    args = []
    for _ in range(9):
        args += ["--disk", d + ",ro"]        # readers share an image; a writer has it alone
    one_line_error(vmm(*args), "too many disks", status=2)


def test_a_writable_image_is_locked(vmm, tmp_path):
    """Another vmm (here: its lock, held by this test) keeps the image: a writer is refused
    while it writes, and so is a reader; the same image twice in one vmm is named as such."""
    import fcntl
    d = str(disk(tmp_path))
    with open(d, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        one_line_error(vmm("--disk", d), "in use by another vmm", status=1)
        one_line_error(vmm("--disk", d + ",ro"), "being written by another vmm", status=1)
    one_line_error(vmm("--disk", d, "--disk", d + ",ro"), "the same image as disk 0", status=2)


def test_an_image_that_cannot_be_written_suggests_ro(vmm, tmp_path):
    """An image the VMM cannot open for writing (here immutable: even root cannot) says
    so and suggests attaching it read-only; with ,ro it boots."""
    img = str(disk(tmp_path))
    if subprocess.run(["chattr", "+i", img], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported on this file system (the test's only way, as "
                    "root, to make an image that cannot be opened for writing)")
    try:
        one_line_error(vmm("--disk", img, "--", "/bin/true"), "attach it read-only with ,ro",
                       status=1)
        r = vmm("--disk", img + ",ro", "--", "/bin/true")
        assert r.returncode == 0, r
    finally:
        subprocess.run(["chattr", "-i", img])
