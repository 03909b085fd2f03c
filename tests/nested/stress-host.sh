#!/bin/sh
# The nested bed's stress list on this host: each command (a `vmm ...` line as the bed's
# payload writes it) N times with build/vmm, each under a time limit. A run that reaches
# the limit has its threads dumped (state, CPU time, wait channel, kernel stack where
# readable) before it is killed. Prints one line per failure and a tally; exits 0 only if
# every run passed. `make host-stress [N=50]` runs it.
usage() {
    echo "usage: stress-host.sh [-n N] [--timeout SECS] [--build DIR] --run 'CMD;CMD'" >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/../.." && pwd)/build
n=50 limit=120 run=""
while [ $# -gt 0 ]; do
    case $1 in
    -n)        n=$2; shift ;;
    --timeout) limit=$2; shift ;;
    --build)   build=$2; shift ;;
    --run)     run=$2; shift ;;
    *)         usage ;;
    esac
    shift
done
[ -n "$run" ] || usage
vmm=$build/vmm
[ -x "$vmm" ] || { echo "stress-host: $vmm missing: run 'make' first" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/stress-host.XXXXXX")
trap 'rm -rf "$out"' EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }

# Like payload.sh's hang dump: what each thread of pid $1 is doing.
dump() {
    for t in /proc/"$1"/task/*; do
        echo "  task ${t##*/}: $(cut -d' ' -f3,14,15 "$t/stat" 2>/dev/null) (state utime stime)" \
             "wchan $(cat "$t/wchan" 2>/dev/null)"
        sed 's/^/    stack /' "$t/stack" 2>/dev/null
    done
}

pass=0 fail=0 i=1 start=$(ms)
while [ "$i" -le "$n" ]; do
    echo "$run" | tr ';' '\n' | while read -r cmd; do
        [ -n "$cmd" ] || continue
        # The bed's `vmm` is the static VMM with its bundled guest; here, build/vmm, and
        # no disk (the bed has none either).
        # shellcheck disable=SC2086
        set -- ${cmd#vmm}
        t0=$(ms)
        "$vmm" --no-disk "$@" >"$out/log" 2>&1 </dev/null &
        pid=$!
        k=$((limit * 4))
        while kill -0 "$pid" 2>/dev/null && [ "$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)" != Z ] &&
              [ $k -gt 0 ]; do
            sleep 0.25
            k=$((k - 1))
        done
        why=""
        if [ $k -le 0 ]; then
            why="timeout after ${limit}s"
            dump "$pid" >>"$out/log"
            kill -TERM "$pid"
            sleep 5
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid"
        status=$?
        [ -z "$why" ] && [ "$status" -ne 0 ] && why="exit $status"
        t=$(($(ms) - t0))
        if [ -n "$why" ]; then
            echo "stress-host: FAIL [$i/$n] vmm $* ($why, $((t / 1000)).$((t % 1000 / 100)) s):"
            tail -n 30 "$out/log" | sed 's/^/    | /'
            echo FAIL >>"$out/tally"
        else
            echo PASS >>"$out/tally"
            echo "$t $cmd" >>"$out/times"
        fi
    done
    i=$((i + 1))
done
pass=$(grep -c PASS "$out/tally")
fail=$(grep -c FAIL "$out/tally")
t=$(($(ms) - start))
echo "stress-host: $pass passed, $fail failed ($n rounds of: $run) in $((t / 1000)) s"
# Mean and slowest time per command.
awk '{ c = $0; sub(/^[0-9]+ /, "", c); s[c] += $1; k[c]++; if ($1 > m[c]) m[c] = $1 }
     END { for (c in s) printf "stress-host:   %s: mean %.1f s, slowest %.1f s\n",
                                c, s[c] / k[c] / 1000, m[c] / 1000 }' "$out/times" 2>/dev/null
[ "$fail" -eq 0 ]
