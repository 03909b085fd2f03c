"""GDB on the standard-KVM test bed: gdb here, the VMM inside QEMU on the real kvm_amd with
npt=1 and npt=0 (tests/nested/gdb_nested.py). `make test` runs the smoke set: single steps
in user mode (refused on PVM hosts), and the probes of the bed's two gaps, which fail the
known way (xfail) for as long as QEMU has them. `make test-nested` runs every script the bed
can run. Skips only when something outside the project is missing, as test_nested.py does.
"""
import shutil

import pytest

import gdb_nested
from test_nested import TOOLS, make, tail

MODES = ("1", "0")


@pytest.fixture(scope="module")
def sessions():
    """Build the inputs and serve the smoke scripts on one boot of the bed."""
    for tool, package in TOOLS + (("gdb", "gdb"),):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian package {package}; run 'make setup')")
    kernel = make("nested-kernel")
    if kernel.returncode != 0:
        pytest.skip("Debian's kernel package cannot be fetched: " + tail(kernel.stdout, 1))
    vmm = make("build/vmm-static")
    assert vmm.returncode == 0, "build/vmm-static does not build:\n" + tail(vmm.stdout)
    inputs = make("nested-inputs")
    assert inputs.returncode == 0, "make nested-inputs failed:\n" + tail(inputs.stdout)
    done, transcript = gdb_nested.run(gdb_nested.SMOKE, MODES)
    print(transcript)
    return {(s.mode, s.name): s for s in done}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", gdb_nested.SMOKE)
def test_gdb_script_on_standard_kvm(sessions, name, mode):
    """gdb and the VMM print what the script's header expects, in this npt mode."""
    s = sessions[(mode, name)]
    print(s.gdb_out)
    try:
        s.check()
    except AssertionError:
        why = s.bed_limit()
        if why:
            pytest.xfail(f"{name}: a gap of the QEMU bed, not of kvm_amd: {why}")
        raise


def test_bed_gaps_are_only_breakpoints():
    """Every script the bed leaves out needs a breakpoint or watchpoint; each gap has a probe."""
    for name, (why, _) in gdb_nested.BED_LACKS.items():
        text = open(gdb_nested.gdbrun.script_path(name)).read()
        assert any(cmd in text for cmd in ("break ", "watch ")), name
    probes = {why for why, probe in gdb_nested.BED_LACKS.values() if probe}
    assert probes == {gdb_nested.INT3_LOST, gdb_nested.DR_LOST}
