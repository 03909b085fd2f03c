"""The guest's terminal through a real pseudo-terminal: the console's line discipline
(canonical mode, echo, CR to NL, erase, kill, word erase, ^C ^\\ ^Z ^D) as programs other
than the shell see it, and the shell's line editor (history, cursor keys, Home/End,
Delete, Tab completion, unknown escape sequences)."""
import re

from console import console  # noqa: F401 (a fixture: pytest finds it here)
from conftest import disk_copy

UP, DOWN, LEFT, RIGHT = "\x1b[A", "\x1b[B", "\x1b[D", "\x1b[C"


def shell(console, *args):
    c = console(*args)
    c.expect("$ ")
    return c


def interrupt(c):
    """^C until the prompt comes back: the job takes the console's foreground itself, a
    moment after its command line was echoed."""
    for _ in range(60):
        c.send("\x03")
        try:
            return c.expect("$ ", timeout=0.5)
        except AssertionError:
            pass
    raise AssertionError("^C did not stop the job")


def run(c, line):
    """Types line and Enter at the prompt; returns what the command printed."""
    c.send(line + "\r")
    c.expect(line + "\r\n")              # the editor's echo
    return c.expect("$ ")[:-2]


# --- the line discipline -------------------------------------------------------------

def test_two_typed_lines_reach_wc_as_two_lines(console):
    c = shell(console)
    c.send("wc\r")
    c.expect("wc\r\n")
    c.send("one two\r")                   # Enter sends CR: it arrives as NL
    c.expect("one two\r\n")               # echoed by the kernel
    c.send("three\r")
    c.expect("three\r\n")
    c.send("\x04")                        # ^D at the start of a line: end of file
    c.expect("2 3 14\r\n")
    c.expect("$ ")


def test_cat_echoes_typed_text_once_and_prints_it_once(console):
    c = shell(console)
    c.send("cat\r")
    c.expect("cat\r\n")
    c.send("hello there\r")
    seen = c.expect("hello there\r\nhello there\r\n")
    assert seen.count("hello there") == 2
    c.send("\x04")
    c.expect("$ ")
    c.send("echo after $?\r")
    c.expect("\r\nafter 0\r\n")


def test_erase_kill_and_word_erase_edit_the_line(console):
    c = shell(console)
    c.send("cat\r")
    c.expect("cat\r\n")
    c.send("abc\x7fd\x08e\r")             # DEL and ^H erase one character each
    c.expect("\r\nabe\r\n")
    c.send("junk line\x15good\r")         # ^U: the whole line
    c.expect("\r\ngood\r\n")
    c.send("one two \x17three\r")         # ^W: the word before the cursor
    c.expect("\r\none three\r\n")
    c.send("\x04")
    c.expect("$ ")


def test_ctrl_d_mid_line_delivers_the_line_without_a_newline(console):
    c = shell(console)
    c.send("wc -c\r")
    c.expect("wc -c\r\n")
    c.send("abc\x04")                     # the read returns "abc", echoed, not end of file
    c.expect("abc")
    c.send("de\r")
    c.expect("de\r\n")
    c.send("\x04")                        # at the start of a line: end of file
    c.expect("6\r\n")
    c.expect("$ ")


def test_ctrl_c_stops_cat_and_sleep(console):
    c = shell(console)
    c.send("cat\r")
    c.expect("cat\r\n")
    c.send("typed\r")
    c.expect("typed\r\ntyped\r\n")         # cat runs, so it has the foreground
    c.send("more\x03")
    c.expect("^C")
    c.expect("$ ")
    c.send("echo status $?\r")
    c.expect("\r\nstatus 130\r\n")
    c.expect("$ ")                       # typed before it, a line would be typed ahead
    c.send("sleep 100\r")
    c.expect("sleep 100\r\n")
    interrupt(c)
    c.send("echo status $?\r")
    c.expect("\r\nstatus 130\r\n")


def test_ctrl_backslash_is_sigquit_and_ctrl_z_is_dropped(console):
    c = shell(console)
    c.send("cat\r")
    c.expect("cat\r\n")
    c.send("a\x1ab\r")                    # ^Z: no job stop here; echoed, then dropped
    c.expect("\r\nab\r\n")
    c.send("\x1c")                        # cat has the foreground: it printed "ab"
    c.expect("Quit\r\n")
    c.expect("$ ")
    c.send("echo status $?\r")
    c.expect("\r\nstatus 131\r\n")


def test_the_shell_restores_canonical_mode_for_each_command(console):
    # The editor runs the console raw; the command after it reads lines again.
    c = shell(console)
    for _ in range(2):
        c.send("head -n 1\r")
        c.expect("head -n 1\r\n")
        c.send("x\x7fy\r")
        c.expect("\r\ny\r\n")
        c.expect("$ ")


def test_termios_calls_from_libctest(console):
    c = shell(console)
    c.send("libctest\r")
    c.expect("termios_calls: ok")
    c.expect("libctest: 14 passed, 0 failed")
    c.expect("$ ")
    c.send("cat\r")                       # libctest restored what it found
    c.expect("cat\r\n")
    c.send("still canonical\r")
    c.expect("still canonical\r\nstill canonical\r\n")


# --- the shell's line editor ---------------------------------------------------------

def test_up_then_enter_runs_the_previous_command_again(console):
    c = shell(console)
    assert "first" in run(c, "echo first")
    assert "second" in run(c, "echo second")
    c.send(UP + UP + "\r")
    c.expect("\r\nfirst\r\n")
    c.expect("$ ")
    # The history is now first, second, first: Down walks forward again.
    c.send(UP + UP + UP + DOWN + "\r")
    c.expect("\r\nsecond\r\n")
    c.expect("$ ")
    c.send("echo draft" + UP + DOWN + "\r")   # past the newest: the line being typed
    c.expect("\r\ndraft\r\n")


def test_left_moves_the_cursor_and_typing_inserts_there(console):
    c = shell(console)
    c.send("echo wrld" + LEFT * 3 + "o\r")
    c.expect("\r\nworld\r\n")
    c.expect("$ ")
    c.send("echo ac" + LEFT + "b" + RIGHT + "d\r")
    c.expect("\r\nabcd\r\n")


def test_home_end_and_delete(console):
    c = shell(console)
    for home, end in (("\x1b[H", "\x1b[F"), ("\x1b[1~", "\x1b[4~"), ("\x1bOH", "\x1bOF")):
        c.send("cho x" + home + "e" + end + "y\r")
        c.expect("\r\nxy\r\n")
        c.expect("$ ")
    c.send("echo abXc" + LEFT * 2 + "\x1b[3~\r")
    c.expect("\r\nabc\r\n")


def test_unknown_escape_sequences_are_dropped_whole(console):
    c = shell(console)
    # Ctrl-Right (CSI with parameters), a bracketed-paste mark, F2 (SS3), Alt-x, Shift-Tab.
    c.send("echo a\x1b[1;5C\x1b[200~\x1bOQ\x1bx\x1b[Zb\r")
    c.expect("\r\nab\r\n")
    c.expect("$ ")
    c.send("\x1b[A\x1b[B\r")                 # Up then Down with no history: an empty line
    c.expect("$ ")
    c.send("echo $?\r")
    c.expect("\r\n0\r\n")


def test_tab_completes_commands_and_paths(console, tmp_path):
    c = shell(console, "--disk", disk_copy(tmp_path))
    c.send("/bin/us\t")
    c.expect("/bin/usertests ")
    c.send("\x15ech\t")                      # a program of /bin
    c.expect("echo ")
    c.send("done\r")
    c.expect("\r\ndone\r\n")
    c.expect("$ ")
    c.send("pw\t\r")                         # a built-in
    c.expect("pwd \r\n/\r\n")
    c.expect("$ ")
    c.send("ls /bi\t")                       # a directory gets its '/'
    c.expect("ls /bin/")
    c.send("\x15echo xy | gre\t")           # a command again after a "|"
    c.expect("| grep ")
    c.send("y\r")
    c.expect("\r\nxy\r\n")
    c.expect("$ ")
    c.send("\x15/bin/u\t")                   # two candidates: listed under the line
    seen = c.expect("$ /bin/u")
    assert "uptime" in seen and "usertests" in seen


# --- everyday commands on the terminal -----------------------------------------------

def test_more_pages_space_enter_and_q(console):
    c = shell(console)
    c.send("seq 100 | more\r")
    seen = c.expect("--More--")
    assert "\r\n23\r\n" in seen and "24" not in seen      # a screen is 23 lines
    c.send(" ")                                            # space: the next screen
    seen = c.expect("--More--")
    assert "\r\n46\r\n" in seen and "47" not in seen
    c.send("\r")                                           # Enter: one more line
    seen = c.expect("--More--")
    assert "47\r\n" in seen and "48" not in seen
    c.send("q")
    c.expect("$ ")
    c.send("echo after $?\r")                              # canonical mode came back
    c.expect("\r\nafter 0\r\n")
    c.expect("$ ")
    c.send("cat\r")
    c.expect("cat\r\n")
    c.send("typed\r")
    c.expect("typed\r\ntyped\r\n")


def test_clear_sends_the_ansi_clear(console):
    c = shell(console)
    c.send("clear\r")
    c.expect("\x1b[H\x1b[2J")
    c.expect("$ ")


def test_help_at_the_console(console):
    c = shell(console)
    c.send("help\r")
    c.expect("built in: cd [dir], exit [n], help, pwd, wait")
    c.expect("$ ")


def test_stty_shows_and_changes_the_settings(console):
    c = shell(console)
    c.send("stty\r")
    c.expect("\r\nicanon echo isig icrnl -opost -onlcr\r\n")
    c.expect("$ ")
    c.send("stty opost onlcr; echo two; stty -onlcr; echo one\r")
    # The guest sends CR NL itself now, and the VMM's terminal adds its CR before the NL.
    c.expect("\r\ntwo\r\r\none\r\n")
    c.expect("$ ")
    c.send("stty -echo; cat\r")              # the shell restores what it found: no echo
    c.expect("cat\r\n")
    c.send("secret\r")
    seen = c.expect("secret\r\n")
    assert seen.count("secret") == 1          # cat's output only
    c.send("\x04")
    c.expect("$ ")
    c.send("stty sane; stty\r")
    c.expect("\r\nicanon echo isig icrnl -opost -onlcr\r\n")
    c.send("stty bogus\r")
    c.expect("stty: unknown setting bogus")


def test_typed_ahead_while_a_command_runs(console):
    # Typed while sleep runs: the kernel echoes it and holds it; the shell's editor gets it.
    c = shell(console)
    c.send("sleep 0.5\r")
    c.expect("sleep 0.5\r\n")
    c.send("echo typed ahead\r")
    c.expect("\r\ntyped ahead\r\n")
    c.expect("$ ")
    # Typed in one go at the prompt: the line after the command's is the command's input,
    # not left in the shell's buffer.
    c.send("head -n 1\rfor head\r")
    c.expect("for head\r\n")
    c.expect("$ ")
    c.send("echo next\r")
    c.expect("\r\nnext\r\n")
