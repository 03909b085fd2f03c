"""A short, fixed-seed libFuzzer run of the virtio-mmio + virtio-blk harness under ASan and
UBSan (tests/fuzz/virtio_fuzz.c); `make fuzz-virtio` runs the long one."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZER = os.path.join(ROOT, "build", "fuzz", "virtio_fuzz")
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus", "virtio")
RUNS = 20000


def test_virtio_fuzz_short_run(tmp_path):
    if shutil.which("clang") is None:
        pytest.skip("clang is not installed: the libFuzzer harness needs it")
    # virtio.mk stands alone given BUILD, whether or not tests/fuzz/build.mk includes it.
    subprocess.run(["make", "-s", "-C", ROOT, "-f", "tests/fuzz/virtio.mk", "BUILD=build",
                    "build/fuzz/virtio_fuzz"], check=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    r = subprocess.run([FUZZER, f"-runs={RUNS}", "-seed=1", "-print_final_stats=1",
                        str(corpus), SEEDS], capture_output=True, text=True, timeout=600,
                       errors="replace")
    tail = r.stderr[-3000:]
    assert r.returncode == 0, tail
    assert f"Done {RUNS} runs" in r.stderr, tail
    print(f"virtio fuzz: {RUNS} inputs from {len(os.listdir(SEEDS))} seeds, no crash, "
          "no ASan/UBSan report")
