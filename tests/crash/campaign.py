#!/usr/bin/env python3
"""The crash campaign: cut the power at every write of a file-system workload, and at random
writes of a larger one, then check that the journal's recovery leaves a clean file system
that kept every promise the workload was given. docs/crash-testing.md explains the method.

For each journaling mode (the guest's `fsmode=`):
  1. dry run: a fresh copy of build/guest/disk.img runs /bin/crashload SEED OPS under
     `--disk IMG,crash-after=HUGE`; vmm then reports the workload's write requests W
     ("vmm: disk IMG: W writes, no power cut"), counted one at a time as in the crash runs;
  2. every point N (1..W, or every Kth): a fresh copy runs the workload with
     `crash-after=N` (vmm exits 123 at the cut, or 0 if the workload finished first);
     the console lines of crashload (its journal of intent) say what must have survived;
  3. `build/fsck -n` checks the crashed image with its journal replayed in memory;
  4. the image boots normally (recovery at mount) running /bin/crashcheck, which lists every
     file under /cl with its length and crc and proves the file system takes changes;
  5. `build/fsck -n` checks the recovered image;
  6. the listing is judged against the journal of intent (Expectations below).
Random points of a larger workload are cut with `,torn` and with `,volatile,seed=S`.

Usage: tests/crash/campaign.py [--modes ordered,journal] [--every K] [--random R] [--jobs 2]
Exit status 0 only if no point in the modes that must be crash-safe (ordered, journal)
had a problem; writeback is tallied apart: it may lose data but must not corrupt metadata.
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
VMM = os.path.join(BUILD, "vmm")
FSCK = os.path.join(BUILD, "fsck")
IMAGE = os.path.join(BUILD, "guest", "disk.img")
POWERCUT = 123                      # VMM_EXIT_POWERCUT, abi/machine.h
WORKDIR = "/cl"                     # crashload's default ROOT
NO_CUT = 1 << 40
STRICT_MODES = ("ordered", "journal")
PROBLEMS = ("workload", "fsck", "recovery", "lost", "rename", "other")

ABSENT, ANY, DIR = ("absent",), ("any",), ("dir",)


class Expectations:
    """What must hold after the crash, replayed from crashload's console lines.

    allowed[path] lists the states the path may be in: ABSENT, ANY (a file, any contents),
    DIR, ("data", len, crc) or ("prefix", len, crc) (a file whose first len bytes have that
    crc). A path whose states are all data/prefix/dir was promised durable. An in-flight
    rename is judged as a pair: old name as before and new name as before, or old name
    absent and new name with the old name's contents."""

    def __init__(self, lines):
        self.allowed = {}
        self.rename = None           # (old, new, old's states, new's states) in flight
        self.finished = False
        for line in lines:
            if line.startswith("crashload: "):
                self.apply(line[len("crashload: "):].split())

    def apply(self, w):
        a = self.allowed
        if w[0] == "mkdir":
            a[w[1]] = [ABSENT, DIR]
        elif w[0] == "dir":
            a[w[1]] = [DIR]
        elif w[0] == "create":
            a[w[1]] = [ABSENT, ANY]
        elif w[0] in ("durable", "append"):
            kind = "data" if w[0] == "durable" else "prefix"
            a[w[1]] = [(kind, int(w[2][4:]), w[3][4:])]
        elif w[0] == "rename":
            old, new = w[1], w[3]
            self.rename = (old, new, a[old], a.get(new, [ABSENT]))
            a[new] = self.rename[3] + self.rename[2]
            a[old] = self.rename[2] + [ABSENT]
        elif w[0] == "renamed":
            a[w[3]], a[w[1]] = self.rename[2], [ABSENT]
            self.rename = None
        elif w[0] == "unlink":
            a[w[1]] = a[w[1]] + [ABSENT]
        elif w[0] == "unlinked":
            a[w[1]] = [ABSENT]
        elif w[0] == "done":
            self.finished = True

    def prefix_args(self):
        """crashcheck's PATH=LEN arguments: the files whose prefix is checked."""
        return [f"{p}={s[1]}" for p, states in sorted(self.allowed.items())
                for s in states if s[0] == "prefix"]


def parse_listing(out):
    """crashcheck's lines: {path: state}, and whether it reached its end line cleanly."""
    seen, ok = {}, False
    for line in out.splitlines():
        w = line.split()
        if len(w) < 2 or w[0] != "crashcheck:":
            continue
        if w[1] == "d":
            seen[w[2]] = DIR
        elif w[1] == "f":
            kv = dict(x.split("=", 1) for x in w[3:])
            seen[w[2]] = ("file", int(kv["len"]), kv["crc"], kv.get("pre"))
        elif w[1] == "o":
            seen[w[2]] = ("other",)
        elif w[1] == "end":
            ok = w[2] == "errors=0"
    return seen, ok


def matches(state, actual):
    if state in (ABSENT, DIR):
        return actual == state
    if actual[0] != "file":
        return False
    if state == ANY:
        return True
    if state[0] == "data":
        return actual[1] == state[1] and actual[2] == state[2]
    return actual[1] >= state[1] and actual[3] == state[2]          # prefix


def judge(exp, seen):
    """Counts of lost durable entries, non-atomic renames, other mismatches; messages."""
    counts, msgs = {"lost": 0, "rename": 0, "other": 0}, []
    state = lambda p: seen.get(p, ABSENT)
    skip = set()
    if exp.rename:
        old, new, old_states, new_states = exp.rename
        skip = {old, new}
        before = (any(matches(s, state(old)) for s in old_states) and
                  any(matches(s, state(new)) for s in new_states))
        after = state(old) == ABSENT and any(matches(s, state(new)) for s in old_states)
        if not (before or after):
            counts["rename"] += 1
            msgs.append(f"rename {old} -> {new} not atomic: {old} is {state(old)}, "
                        f"{new} is {state(new)}")
    for path, states in exp.allowed.items():
        if path in skip or any(matches(s, state(path)) for s in states):
            continue
        durable = not any(s in (ABSENT, ANY) for s in states)
        counts["lost" if durable else "other"] += 1
        msgs.append(f"{path}: {state(path)}, expected one of {states}")
    for path in seen:
        if path not in exp.allowed:
            counts["other"] += 1
            msgs.append(f"{path}: unexpected {seen[path]}")
    return counts, msgs


def snapshot():
    """Copies vmm, fsck, the kernel, the initrd and the image to a private directory (vmm
    finds its bundled files beside itself), so a rebuild during a long run cannot change
    them under it; the directory is removed at exit."""
    global VMM, FSCK, IMAGE
    d = tempfile.mkdtemp(prefix="crash-bin-")
    os.makedirs(os.path.join(d, "guest"))
    for rel in ("vmm", "fsck", "guest/kernel.elf", "guest/initrd.cpio", "guest/disk.img"):
        shutil.copy2(os.path.join(BUILD, rel), os.path.join(d, rel))
    VMM, FSCK, IMAGE = (os.path.join(d, x) for x in ("vmm", "fsck", "guest/disk.img"))
    return d


def vmm(args, timeout):
    return subprocess.run([VMM, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", timeout=timeout)


def fresh_image(tmp):
    path = os.path.join(tmp, "disk.img")
    shutil.copyfile(IMAGE, path)
    return path


def fsck(img):
    r = subprocess.run([FSCK, "-n", img], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def dry_run(mode, seed, ops):
    """The workload's write requests in this mode, and whether it ran to its end."""
    with tempfile.TemporaryDirectory(prefix="crash-dry-") as tmp:
        img = fresh_image(tmp)
        r = vmm(["--cmdline", f"fsmode={mode}", "--disk", f"{img},crash-after={NO_CUT}",
                 "--", "/bin/crashload", str(seed), str(ops)], timeout=1200)
        m = re.search(r"vmm: disk \S+: (\d+) writes, no power cut", r.stderr)
        if r.returncode != 0 or not m or "crashload: done" not in r.stdout:
            raise SystemExit(f"dry run failed ({mode}): status {r.returncode}\n"
                             f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        return int(m.group(1))


def run_point(p, keep_dir=None):
    """One power cut: p has mode, kind, n, seed, ops and the disk options. A result dict."""
    res = dict(p, **{k: 0 for k in PROBLEMS}, msgs=[], status=None)
    tmp = tempfile.mkdtemp(prefix="crash-pt-")
    try:
        img = fresh_image(tmp)
        opts = f",crash-after={p['n']}" + p["opts"]
        cmdline = ["--cmdline", f"fsmode={p['mode']}"]
        r = vmm([*cmdline, "--disk", img + opts, "--", "/bin/crashload", str(p["seed"]),
                 str(p["ops"])], timeout=1200)
        res["status"] = r.returncode
        exp = Expectations(r.stdout.splitlines())
        if r.returncode not in (POWERCUT, 0) or (r.returncode == 0) != exp.finished:
            res["workload"] += 1
            res["msgs"].append(f"workload: status {r.returncode}: {r.stdout[-500:]}"
                               f"{r.stderr[-500:]}")
        code, text = fsck(img)
        if code != 0:
            res["fsck"] += 1
            res["msgs"].append(f"fsck before recovery: exit {code}: {text[-1500:]}")
        c = vmm([*cmdline, "--disk", img, "--", "/bin/crashcheck", WORKDIR,
                 *exp.prefix_args()], timeout=1200)
        seen, ok = parse_listing(c.stdout)
        if c.returncode != 0 or not ok:
            res["recovery"] += 1
            res["msgs"].append(f"recovery boot: status {c.returncode}: {c.stdout[-1500:]}"
                               f"{c.stderr[-500:]}")
        else:
            counts, msgs = judge(exp, seen)
            for k, v in counts.items():
                res[k] += v
            res["msgs"] += msgs
        code, text = fsck(img)
        if code != 0:
            res["fsck"] += 1
            res["msgs"].append(f"fsck after recovery: exit {code}: {text[-1500:]}")
    except subprocess.TimeoutExpired as e:
        res["recovery"] += 1
        res["msgs"].append(f"timeout: {e}")
    if keep_dir and any(res[k] for k in PROBLEMS):
        os.makedirs(keep_dir, exist_ok=True)
        name = f"{p['mode']}-{p['kind']}-{p['n']}-{p.get('vseed', 0)}"
        shutil.copyfile(os.path.join(tmp, "disk.img"), os.path.join(keep_dir, name + ".img"))
    shutil.rmtree(tmp, ignore_errors=True)
    return res


def plan(args):
    """The points: every Kth N of the small workload, then random torn/volatile points."""
    rng = random.Random(args.seed)
    points = []
    for mode in args.modes:
        w = dry_run(mode, args.seed, args.ops)
        print(f"dry run: {mode} mode, crashload {args.seed} {args.ops}: W = {w} writes",
              flush=True)
        base = dict(mode=mode, seed=args.seed, ops=args.ops, opts="", w=w)
        points += [dict(base, kind="every-N", n=n) for n in range(1, w + 1, args.every)]
        if args.random or args.volatile:
            wb = dry_run(mode, args.seed, args.big_ops)
            print(f"dry run: {mode} mode, crashload {args.seed} {args.big_ops}: W = {wb} "
                  f"writes", flush=True)
            big = dict(base, ops=args.big_ops, w=wb)
            for kind, count in (("torn", args.random), ("volatile", args.volatile)):
                for _ in range(count):
                    s = rng.randrange(1 << 32)
                    opt = ",torn" if kind == "torn" else ",volatile"
                    points.append(dict(big, kind=kind, n=rng.randint(1, wb), vseed=s,
                                       opts=f"{opt},seed={s}"))
    return points


def tally(results, elapsed):
    rows = {}
    for r in results:
        row = rows.setdefault((r["mode"], r["kind"]), dict(points=0, cut=0, finished=0,
                                                           **{k: 0 for k in PROBLEMS}))
        row["points"] += 1
        row["cut"] += r["status"] == POWERCUT
        row["finished"] += r["status"] == 0
        for k in PROBLEMS:
            row[k] += r[k]
    head = ("mode", "points", "cut", "finished", "workload", "fsck", "recovery", "lost",
            "rename", "other")
    print("\ncrash campaign tally (lost = fsync'd files or synced names missing or wrong;"
          " rename = non-atomic renames)")
    print(f"{'mode':<22}" + "".join(f"{h:>9}" for h in head[1:]))
    for (mode, kind), row in sorted(rows.items()):
        label = f"{mode} {kind}" + (" *" if mode not in STRICT_MODES else "")
        print(f"{label:<22}" + "".join(f"{row[h]:>9}" for h in head[1:]))
    print(f"(* may lose data by design: reported apart)  {len(results)} points in "
          f"{elapsed:.0f} s")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", default="ordered,journal,writeback")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=10, help="small workload (every N)")
    ap.add_argument("--big-ops", type=int, default=40, help="larger workload (random N)")
    ap.add_argument("--every", type=int, default=1, help="every Kth N of the small workload")
    ap.add_argument("--random", type=int, default=20, help="torn points per mode")
    ap.add_argument("--volatile", type=int, default=20, help="volatile points per mode")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", help="write every point's result here")
    ap.add_argument("--keep", help="keep the images of failing points in this directory")
    args = ap.parse_args()
    args.modes = args.modes.split(",")
    start = time.time()
    bindir = snapshot()
    try:
        return campaign(args, start)
    finally:
        shutil.rmtree(bindir, ignore_errors=True)


def campaign(args, start):
    points = plan(args)
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = [pool.submit(run_point, p, args.keep) for p in points]
        for i, f in enumerate(concurrent.futures.as_completed(futs), 1):
            r = f.result()
            results.append(r)
            if r["msgs"]:
                print(f"point {r['mode']} {r['kind']} N={r['n']}{r['opts']}:", flush=True)
                for m in r["msgs"][:8]:
                    print("   ", m, flush=True)
            if i % 25 == 0:
                print(f"  {i}/{len(points)} points, {time.time() - start:.0f} s",
                      file=sys.stderr, flush=True)
    rows = tally(results, time.time() - start)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(results=results, elapsed=time.time() - start), f, indent=1)
    bad = sum(row[k] for (mode, _), row in rows.items() if mode in STRICT_MODES
              for k in PROBLEMS)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
