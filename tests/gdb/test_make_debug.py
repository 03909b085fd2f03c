"""`make debug` gives a usable console: the guest waits for gdb with its console on the
terminal `make debug` runs in, and gdb attaches from another (here: `make gdb`'s command,
in batch mode). After gdb continues, a command typed on the console runs."""
import os
import subprocess
import sys

import gdbrun

sys.path.insert(0, os.path.join(gdbrun.ROOT, "tests", "integration"))
from console import console  # noqa: F401,E402 (a fixture: pytest finds it here)

ROOT = gdbrun.ROOT


def test_make_debug_console_is_interactive(console):
    port = gdbrun.free_port()
    c = console(argv=["make", "-s", "--no-print-directory", "-C", ROOT, "debug",
                      f"GDB_PORT={port}", "DEBUG_ARGS=--no-disk"])
    c.expect(f"run 'make gdb GDB_PORT={port}' in another terminal")
    c.expect("gdb: listening")
    gdb = subprocess.Popen(["gdb", "-q", "-batch", "-ex", f"target remote :{port}",
                            "-ex", "continue", gdbrun.KERNEL],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        c.expect("$ ")
        c.send("echo typed-on-the-debug-console\r")
        c.expect("typed-on-the-debug-console\r\n")
        c.send(b"\x01x")                                   # Ctrl-A x
        assert c.wait() == 0
        out, _ = gdb.communicate(timeout=30)
        assert "Remote target" in out or "Remote connection closed" in out, out
    finally:
        gdb.kill()
