"""A short libFuzzer run of the GDB stub's packet parsing (tests/fuzz/gdb_packet_fuzz.c),
with AddressSanitizer and UBSan: a fixed number of inputs, so it takes seconds and any
crash, leak or out-of-bounds access fails the test. `make fuzz-gdb` runs it longer."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZER = os.path.join(ROOT, "build", "fuzz", "gdb_packet_fuzz")
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus", "gdb")


def test_gdb_packet_fuzz_short_run(tmp_path):
    if not shutil.which("clang"):
        pytest.fail("clang is missing: it builds the fuzz harness (make setup installs it)")
    subprocess.run(["make", "-s", "-C", ROOT, "build/fuzz/gdb_packet_fuzz"], check=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    r = subprocess.run([FUZZER, "-runs=200000", "-seed=1", "-max_len=20000", str(corpus), SEEDS],
                       capture_output=True, text=True, timeout=600)
    tail = "\n".join(r.stderr.splitlines()[-15:])
    print(tail)
    assert r.returncode == 0, f"the fuzzer found a failure:\n{r.stderr[-5000:]}"
    assert "Done 200000 runs" in r.stderr, tail
