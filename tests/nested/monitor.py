#!/usr/bin/env python3
"""Run QEMU human-monitor commands over the bed's monitor socket and print their output.

Usage: monitor.py SOCKET COMMAND [COMMAND...]   e.g. monitor.py mon.sock 'info registers'
       monitor.py --every SECS SOCKET COMMAND   repeat COMMAND every SECS s, quietly, until
                                                QEMU closes the socket

run.sh uses it when the bed's console stops making progress: `info registers` and the like
say where the one emulated CPU is (spinning in L1's kernel, in our guest, halted), which the
console cannot once the system inside has stopped. Each command's output is printed under a
`(qemu) COMMAND` line. Exits 1 if the socket cannot be reached. run.sh's interrupt nudge
(`sendkey shift` every second on a second monitor) uses --every; see run.sh.
"""
import re
import socket
import sys
import time

PROMPT = b"(qemu) "
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[@-Z\\-_]")


def read_to_prompt(sock, limit):
    """Everything up to the next prompt (or what came within `limit` seconds)."""
    data = b""
    end = time.monotonic() + limit
    while not ESCAPES.sub(b"", data).rstrip().endswith(PROMPT.rstrip()):
        left = end - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    text = ESCAPES.sub(b"", data).replace(b"\r", b"").decode(errors="replace")
    return text.rsplit(PROMPT.decode(), 1)[0] if text.rstrip().endswith("(qemu)") else text


def connect(path, wait):
    """A connection to the monitor at path, trying for up to `wait` seconds."""
    end = time.monotonic() + wait
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError as e:
            sock.close()
            if time.monotonic() >= end:
                print(f"monitor.py: cannot connect to {path}: {e}")
                return None
            time.sleep(0.2)


def repeat(path, period, cmd):
    sock = connect(path, 30)
    if not sock:
        return 1
    read_to_prompt(sock, 5)
    try:
        while True:
            sock.sendall(cmd.encode() + b"\n")
            read_to_prompt(sock, 10)
            time.sleep(period)
    except OSError:
        return 0                                # QEMU has gone


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--every":
        return repeat(sys.argv[3], float(sys.argv[2]), sys.argv[4])
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, commands = sys.argv[1], sys.argv[2:]
    sock = connect(path, 0)
    if not sock:
        return 1
    read_to_prompt(sock, 5)                     # the banner
    for cmd in commands:
        sock.sendall(cmd.encode() + b"\n")
        out = read_to_prompt(sock, 10)
        lines = out.splitlines()
        # The monitor echoes the command line first.
        if lines and lines[0].strip().endswith(cmd):
            lines = lines[1:]
        print(f"(qemu) {cmd}")
        for line in lines:
            print(line.rstrip())
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
