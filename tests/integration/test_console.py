"""The serial console on a terminal: input reaches the guest through the UART's receive
interrupt, Ctrl-A x quits and the terminal is restored; pipes and /dev/null work too."""
import subprocess

import pytest

from conftest import VMM
from console import console  # noqa: F401 (a fixture: pytest finds it here)


def test_interactive_prompt_runs_commands(console):
    c = console()
    before = c.termios()
    c.expect("$ ")
    c.send("/bin/echo typed at the prompt\r")
    c.expect("\ntyped at the prompt\r\n")     # the output line, not the echo of the input
    c.expect("$ ")
    c.send("/bin/false\r")
    c.expect("$ ")
    c.send(b"\x01x")                       # Ctrl-A x
    assert c.wait() == 0
    assert "terminated by Ctrl-A x" in c.out.decode(errors="replace")
    assert c.termios() == before, "terminal settings were not restored"


def test_ctrl_a_h_shows_help(console):
    c = console()
    c.expect("$ ")
    c.send(b"\x01h")
    c.expect("Ctrl-A x")
    c.send(b"\x01x")
    assert c.wait() == 0


def test_input_from_a_pipe():
    r = subprocess.run([VMM, "--no-disk"], input="/bin/echo from a pipe\n", capture_output=True,
                       text=True, timeout=60)
    assert "from a pipe" in r.stdout.splitlines()
    assert r.returncode == 0, r        # end of input: init powers off


def test_piped_input_is_not_echoed():
    """stdin is no terminal: the guest's console does not echo it into the output."""
    r = subprocess.run([VMM, "--no-disk", "--", "/bin/wc", "-l"], input="alpha\nbeta\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    lines = [l.strip() for l in r.stdout.splitlines()]
    assert lines[-1] == "2" and "alpha" not in lines and "beta" not in lines, r.stdout


def test_stdin_dev_null():
    r = subprocess.run([VMM, "--no-disk"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60)
    assert "$ " in r.stdout
    assert r.returncode == 0, r


def test_long_input_is_not_lost(console):
    # More than the UART's 16-byte FIFO at once: the VMM must hold the rest back, not drop it.
    c = console()
    c.expect("$ ")
    word = "abcdefghij" * 12
    c.send(f"/bin/echo {word}\r")
    c.expect(f"\n{word}\r\n")
    c.send(b"\x01x")
    assert c.wait() == 0
