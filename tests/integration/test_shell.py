"""/bin/sh and the userland programs on build/vmm: pipelines, sequences, $?, exit, quoting,
background jobs, errors, the text tools, the interactive shell on the console, and the
user C library's own test program."""
import re

import pytest

from console import console  # noqa: F401 (a fixture: pytest finds it here)


MARK = "@@ start @@"


def sh(vmm, script, *, timeout=60, disk=None):
    """Runs `sh -c script` as the guest's command; returns (the lines the script printed,
    all output, the VMM's exit status). A first `echo` marks where the kernel's boot
    messages end. The guest's stderr is the console too: its lines are among them."""
    disk_args = ["--disk", disk] if disk else ["--no-disk"]
    r = vmm(*disk_args, "--", "/bin/sh", "-c", f"echo '{MARK}'; {script}", timeout=timeout)
    lines = [l.rstrip("\r") for l in r.stdout.splitlines()]
    lines = lines[lines.index(MARK) + 1:] if MARK in lines else []
    return lines, r.stdout + r.stderr, r.returncode


def without_errors(lines):
    return [l for l in lines if not l.startswith("sh: ")]


def test_echo_hi_into_wc_c_prints_3(vmm):
    lines, _, rc = sh(vmm, "echo hi | wc -c")
    assert lines == ["3"]
    assert rc == 0


def test_pipeline_of_three_commands(vmm):
    lines, _, rc = sh(vmm, "seq 12 | grep 1 | wc -l")
    assert lines == ["4"]          # 1, 10, 11, 12
    assert rc == 0


def test_sequence_and_status(vmm):
    lines, _, rc = sh(vmm, "echo a; false; echo $?; true; echo $?; echo b")
    assert lines == ["a", "1", "0", "b"]
    assert rc == 0


def test_status_of_a_pipeline_is_its_last_command(vmm):
    lines, _, _ = sh(vmm, "false | true; echo $?; true | false; echo $?")
    assert lines == ["0", "1"]


def test_exit_with_a_status(vmm):
    _, _, rc = sh(vmm, "echo before; exit 7; echo never")
    assert rc == 7


def test_exit_without_a_number_keeps_the_last_status(vmm):
    _, _, rc = sh(vmm, "false; exit")
    assert rc == 1


def test_last_status_is_the_shell_status(vmm):
    _, _, rc = sh(vmm, "true; false")
    assert rc == 1


def test_quoting_and_escapes(vmm):
    lines, _, _ = sh(vmm, r"""echo 'a  b' "c  d" e\ f "x\"y" '$?' "$?" 'it''s' # gone""")
    assert lines == ['a  b c  d e f x"y $? 0 its']


def test_quoted_operators_are_words(vmm):
    lines, _, _ = sh(vmm, "echo 'a | b' \"; &\" \\>")
    assert lines == ["a | b ; & >"]


def test_unterminated_quote_is_an_error(vmm):
    lines, out, rc = sh(vmm, "echo 'open")
    assert "unterminated ' quote" in out
    assert rc == 2


@pytest.mark.parametrize("script", ["echo a |", "| echo a", "echo a ;; echo b", "> x",
                                    "echo >"])
def test_syntax_errors(vmm, script):
    _, out, rc = sh(vmm, script)
    assert "sh: syntax error near" in out
    assert rc == 2


def test_command_not_found_is_127(vmm):
    lines, out, rc = sh(vmm, "nosuchprogram; echo $?")
    assert "sh: nosuchprogram: not found" in out
    assert lines[-1] == "127"


def test_background_job_prints_its_pid_and_wait_reaps_it(vmm):
    lines, _, rc = sh(vmm, "seq 3 | wc -l & wait; echo after")
    out = lines
    started = [l for l in out if re.fullmatch(r"\[\d+\]", l)]
    done = [l for l in out if re.fullmatch(r"\[\d+\] Done", l)]
    assert len(started) == 1 and done == [started[0] + " Done"]
    assert out.index("3") < out.index(done[0]) < out.index("after")
    assert rc == 0


def test_cd_error(vmm):
    lines, out, _ = sh(vmm, "cd /nowhere; echo $?")
    assert "sh: cd: /nowhere:" in out
    assert without_errors(lines) == ["1"]


def test_redirections(vmm, disk):
    lines, out, status = sh(vmm, "echo one > /f; echo two >> /f; wc -l < /f; cat /f | grep t;"
                                 " echo three > /f; cat < /f; cat < /missing; echo $?",
                            disk=disk)
    assert status == 0, out
    assert without_errors(lines) == ["2", "two", "three", "1"], out
    assert "sh: /missing: no such file or directory" in out


def test_redirection_without_a_file_system_says_why(vmm):
    lines, out, _ = sh(vmm, "echo hi > /out; echo $?", disk=None)
    assert "sh: /out: no file system (no disk)" in out
    assert without_errors(lines) == ["1"]


def test_a_killed_child_is_reported(vmm):
    # The inner shell runs kill on its own pid ($$): the outer shell sees it die.
    lines, out, _ = sh(vmm, r'sh -c "kill -KILL \$\$"; echo $?')
    assert "Killed" in out
    assert lines[-1] == "137"


def test_grep_options(vmm):
    lines, _, _ = sh(vmm, "seq 12 | grep -n 1; seq 20 | grep -c 1; seq 5 | grep -v 3 | wc -l;"
                          " echo Hello | grep -i hELLo; echo abc | grep x; echo $?")
    assert lines == ["1:1", "10:10", "11:11", "12:12", "11", "4", "Hello", "1"]


def test_wc_counts(vmm):
    lines, _, _ = sh(vmm, "echo one two three | wc; seq 10 | wc -l; echo x | wc -w -c")
    assert lines == ["1 3 14", "10", "1 2"]


def test_head_tail_and_yes(vmm):
    lines, out, rc = sh(vmm, "seq 100 | head -n 3; seq 100 | tail -n 2; yes | head -n 2;"
                             " seq 15 | head | tail -n 1")
    assert lines == ["1", "2", "3", "99", "100", "y", "y", "10"]
    assert "Broken pipe" not in out          # yes dies of SIGPIPE quietly, as in bash
    assert rc == 0


def test_head_and_tail_take_the_traditional_minus_n(vmm):
    lines, out, _ = sh(vmm, "seq 10 | head -3; seq 10 | tail -2; seq 10 | head -n 1;"
                            " head -3x; echo $?")
    assert [l for l in lines if not l.startswith("usage:")] == ["1", "2", "3", "9", "10", "1", "2"]
    assert "usage: head [-n N | -N] [FILE]" in out


def test_pwd_and_help_are_built_in(vmm, disk):
    lines, out, _ = sh(vmm, "pwd; cd /bin; pwd; help; help | grep -c usertests", disk=disk)
    assert lines[:2] == ["/", "/bin"]
    assert any(l.startswith("built in: cd [dir], exit [n], help, pwd, wait") for l in lines)
    assert "programs in /bin:" in lines
    progs = " ".join(lines[lines.index("programs in /bin:") + 1:-1]).split()
    assert {"cat", "more", "clear", "ls", "usertests"} <= set(progs), progs
    assert progs == sorted(progs)
    assert lines[-1] == "1"                  # a built-in in a pipeline runs in the child


def test_more_just_copies_when_stdout_is_not_the_console(vmm):
    lines, out, _ = sh(vmm, "seq 60 | more | cat; echo status $?")
    assert lines == [str(i) for i in range(1, 61)] + ["status 0"]
    assert "--More--" not in out


def test_seq_echo_basename_dirname(vmm):
    lines, _, _ = sh(vmm, "seq 5 -2 1; seq 2 3; echo -n a; echo b; basename /a/b/c.txt .txt;"
                          " basename /a/b/; dirname /a/b/c; dirname file; dirname /")
    assert lines == ["5", "3", "1", "2", "3", "ab", "c", "b", "/a/b", ".", "/"]


def test_sleep_true_false_uptime_cat(vmm):
    lines, out, _ = sh(vmm, "sleep 0.05; echo $?; sleep x; echo $?; uptime;"
                            " echo through | cat | cat")
    out_lines = [l for l in lines if not l.startswith("usage:")]
    assert out_lines[:2] == ["0", "2"]
    assert "usage: sleep SECONDS" in out
    assert re.fullmatch(r"up \d+:\d\d:\d\d\.\d{3}", out_lines[2])
    assert out_lines[3] == "through"


def test_libctest_passes(vmm):
    r = vmm("--", "/bin/libctest")
    assert "libctest: 14 passed, 0 failed" in r.stdout, r.stdout
    assert r.returncode == 0


def test_interactive_shell_and_ctrl_d(console):
    c = console()
    c.expect("$ ")
    c.send("echo hi | wc -c\r")
    c.expect("\r\n3\r\n")
    c.expect("$ ")
    c.send("false\r")
    c.expect("$ ")
    c.send("echo typo\x7f\x7fped\r")       # backspace edits the line
    c.expect("\r\ntyped\r\n")
    c.expect("$ ")
    c.send(b"\x04")                          # Ctrl-D at an empty prompt: exit with $?
    assert c.wait() == 0


def test_interactive_background_job_is_reaped_before_a_prompt(console):
    c = console()
    c.expect("$ ")
    c.send("true &\r")
    seen = c.expect("$ ")
    pid = re.search(r"\[(\d+)\]", seen).group(1)
    for _ in range(100):                     # the job ends soon; each prompt reaps
        if f"[{pid}] Done" in seen:
            break
        c.send("\r")
        seen = c.expect("$ ")
    else:
        raise AssertionError("the background job was never reported")
    c.send("exit 4\r")
    assert c.wait() == 4


def test_ctrl_c_stops_the_foreground_job_not_the_shell(console):
    c = console()
    c.expect("$ ")
    c.send("half a line\x03")                # at the prompt: the line is dropped
    c.expect("^C\r\n$ ")
    # "ready" has come through cat: both commands run, in the job's group, which has the
    # console's foreground.
    c.send("sh -c 'echo ready; sleep 1000' | cat\r")
    c.expect("\r\nready\r\n")
    c.send("\x03")                           # SIGINT to the job's process group
    c.expect("$ ")
    c.send("echo alive $?\r")
    c.expect("\r\nalive 130\r\n")
    c.send(b"\x04")
    assert c.wait() == 0
