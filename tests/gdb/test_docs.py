"""docs/debugging.md's walkthroughs, run as written: each block under a `<!-- session: ...
-->` comment becomes a gdb command file (its `(gdb) ` lines), and every other line of the
block is output gdb must print, in order. In the expected lines addresses, line numbers
and values may differ (any hex number, any decimal); a line `...` stands for lines left
out. After the block the session deletes its breakpoints and detaches: the guest must then
finish with status 0."""
import os
import re

import pytest

import gdbrun

DOC = os.path.join(gdbrun.ROOT, "docs", "debugging.md")
SESSION = re.compile(r"^<!-- session: vmm --gdb PORT (.*?)(?:; hosts: (.*?))? -->$")


def sessions():
    """[(title, vmm args, hosts, [commands], [expected lines])] from the doc."""
    found, title, lines = [], "", open(DOC).read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("## "):
            title = line[3:]
        m = SESSION.match(line)
        if not m:
            continue
        cmds, expect, j = [], [], i + 1
        while j < len(lines) and not lines[j].startswith("    "):
            j += 1
        while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
            text = lines[j][4:]
            if text.startswith("(gdb) "):
                cmds.append(text[6:].split("  #")[0].strip())
            elif text.strip() and text.strip() != "...":
                expect.append(text.strip())
            j += 1
        found.append((title, m.group(1), (m.group(2) or "").split(), cmds, expect))
    return found


def pattern(line):
    """An expected line as a regex: numbers and addresses free, `...` inside a line free."""
    p = re.escape(line)
    p = re.sub(r"0x[0-9a-f]+", r"0x[0-9a-f]+", p)
    p = re.sub(r"(?<![0-9a-z])\d+(?![0-9a-z])", r"\\d+", p)
    return p.replace(re.escape("..."), ".*")


def test_the_doc_has_its_three_walkthroughs():
    titles = [s[0] for s in sessions()]
    assert len(titles) == 3 and all(t.startswith("Walkthrough") for t in titles), titles


@pytest.mark.parametrize("n", range(3))
def test_walkthrough_runs_as_written(tmp_path, n):
    title, args, hosts, cmds, expect = sessions()[n]
    if hosts and gdbrun.host_backend() not in hosts:
        pytest.skip(f"{title}: for {' '.join(hosts)} hosts (on this one, see "
                    f"tests/gdb/scripts/*_pvm.gdb)")
    script = tmp_path / "session.gdb"
    header = [f"# vmm-args: {args}", "# vmm-status: 0"] + [f"# expect: {pattern(e)}" for e in expect]
    script.write_text("\n".join(header + cmds + ["delete", "detach"]) + "\n")
    out, vout, verr, status = gdbrun.run_path(str(script))
    gdbrun.check_results(title, out, vout, verr, status, path=str(script))
