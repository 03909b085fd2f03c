#!/usr/bin/env python3
"""Run QEMU human-monitor commands over the bed's monitor socket and print their output.

Usage: monitor.py SOCKET COMMAND [COMMAND...]   e.g. monitor.py mon.sock 'info registers'

run.sh uses it when the bed's console stops making progress: `info registers` and the like
say where the one emulated CPU is (spinning in L1's kernel, in our guest, halted), which the
console cannot once the system inside has stopped. Each command's output is printed under a
`(qemu) COMMAND` line. Exits 1 if the socket cannot be reached.
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


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, commands = sys.argv[1], sys.argv[2:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as e:
        print(f"monitor.py: cannot connect to {path}: {e}")
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
