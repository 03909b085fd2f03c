"""The scheduler seen from the host: schedtest's tables (stride within 1% of 2:1:5 over
1000 slices, MLFQ gaming and starvation), the sched command and the sched= boot option,
ps's accounting columns, schedcheck on one and two CPUs."""
import re

import pytest

from conftest import run_vmm


@pytest.fixture(scope="module")
def schedtest():
    r = run_vmm("--", "/bin/schedtest", timeout=240)
    assert r.returncode == 0, r
    return r.stdout


def test_schedtest_prints_every_table(schedtest):
    for heading in ("(a) FIFO, SJF, STCF, RR", "(b1) MLFQ gaming", "(b2) MLFQ starvation",
                    "(c) lottery vs stride", "schedtest: done"):
        assert heading in schedtest, schedtest
    for policy in ("FIFO      measured", "RR 10ms   measured", "SJF       model",
                   "STCF      model"):
        assert policy in schedtest
    for window in (10, 100, 1000):
        assert re.search(rf"^\s+stride\s+{window}\s", schedtest, re.M), schedtest
        assert re.search(rf"^\s+lottery\s+{window}\s", schedtest, re.M), schedtest


def test_schedtest_models_reproduce_the_worked_examples(schedtest):
    # OSTEP: convoy FIFO 110 vs SJF 50; STCF 50 vs SJF 103.3; RR response 1 vs SJF 5.
    rows = {(m.group(1).strip(), m.group(2)): (m.group(3), m.group(4)) for m in re.finditer(
        r"^  (\S.{33}) (\S+)\s+(\S+)\s+(\S+)$", schedtest, re.M)}
    assert rows[("convoy: A=100, B=C=10 at 0", "FIFO")][1] == "110.0"
    assert rows[("convoy: A=100, B=C=10 at 0", "SJF")][1] == "50.0"
    assert rows[("A=100 at 0, B=C=10 at 10", "SJF")][1] == "103.3"
    assert rows[("A=100 at 0, B=C=10 at 10", "STCF")][1] == "50.0"
    assert rows[("A=B=C=5 at 0", "SJF")][0] == "5.0"
    assert rows[("A=B=C=5 at 0", "RR(q=1)")][0] == "1.0"


def test_fifo_makes_the_short_job_wait_for_the_three_long_ones(schedtest):
    m = re.search(r"FIFO\s+measured\s+\|\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)", schedtest)
    a, b, c, d = map(int, m.groups())
    assert a < b < c < d and d >= 300, schedtest    # D starts after 3 x 100 ms of CPU


def test_stride_shares_within_one_percent_of_2_1_5(schedtest):
    m = re.search(r"stride over 1000 slices: A:B:C = (\d+):(\d+):(\d+)", schedtest)
    assert m, schedtest
    a, b, c = map(int, m.groups())
    assert a + b + c == 1000
    for got, want in ((a, 250), (b, 125), (c, 625)):
        assert abs(got - want) <= 10, (a, b, c)
    assert re.search(r"stride over 1000 slices.*within 1%: yes", schedtest)


def shares(schedtest, label):
    m = re.search(rf"^  {re.escape(label)}\s+(\d+)\s+(\d+)\s+([\d.]+)%", schedtest, re.M)
    assert m, (label, schedtest)
    return float(m.group(3))


def test_mlfq_accounting_rule_stops_the_gamer(schedtest):
    off = shares(schedtest, "accounting off (yield forgets)")
    on = shares(schedtest, "accounting on (allotment adds up)")
    assert off > 80 and on < 50, (off, on)


def test_mlfq_boost_ends_starvation(schedtest):
    starved = shares(schedtest, "no boost")
    boosted = shares(schedtest, "boost every S = 100 ms")
    assert starved < 10 and boosted > starved + 10, (starved, boosted)


def test_sched_command_switches_policy(vmm):
    r = vmm("--", "/bin/sched", "mlfq", "q=20", "noboost")
    assert r.returncode == 0, r
    assert "sched: rr -> mlfq" in r.stdout
    assert "policy mlfq, quantum 20 ms (levels 20/40/80 ms), accounting on, boost off" \
        in r.stdout


def test_sched_command_rejects_unknown_policy(vmm):
    r = vmm("--", "/bin/sched", "sjf")
    assert r.returncode == 2, r
    assert "usage: sched" in r.stdout + r.stderr


@pytest.mark.parametrize("policy", ["rr", "fifo", "mlfq", "stride", "lottery"])
def test_boot_option_chooses_policy(vmm, policy):
    r = vmm("--cmdline", f"sched={policy}", "--", "/bin/sched")
    assert r.returncode == 0, r
    assert f"policy {policy}," in r.stdout


def test_ps_shows_cpu_time_and_switches(vmm):
    r = vmm("--", "/bin/ps")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    head = [l for l in lines if l.split()[:1] == ["PID"]]
    assert head and "TIME(ms)" in head[0] and "SW" in head[0] and "RESP(ms)" in head[0]
    rows = {l.split()[-1]: l.split() for l in lines[lines.index(head[0]) + 1:] if l.strip()}
    # init waits for ps; a spurious wakeup may have it ready to run again, never running.
    assert rows["ps"][2] == "run" and rows["init"][2] in ("sleep", "ready")
    assert float(rows["init"][5]) > 0 and int(rows["init"][6]) >= 1


def test_schedcheck_one_cpu(vmm):
    r = vmm("--", "/bin/schedcheck", timeout=120)
    assert r.returncode == 0, r
    assert "schedcheck: 8 passed, 0 failed" in r.stdout


def test_two_cpu_bound_processes_use_both_cpus(vmm):
    r = vmm("--cpus", "2", "--", "/bin/schedcheck", timeout=120)
    assert r.returncode == 0, r
    assert "schedcheck: 8 passed, 0 failed" in r.stdout
    assert re.search(r"running on cpus [01] and [01] at once", r.stdout), r.stdout
    # ps -e after the two spinners: between them, the last two exited rows used both CPUs.
    rows = [l.split() for l in r.stdout.splitlines() if l.endswith(" schedcheck")
            and " exited " in l]
    assert set(",".join(row[4] for row in rows[-2:]).split(",")) == {"0", "1"}, rows
