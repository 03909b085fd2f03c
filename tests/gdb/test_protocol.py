"""The stub's protocol seen from a raw socket, with packets no well-behaved gdb sends:
every one gets an error or an empty reply, the VMM survives, and the session goes on.
The guest is a tiny hand-made kernel (tests/integration/test_cli.py's pvh_elf) that counts
in a loop and powers off with status 7."""
import os
import socket
import subprocess
import sys

import pytest

import gdbrun

sys.path.insert(0, os.path.join(gdbrun.ROOT, "tests", "integration"))
from test_cli import pvh_elf  # noqa: E402

# mov $0,%ecx; 1: inc %ecx; mov %ecx,0x200000; cmp $0x100000,%ecx; jne 1b;
# mov $0x700,%dx; mov $7,%eax; out %eax,(%dx); hlt   (32-bit code, paging off)
LOOP = bytes.fromhex("b900000000" "41" "890d00002000" "81f900001000" "75f1"
                     "66ba0007" "b807000000" "ef" "f4")


def frame(payload):
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xff)


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.console = b""          # what the stub said in 'O' packets while resuming

    def send_raw(self, data):
        self.s.sendall(data)

    def packet(self):
        """The next packet's payload (acks skipped, escapes undone, checksum checked)."""
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                raw, csum = self.buf[start + 1:end], int(self.buf[end + 1:end + 3], 16)
                self.buf = self.buf[end + 3:]
                assert sum(raw) & 0xff == csum, raw
                out, i = bytearray(), 0
                while i < len(raw):
                    if raw[i] == 0x7d:
                        i += 1
                        out.append(raw[i] ^ 0x20)
                    else:
                        out.append(raw[i])
                    i += 1
                return bytes(out)
            chunk = self.s.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk

    def ask(self, payload):
        """The reply; console output ('O' packets) that precedes a stop reply is skipped, as
        gdb prints it and waits on."""
        self.send_raw(frame(payload))
        reply = self.packet()
        while payload[:1] in (b"c", b"s", b"v") and reply[:1] == b"O" and reply != b"OK":
            self.console += bytes.fromhex(reply[1:].decode())
            reply = self.packet()
        return reply


@pytest.fixture
def stub(tmp_path):
    kernel = tmp_path / "loop.elf"
    kernel.write_bytes(pvh_elf([(0x100000, LOOP, len(LOOP))]))
    port = gdbrun.free_port()
    vmm = subprocess.Popen([gdbrun.VMM, "--kernel", str(kernel), "--gdb", str(port), "--gdb-wait"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    gdbrun.wait_line(vmm.stderr, "gdb: listening", 30)
    c = Client(port)
    c.ask(b"QStartNoAckMode")
    yield c, vmm
    if vmm.poll() is None:
        vmm.kill()
    vmm.wait()


def test_hostile_packets_get_errors_and_the_session_goes_on(stub):
    c, vmm = stub
    bad = {
        b"m": b"E01", b"m1000": b"E01", b"m,4": b"E01", b"m10000000000000000,4": b"E01",
        b"mffffffff80000000,4": b"E14",            # paging is off: no 64-bit addresses
        b"m10000000,4": b"E14",                    # beyond guest RAM (256 MiB)
        b"M100000,2:zz00": b"E01", b"M100000,4:00": b"E01", b"X100000,3:ab": b"E01",
        b"p": b"E01", b"p30": b"E01", b"pzz": b"E01", b"P10=00": b"E01",
        b"P12=1000000000": b"E01", b"G00": b"E01",
        b"Z0,1000": b"E01", b"Z9,1000,1": b"E01", b"Z2,1001,4": b"E01",
        b"Z3,1000,4": b"",                         # read watchpoints: unsupported, like gdbserver
        b"Hg41": b"E01", b"Hg2": b"E01", b"Hx1": b"E01", b"T0": b"E01", b"T2": b"E01",
        b"vCont;x": b"E01", b"vCont;c:5": b"E01", b"vCont;": b"E01", b"c1234": b"E01",
        b"qXfer:features:read:nothing.xml:0,10": b"E00", b"qXfer:features:read:target.xml": b"E00",
        b"qRcmd,zz": b"E01", b"qRcmd,7": b"E01", b"Qfoo": b"", b"vFile:open:": b"", b"!": b"",
    }
    for pkt, want in bad.items():
        assert c.ask(pkt) == want, pkt
    # a bad checksum gets no reply in no-ack mode, an over-long packet is dropped
    c.send_raw(b"$g#00" + b"$" + b"a" * 20000 + b"#00")
    assert c.ask(b"qC") == b"QC1"
    assert c.ask(b"m100000,4") == LOOP[:4].hex().encode()
    assert vmm.poll() is None


def test_breakpoint_is_hidden_and_hit_and_the_guest_finishes(stub):
    c, vmm = stub
    assert c.ask(b"Z0,100005,1") == b"OK"
    assert c.ask(b"m100005,1") == b"41"            # the guest's byte, not int3
    assert c.ask(b"vCont;c") == b"T05thread:1;swbreak:;"
    regs = c.ask(b"g")
    assert regs[16 * 16:16 * 16 + 16] == (0x100005).to_bytes(8, "little").hex().encode()
    assert c.ask(b"z0,100005,1") == b"OK"
    assert c.ask(b"Z2,200000,4") == b"OK"          # a write watchpoint on the counter
    assert c.ask(b"vCont;c") == b"T05thread:1;watch:200000;"
    assert c.ask(b"m200000,4") == (1).to_bytes(4, "little").hex().encode()
    assert c.ask(b"z2,200000,4") == b"OK"
    assert c.ask(b"vCont;s:1") == b"T05thread:1;"
    out = c.ask(b"qRcmd," + b"exits".hex().encode())
    text = b""
    while out != b"OK":                            # console output, then OK
        assert out.startswith(b"O"), out
        text += bytes.fromhex(out[1:].decode())
        out = c.packet()
    assert b"vCPU 0:" in text and b"DEBUG" in text, text
    assert c.ask(b"vCont;c") == b"W07"             # powered off with status 7
    assert vmm.wait(timeout=30) == 7


def test_ctrl_c_stops_and_detach_lets_it_finish(stub):
    c, vmm = stub
    c.send_raw(frame(b"vCont;c"))
    c.send_raw(b"\x03")
    # emulated (PVM) the loop takes a second; natively it may end before the Ctrl-C lands
    stop = c.packet()
    assert stop == b"T02thread:1;" or (stop == b"W07" and gdbrun.host_backend() != "pvm"), stop
    if stop == b"W07":
        return
    assert c.ask(b"D") == b"OK"
    assert vmm.wait(timeout=30) == 7


def test_hardware_breakpoint_is_stepped_over_and_rearmed(stub):
    """Continuing from a hardware breakpoint (still inserted) runs one loop iteration and
    hits it again: on PVM, resuming on it would re-fire at once, forever."""
    c, vmm = stub
    assert c.ask(b"Z1,100005,1") == b"OK"
    for ecx in range(3):
        assert c.ask(b"vCont;c") == b"T05thread:1;hwbreak:;"
        assert c.ask(b"p2") == ecx.to_bytes(8, "little").hex().encode()    # rcx
        assert c.ask(b"p10") == (0x100005).to_bytes(8, "little").hex().encode()
    assert c.ask(b"vCont;s:1") == b"T05thread:1;"
    assert c.ask(b"p10") == (0x100006).to_bytes(8, "little").hex().encode()
    assert c.ask(b"D") == b"OK"
    assert vmm.wait(timeout=30) == 7
