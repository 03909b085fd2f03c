"""The standard-KVM smoke test: our VMM on Debian's real kvm_amd inside QEMU (TCG, nested
SVM), with npt=1 and npt=0, running the quick payload (the exit floor and one VMM command).

`make test-nested` runs the full payload; this is the subset `make test` runs. It skips only
when something outside the project is missing (QEMU, busybox, cpio, Debian's kernel package);
a VMM or guest that does not build is a failure, never a skip.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
MODES = ("1", "0")
TOOLS = (("qemu-system-x86_64", "qemu-system-x86"), ("busybox", "busybox-static"),
         ("cpio", "cpio"))


def make(*targets):
    return subprocess.run(["make", "-C", str(REPO), "--no-print-directory", *targets],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.fixture(scope="module")
def bed():
    """Build the inputs and boot the bed once; returns (console lines, vmm build result)."""
    for tool, package in TOOLS:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian package {package}; run 'make setup')")
    kernel = make("nested-kernel")
    if kernel.returncode != 0:
        pytest.skip("Debian's kernel package cannot be fetched: " + tail(kernel.stdout, 1))
    # Built separately so that its failure is reported as itself, not as a missing file.
    vmm = make("build/vmm-static")
    inputs = make("nested-inputs")
    assert inputs.returncode == 0, "make nested-inputs failed:\n" + tail(inputs.stdout)
    run = subprocess.run(["sh", str(REPO / "tests/nested/run.sh"), "--quick",
                          "--build", str(BUILD)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=400)
    print(run.stdout)
    console = (BUILD / "nested/console.log").read_text(errors="replace").splitlines()
    return console, vmm


def mode_lines(console, mode):
    return [line for line in console if line.startswith(f"nested: npt={mode}: ")]


@pytest.mark.parametrize("mode", MODES)
def test_bed_runs_the_exit_floor(bed, mode):
    """kvm_amd loads with this npt mode and a minimal VM exits to userspace on port I/O."""
    console, _ = bed
    lines = mode_lines(console, mode)
    assert any(line.startswith(f"nested: npt={mode}: check PASS floor ") for line in lines), \
        "\n".join(lines) or f"no lines for npt={mode}; console:\n" + "\n".join(console[-20:])


@pytest.mark.parametrize("mode", MODES)
def test_vmm_passes_on_standard_kvm(bed, mode):
    """Every quick-payload check, including the VMM running a guest command, passes."""
    console, vmm = bed
    if vmm.returncode != 0:
        pytest.fail("build/vmm-static does not build, so the VMM checks cannot run:\n" +
                    tail(vmm.stdout))
    lines = mode_lines(console, mode)
    assert any(line.startswith(f"nested: npt={mode}: PASS ") for line in lines), \
        "\n".join(lines) or f"no lines for npt={mode}; console:\n" + "\n".join(console[-20:])
