"""A short, fixed-seed libFuzzer run of the shadow MMU harness under ASan and UBSan
(tests/fuzz/shadow_fuzz.c: every shadow translation is the guest's own, inside guest RAM or
the MMIO hole, walked through shadow pages only); `make fuzz-shadow` runs the long one."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZER = os.path.join(ROOT, "build", "fuzz", "shadow_fuzz")
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus", "shadow")
RUNS = 20000


def test_shadow_fuzz_short_run(tmp_path):
    if shutil.which("clang") is None:
        pytest.skip("clang is not installed: the libFuzzer harness needs it")
    subprocess.run(["make", "-s", "-C", ROOT, "-f", "tests/fuzz/shadow.mk", "BUILD=build",
                    "build/fuzz/shadow_fuzz"], check=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    r = subprocess.run([FUZZER, f"-runs={RUNS}", "-seed=1", "-print_final_stats=1",
                        str(corpus), SEEDS], capture_output=True, text=True, timeout=600,
                       errors="replace")
    tail = r.stderr[-3000:]
    assert r.returncode == 0, tail
    assert f"Done {RUNS} runs" in r.stderr, tail
    print(f"shadow fuzz: {RUNS} inputs from {len(os.listdir(SEEDS))} seeds, every "
          "translation checked, no ASan/UBSan report")
