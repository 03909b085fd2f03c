"""Shared pytest fixtures: paths into the build tree and a helper that runs build/vmm."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
VMM = os.path.join(BUILD, "vmm")
sys.path.insert(0, os.path.join(ROOT, "tests"))


def run_vmm(*args, timeout=60, stdin=subprocess.DEVNULL, vmm=VMM):
    """Run build/vmm with args; returns the CompletedProcess (text output)."""
    return subprocess.run([vmm, *args], stdin=stdin, capture_output=True, text=True,
                          timeout=timeout, errors="replace")


@pytest.fixture
def vmm():
    if not os.path.exists(VMM):
        pytest.fail("build/vmm is missing: run make first")
    return run_vmm
