"""Drive build/vmm on a pseudo-terminal, as a person at a terminal would."""
import os
import pty
import select
import signal
import termios
import time

import pytest

from conftest import VMM


class Console:
    def __init__(self, *args, argv=None):
        """build/vmm ARGS on a pty, or argv (a whole command line, e.g. make debug)."""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            if argv:
                os.execvp(argv[0], argv)
            if "--disk" not in args and "--no-disk" not in args:
                args = ("--no-disk", *args)       # never the shared bundled image
            os.execv(VMM, [VMM, *args])
        self.out = b""
        self.status = None

    def expect(self, text, timeout=60):
        """Wait until `text` has appeared after everything already matched."""
        want = text.encode()
        deadline = time.monotonic() + timeout
        while want not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {text!r}; got {self.out[-2000:]!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"console closed waiting for {text!r}; got {self.out[-2000:]!r}")
                self.out += chunk
        idx = self.out.index(want) + len(want)
        seen, self.out = self.out[:idx], self.out[idx:]
        return seen.decode(errors="replace")

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def termios(self):
        return termios.tcgetattr(self.fd)

    def wait(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Keep draining output so the child never blocks on a full pty.
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    self.out += os.read(self.fd, 4096)
                except OSError:
                    pass
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
        self.kill()
        raise AssertionError("vmm did not exit")

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def close(self):
        if self.status is None:
            self.kill()
        os.close(self.fd)


@pytest.fixture
def console():
    """Starts build/vmm on a pseudo-terminal (console(*args) -> Console); closes them all."""
    consoles = []

    def start(*args, argv=None):
        c = Console(*args, argv=argv)
        consoles.append(c)
        return c
    yield start
    for c in consoles:
        c.close()
