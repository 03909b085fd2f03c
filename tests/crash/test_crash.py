"""A short crash campaign for `make test` (the full one is `make crash-campaign`): every 25th
write of the small workload in ordered mode and three volatile-cache points, each booted
for recovery and checked (tests/crash/campaign.py); plus the judge itself on made-up
listings, so a checker that accepts everything would fail here."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import campaign  # noqa: E402
from campaign import ABSENT, DIR, Expectations, judge, parse_listing  # noqa: E402

INTENT = """crashload: mkdir /cl
crashload: dir /cl
crashload: create /cl/a
crashload: durable /cl/a len=5 crc=0000000a
crashload: create /cl/t
crashload: durable /cl/t len=7 crc=0000000b
crashload: create /cl/b
crashload: durable /cl/b len=9 crc=0000000c
crashload: rename /cl/t -> /cl/b""".splitlines()


def listing(*files):
    return "\n".join(["crashcheck: d /cl"] + [f"crashcheck: f {p} len={n} crc={c}"
                                              for p, n, c in files] + ["crashcheck: end errors=0"])


def verdict(exp, *files):
    seen, ok = parse_listing(listing(*files))
    assert ok
    return judge(exp, seen)[0]


def test_judge_accepts_either_side_of_an_inflight_rename():
    exp = Expectations(INTENT)
    clean = {"lost": 0, "rename": 0, "other": 0}
    assert verdict(exp, ("/cl/a", 5, "0000000a"), ("/cl/t", 7, "0000000b"),
                   ("/cl/b", 9, "0000000c")) == clean
    assert verdict(exp, ("/cl/a", 5, "0000000a"), ("/cl/b", 7, "0000000b")) == clean


def test_judge_counts_a_half_rename_a_lost_file_and_a_stray_one():
    exp = Expectations(INTENT)
    assert verdict(exp, ("/cl/a", 5, "0000000a"))["rename"] == 1            # both names gone
    assert verdict(exp, ("/cl/a", 5, "0000000a"), ("/cl/t", 7, "0000000b"),
                   ("/cl/b", 7, "0000000b"))["rename"] == 1                 # both names
    v = verdict(exp, ("/cl/a", 4, "0000000a"), ("/cl/b", 7, "0000000b"), ("/cl/x", 1, "1"))
    assert v == {"lost": 1, "rename": 0, "other": 1}


def test_judge_after_synced_rename_unlink_and_append():
    exp = Expectations(INTENT + ["crashload: renamed /cl/t -> /cl/b",
                                 "crashload: unlink /cl/a", "crashload: unlinked /cl/a",
                                 "crashload: append /cl/b len=7 crc=0000000b"])
    assert exp.allowed["/cl/t"] == [ABSENT] and exp.allowed["/cl"] == [DIR]
    assert exp.prefix_args() == ["/cl/b=7"]
    seen, _ = parse_listing("crashcheck: d /cl\ncrashcheck: f /cl/b len=9 crc=1 pre=0000000b")
    assert judge(exp, seen)[0] == {"lost": 0, "rename": 0, "other": 0}
    seen, _ = parse_listing("crashcheck: d /cl\ncrashcheck: f /cl/b len=9 crc=1 pre=00000001\n"
                            "crashcheck: f /cl/a len=5 crc=0000000a")
    assert judge(exp, seen)[0] == {"lost": 1, "rename": 0, "other": 1}


@pytest.fixture(scope="module")
def small_w():
    if not os.path.exists(campaign.VMM) or not os.path.exists(campaign.IMAGE):
        pytest.fail("build/vmm or build/guest/disk.img is missing: run make first")
    return campaign.dry_run("ordered", 1, 10)


def test_dry_run_counts_at_least_200_writes(small_w):
    assert small_w >= 200


def test_short_campaign_loses_nothing(small_w):
    base = dict(mode="ordered", seed=1, ops=10, opts="", w=small_w)
    points = [dict(base, kind="every-N", n=n) for n in range(1, small_w + 1, 25)]
    points += [dict(base, kind="volatile", n=n, vseed=s, opts=f",volatile,seed={s}")
               for n, s in ((small_w // 3, 7), (small_w // 2, 8), (small_w - 5, 9))]
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(campaign.run_point, points))
    for r in results:
        assert r["msgs"] == [], (r["kind"], r["n"], r["msgs"])
    assert sum(r["status"] == campaign.POWERCUT for r in results) >= len(points) - 1


def first_cut_after(mode, ops, durable):
    """The smallest N whose crashed run printed `durable` lines: then the write the power
    cut is the first one after the fsync of that file. Found by bisection."""
    import tempfile

    def printed(n):
        with tempfile.TemporaryDirectory(prefix="crash-bisect-") as tmp:
            img = campaign.fresh_image(tmp)
            r = campaign.vmm(["--cmdline", f"fsmode={mode}", "--disk", f"{img},crash-after={n}",
                              "--", "/bin/crashload", "1", str(ops)], timeout=300)
            return r.stdout.count("crashload: durable") >= durable
    lo, hi = 1, campaign.dry_run(mode, 1, ops)
    assert printed(hi)
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if printed(mid) else (mid + 1, hi)
    return lo


def test_fsync_data_survives_a_lost_write_cache():
    # Regression: in writeback mode file data is written after its commit, and fsync found
    # nothing left to commit, so it returned before that data was flushed; a disk losing
    # its cache at the next write lost the fsync'd file's block (each seed loses it with
    # probability 1/2, so four seeds miss the bug once in 16 write orders).
    n = first_cut_after("writeback", 4, 1)
    for seed in (1, 2, 3, 4):
        r = campaign.run_point(dict(mode="writeback", kind="volatile", n=n, seed=1, ops=4,
                                    w=0, vseed=seed, opts=f",volatile,seed={seed}"))
        assert r["status"] == campaign.POWERCUT
        assert r["msgs"] == [], (seed, r["msgs"])
