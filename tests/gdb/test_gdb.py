"""A real gdb (batch mode) debugs the guest through build/vmm --gdb: each command file in
tests/gdb/scripts/ says what it runs and what gdb must print (gdbrun.py reads them)."""
import os

import pytest

import gdbrun

SCRIPTS = sorted(f[:-4] for f in os.listdir(gdbrun.SCRIPTS) if f.endswith(".gdb"))


def applies(name):
    hosts = " ".join(gdbrun.header(os.path.join(gdbrun.SCRIPTS, name + ".gdb")).get("hosts", []))
    return not hosts or gdbrun.host_backend() in hosts.split()


@pytest.fixture(autouse=True)
def built():
    for f in (gdbrun.VMM, gdbrun.KERNEL):
        if not os.path.exists(f):
            pytest.fail(f"{f} is missing: run make first")


@pytest.mark.parametrize("name", SCRIPTS)
def test_script(name):
    if not applies(name):
        pytest.skip(f"{name}.gdb is for other hosts than {gdbrun.host_backend()} "
                    f"(its twin for this host runs instead)")
    out = gdbrun.check_script(name)
    print(out)


def test_every_host_has_a_user_program_check():
    """The user-program breakpoint is checked on every host: a hit, or the refusal."""
    host = gdbrun.host_backend()
    assert any(applies(n) and n.startswith("user_break") for n in SCRIPTS), host
