"""Faults of the host, not the guest (docs/security.md): a full disk, a file-size limit
and a backing file truncated under the VMM become I/O errors for the guest; a closed, broken or full stdout
neither kills the VMM nor holds the machine; a GDB client that vanishes mid-packet or
mid-reply lets the guest go on. (EIO and ENOSPC on every request type, inline and through
io_uring: tests/unit/test_virtio_blk.c.)"""
import errno
import fcntl
import json
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import time

import pytest

import test_virtio_blk
from conftest import VMM, disk_copy, fsck
from test_cli import pvh_elf

F_SETPIPE_SZ = 1031


def read_until(f, text, timeout=30):
    """Read the pipe f until text appears; everything read."""
    got, deadline = b"", time.monotonic() + timeout
    while text.encode() not in got:
        left = deadline - time.monotonic()
        assert left > 0 and select.select([f], [], [], left)[0], f"no {text!r} in {got!r}"
        chunk = os.read(f.fileno(), 4096)
        assert chunk, f"EOF before {text!r}: {got!r}"
        got += chunk
    return got.decode(errors="replace")


# ---- the disk ----

@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs (as root), unmounted afterwards."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                                            str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


@pytest.fixture
def far_writer(tmp_path):
    """The hand-made guest of test_virtio_blk.py, writing sector 64 instead of 2 (32 KiB
    in, a page of its own); it powers off with 14 if the write gets IOERR."""
    if shutil.which("as") is None or shutil.which("objcopy") is None:
        pytest.skip("GNU as/objcopy are needed to assemble the test guest")
    src = test_virtio_blk.GUEST.replace("movl $2, HDR+24", "movl $64, HDR+24")
    assert src != test_virtio_blk.GUEST
    kernel = tmp_path / "k.elf"
    code = assemble(src, tmp_path)
    kernel.write_bytes(pvh_elf([(0x100000, code, len(code))]))
    return str(kernel)


def sparse_image(path):
    """128 sectors, sector 1 starting with "SECT", the rest a hole."""
    with open(path, "wb") as f:
        f.truncate(512 * 128)
        f.seek(512)
        f.write(b"SECT")
    return path


def test_disk_full_is_an_io_error_for_the_guest(vmm, far_writer, small_tmpfs):
    """On a full tmpfs the page of sector 64 cannot be allocated (ENOSPC): the guest gets
    IOERR for the write and the VMM exits with the guest's status, not an error."""
    img = sparse_image(small_tmpfs / "disk.img")
    fd = os.open(small_tmpfs / "filler", os.O_WRONLY | os.O_CREAT)
    with pytest.raises(OSError) as e:             # fill the tmpfs
        while True:
            os.write(fd, bytes(4096))
    os.close(fd)
    assert e.value.errno == errno.ENOSPC
    r = vmm("--kernel", far_writer, "--disk", str(img), timeout=60)
    assert r.returncode == 14, r                  # the guest saw IOERR on its write
    assert "vmm:" not in r.stderr, r.stderr


@pytest.mark.parametrize("opts", ["", ",crash-after=100"])   # io_uring; pwrite inline
def test_file_size_limit_is_an_io_error_not_sigxfsz(far_writer, tmp_path, opts):
    """ulimit -f 16 (KiB): the write at 32 KiB fails with EFBIG instead of SIGXFSZ
    killing the VMM."""
    img = sparse_image(tmp_path / "disk.img")
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))  # noqa: E731
    r = subprocess.run([VMM, "--kernel", far_writer, "--disk", f"{img}{opts}"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                       preexec_fn=limit)
    assert r.returncode == 14, r


def assemble(src, tmp_path):
    (tmp_path / "g.s").write_text(src)
    subprocess.run(["as", "--32", "-o", str(tmp_path / "g.o"), str(tmp_path / "g.s")], check=True)
    subprocess.run(["objcopy", "-O", "binary", "-j", ".text", str(tmp_path / "g.o"),
                    str(tmp_path / "g.bin")], check=True)
    return (tmp_path / "g.bin").read_bytes()


def test_image_truncated_while_in_use(tmp_path):
    """The image shrinks to 1 MiB under a running guest: reads past the new end are I/O
    errors the guest's programs report; the guest still powers off with its status."""
    img = disk_copy(tmp_path)
    p = subprocess.Popen([VMM, "--disk", img, "--", "/bin/sh", "-c",
                          "echo ready; /bin/sleep 1; /bin/ls -l /bin; /bin/wc -c /bin/usertests; "
                          "exit 9"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        read_until(p.stdout, "ready")
        os.truncate(img, 1 << 20)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode in (9, 126, 127), (p.returncode, out, err)  # the guest's status
    assert b"input/output error" in out, out
    assert b"vmm:" not in err, err


# ---- the console ----

def test_closed_stdout_takes_no_file_of_the_vmm(tmp_path):
    """vmm >&-: stdout becomes /dev/null before anything is opened, so the guest's output
    cannot land in the --stats file or a disk image that would have got fd 1."""
    img, stats = disk_copy(tmp_path), tmp_path / "s.json"
    r = subprocess.run([VMM, "--disk", img, "--stats", str(stats), "--", "/bin/sh", "-c",
                        "echo out; exit 3"], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       preexec_fn=lambda: os.close(1), timeout=60)
    assert r.returncode == 3, r
    assert json.loads(stats.read_text())["exit_status"] == 3
    assert fsck(img).returncode == 0


def test_stdout_reader_gone_is_not_sigpipe(tmp_path):
    """The reader of stdout closes it at once: no SIGPIPE death, one line on stderr, and
    the guest runs its command to the end."""
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([VMM, "--no-disk", "--", "/bin/sh", "-c", "echo out; exit 3"],
                       stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE, timeout=60)
    os.close(w)
    assert p.returncode == 3, p
    assert b"vmm: console: stdout: Broken pipe; the guest's output is dropped" in p.stderr


@pytest.fixture
def stalled_stdout():
    """A two-page pipe nobody reads (until the test does)."""
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 8192)
    yield r, w
    os.close(r)


def test_full_stdout_does_not_hold_the_machine(stalled_stdout):
    """A reader that stops reading: the guest's output queues, then is dropped and counted;
    the guest finishes and powers off (it is not held hostage), and what fitted arrives."""
    r, w = stalled_stdout
    p = subprocess.run([VMM, "--no-disk", "--", "/bin/sh", "-c", "seq 1 20000; exit 5"],
                       stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE, timeout=120)
    os.close(w)
    assert p.returncode == 5, p
    assert b"vmm: console: stdout is full: " in p.stderr, p.stderr
    assert b"\n1\n2\n3\n" in os.read(r, 4096)


def test_full_stdout_still_stops_on_sigterm(stalled_stdout):
    """The guest prints forever to a stdout nobody reads: SIGTERM still stops it (the UART
    is never held by a write that waits for stdout)."""
    r, w = stalled_stdout
    p = subprocess.Popen([VMM, "--no-disk", "--", "/bin/yes"], stdin=subprocess.DEVNULL,
                         stdout=w, stderr=subprocess.PIPE)
    os.close(w)
    try:
        time.sleep(2)                              # the pipe fills, then the queue
        assert p.poll() is None
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert b"vmm: stopped by SIGTERM" in p.stderr.read()


# ---- the debugger ----

# The guest of tests/gdb/test_protocol.py: counts to 0x100000, powers off with status 7.
LOOP = bytes.fromhex("b900000000" "41" "890d00002000" "81f900001000" "75f1"
                     "66ba0007" "b807000000" "ef" "f4")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("last_words", [
    b"$m100000,",                                 # mid-packet: no '#', no checksum
    b"$m100000,4#",                               # mid-checksum
    b"+$m100000,1000#" + b"%02x" % (sum(b"m100000,1000") & 0xff),   # a reply it never reads
])
def test_gdb_client_vanishing_lets_the_guest_go_on(tmp_path, last_words):
    """GDB holds the guest (--gdb-wait), sends part of a packet (or asks for a reply it
    does not read) and disappears: the stub drops the session, the held vCPU goes on, and
    the guest powers off with its own status."""
    kernel = tmp_path / "loop.elf"
    kernel.write_bytes(pvh_elf([(0x100000, LOOP, len(LOOP))]))
    port = free_port()
    p = subprocess.Popen([VMM, "--no-disk", "--kernel", str(kernel), "--gdb", str(port),
                          "--gdb-wait"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        read_until(p.stderr, "gdb: listening")
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # RST on close
        s.sendall(last_words)
        time.sleep(0.2)
        s.close()
        assert p.wait(timeout=30) == 7
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
