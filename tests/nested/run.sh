#!/bin/sh
# Boots the nested test bed: Debian's kernel under QEMU (TCG) with nested SVM, whose /init
# runs the payload checks on the real kvm_amd for each npt mode. Builds nothing: run
# `make nested-inputs` (or `make test-nested`) first. Prints the bed's result lines as they
# come, keeps the whole console in BUILD/nested/console.log, and exits 0 only if every
# requested mode printed its PASS line.
usage() {
    cat >&2 <<EOF
usage: run.sh [--modes 1,0] [--floor | --quick | --full] [--run 'CMD;CMD']
              [--gdb 'NAME NAME' --gdb-port PORT]
              [--repeat N] [--timeout SECS] [--check-timeout SECS] [--stall SECS]
              [--beat SECS] [--build DIR]
  --modes        npt modes to test, in order (default 1,0)
  --floor/--quick/--full  payload level (default --quick; see tests/nested/payload.sh)
  --run          run these commands as the checks instead (each must exit 0)
  --repeat N     with --run: the whole list N times in one boot (a stress run; only
                 failing checks print their output)
  --gdb          serve these tests/gdb/scripts (NAME.gdb) one after another instead: QEMU
                 forwards 127.0.0.1:PORT (--gdb-port) to the guest, where each session's
                 VMM waits for gdb (tests/nested/gdb_nested.py drives gdb; console in
                 BUILD/nested/console-gdb.log)
  --timeout      limit for the whole QEMU run (default 300)
  --check-timeout  limit for one check inside (default 60); a check that reaches it is
                 dumped (its threads' states, stacks, sysrq w and l) and killed
  --stall        no console line for this long (the bed prints a heartbeat every --beat
                 s) means the system inside has stopped: ask QEMU's monitor where the CPU
                 is, send an NMI (the kernel panics with a backtrace), end QEMU (default 45)
  --beat         the bed's heartbeat period (default 5; 0: none, for testing --stall)
  --nudge        every this many s, an interrupt from outside (a key press) that makes
                 QEMU deliver an interrupt it lost (default 1; 0: none; docs/nested-bed.md)
EOF
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/../.." && pwd)/build
modes=1,0 level=quick run="" limit=300 check_limit=60 gdb="" gdb_port="" repeat=1
stall=45 beat=5 nudge=1
while [ $# -gt 0 ]; do
    case $1 in
    --modes)         modes=$2; shift ;;
    --floor)         level=floor ;;
    --quick)         level=quick ;;
    --full)          level=full ;;
    --run)           level=cmdline run=$2; shift ;;
    --gdb)           level=gdb gdb=$2; shift ;;
    --gdb-port)      gdb_port=$2; shift ;;
    --timeout)       limit=$2; shift ;;
    --check-timeout) check_limit=$2; shift ;;
    --repeat)        repeat=$2; shift ;;
    --stall)         stall=$2; shift ;;
    --beat)          beat=$2; shift ;;
    --nudge)         nudge=$2; shift ;;
    --build)         build=$2; shift ;;
    *)               usage ;;
    esac
    shift
done

nested=$build/nested
kernel=$nested/kernel/vmlinuz initramfs=$nested/initramfs.cpio.gz log=$nested/console.log
monitor=$nested/monitor.sock pidfile=$nested/qemu.pid stall_report=$nested/stall.txt
nudge_sock=$nested/nudge.sock
# GDB sessions: a NIC whose guest port 1234 (payload.sh's relay) is the host's loopback PORT.
net=""
if [ "$level" = gdb ]; then
    [ -n "$gdb_port" ] && [ -n "$gdb" ] || usage
    log=$nested/console-gdb.log stall_report=$nested/stall-gdb.txt
    net="-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$gdb_port-:1234 -device e1000,netdev=n0,romfile="
fi
command -v qemu-system-x86_64 >/dev/null || {
    echo "run.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86; run 'make setup')" >&2
    exit 2
}
for f in "$kernel" "$initramfs"; do
    [ -e "$f" ] || { echo "run.sh: $f missing: run 'make nested-inputs' first" >&2; exit 2; }
done

append="console=ttyS0 quiet panic=-1 nested.modes=$modes nested.payload=$level"
append="$append nested.timeout=$check_limit nested.repeat=$repeat nested.beat=$beat"
# The stall detectors, reporting on the console despite `quiet` (init.sh raises the log
# level once booted): soft lockups after 2 x 10 s, tasks blocked (state D) for 30 s, RCU
# stalls after 20 s; an NMI from outside (run.sh's --stall) panics with a backtrace. No
# KASLR, so that an address QEMU's monitor prints can be looked up in /proc/kallsyms.
append="$append nokaslr watchdog_thresh=10 rcupdate.rcu_cpu_stall_timeout=20"
append="$append sysctl.kernel.hung_task_timeout_secs=30 sysctl.kernel.hung_task_warnings=-1"
append="$append sysctl.kernel.unknown_nmi_panic=1"
[ -n "$run" ] && append="$append nested.run=\"$run\""
[ -n "$gdb" ] && append="$append nested.gdb=$(echo $gdb | tr ' ' ,)"

ms() { echo $(($(date +%s%N) / 1000000)); }

# The no-progress watchdog: when the console has printed nothing for $stall s, record what
# QEMU's monitor says about the CPU (twice, a second apart: spinning or stuck), send an NMI
# (unknown_nmi_panic: the kernel panics with a backtrace, and -no-reboot ends QEMU), then
# end QEMU. Writes $stall_report and prints it.
monitor() {
    python3 "$here/monitor.py" "$monitor" "$@" | grep -v '^\(XMM\|FPR\|YMM\)'
}
qemu_threads() {
    for t in /proc/"$1"/task/*; do
        echo "  $(cat "$t/comm" 2>/dev/null): $(cut -d' ' -f3,14,15 "$t/stat" 2>/dev/null)" \
             "wchan $(cat "$t/wchan" 2>/dev/null)"
    done
}
watchdog() {
    while sleep 2; do
        [ -s "$pidfile" ] || continue
        qemu=$(cat "$pidfile")
        kill -0 "$qemu" 2>/dev/null || return 0
        age=$(($(date +%s) - $(stat -c %Y "$log")))
        [ "$age" -ge "$stall" ] || continue
        {
            echo "run.sh: STALL: no console output for ${age}s; QEMU monitor:"
            monitor 'info status' 'info cpus' 'info registers' 'x/8i $pc' 'info lapic' \
                'info pic'
            sleep 1
            echo "run.sh: one second later:"
            monitor 'info registers' 'x/4i $pc'
            # On the host: is QEMU's vCPU thread executing (the CPU inside spins) or
            # asleep (it halted and no interrupt comes)? And where QEMU's threads are.
            echo "run.sh: QEMU's threads on the host (state, utime, stime in ticks; 2 s apart):"
            qemu_threads "$qemu"
            sleep 2
            qemu_threads "$qemu"
            if command -v gdb >/dev/null; then
                echo "run.sh: QEMU's threads' stacks (gdb):"
                timeout 30 gdb -batch -nx -p "$qemu" -ex 'thread apply all bt 12' 2>&1 |
                    grep -E '^(Thread|#)' | head -n 80
            fi
            echo "run.sh: sending an NMI (the kernel panics with its backtrace)"
            monitor nmi
        } >"$stall_report" 2>&1
        n=0
        while kill -0 "$qemu" 2>/dev/null && [ $n -lt 15 ]; do sleep 1; n=$((n + 1)); done
        monitor quit >/dev/null 2>&1
        sleep 1
        kill -9 "$qemu" 2>/dev/null
        return 0
    done
}

start=$(ms)
echo "run.sh: qemu (TCG, nested SVM), npt modes $modes, payload $level; console in $log"
rm -f "$pidfile" "$stall_report" "$monitor" "$nudge_sock"
: >"$log"
watchdog &
watchdog_pid=$!
# The nudge. QEMU 7.2's TCG can lose the request for an interrupt that is pending in the
# emulated LAPIC (seen with L1's timer, vector 0xec, after a 2-vCPU guest of kvm_amd spun
# with interrupts masked while KVM had an interrupt waiting for it): the interrupt then
# stays in IRR, undelivered, and the system inside stops for good, since its next timer
# interrupt is programmed by the lost one. Any new interrupt makes QEMU look at the LAPIC
# again, so a key press (PS/2, no console input: shift) every $nudge s bounds such a stop
# to $nudge s. docs/nested-bed.md has the evidence.
nudge_pid=""
if [ "$nudge" != 0 ]; then
    python3 "$here/monitor.py" --every "$nudge" "$nudge_sock" 'sendkey shift' >/dev/null 2>&1 &
    nudge_pid=$!
fi
nudge_mon=""
[ -n "$nudge_pid" ] && nudge_mon="-monitor unix:$nudge_sock,server,nowait"
# The console's \r\n becomes \n and the firmware's terminal resets go; every line the bed
# prints is shown with the wall time since QEMU started (not its heartbeat lines).
# shellcheck disable=SC2086
timeout -k 5 "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu qemu64,+svm,+npt \
    -smp 1 -m 2G -nographic -no-reboot -nodefaults -serial stdio \
    -monitor "unix:$monitor,server,nowait" $nudge_mon -pidfile "$pidfile" $net \
    -kernel "$kernel" -initrd "$initramfs" -append "$append" </dev/null 2>&1 |
    sed -u 's/\r$//; s/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$log" |
    while IFS= read -r line; do
        case $line in
        nested:*) t=$(($(ms) - start)); printf '%4d.%ds %s\n' $((t / 1000)) $((t % 1000 / 100)) "$line" ;;
        esac
    done
[ -n "$nudge_pid" ] && kill "$nudge_pid" 2>/dev/null
# A watchdog that has fired finishes its report and ends QEMU; else it is not needed now.
[ -e "$stall_report" ] || kill "$watchdog_pid" 2>/dev/null
wait "$watchdog_pid" 2>/dev/null
t=$(($(ms) - start))
echo "run.sh: whole run $((t / 1000)).$((t % 1000 / 100)) s"
if [ -s "$stall_report" ]; then
    {
        echo "run.sh: the console's last 40 lines (the NMI's panic, if it got through):"
        tail -n 40 "$log" | sed 's/^/  | /'
    } >>"$stall_report"
    cat "$stall_report"
    echo "run.sh: (this report is in $stall_report)"
fi
rm -f "$monitor" "$pidfile" "$nudge_sock"

ok=0
if ! grep -q '^nested: done' "$log"; then
    if [ -s "$stall_report" ]; then
        echo "run.sh: FAIL: the bed stalled (no console output for ${stall}s; $stall_report)"
    else
        echo "run.sh: FAIL: no 'nested: done' line (QEMU timed out after ${limit}s or the guest died; see $log)"
    fi
    ok=1
fi
for m in $(echo "$modes" | tr , ' '); do
    grep -q "^nested: npt=$m: PASS " "$log" && continue
    grep -q "^nested: npt=$m: FAIL " "$log" || echo "run.sh: npt=$m: no result line"
    ok=1
done
[ $ok = 0 ] && echo "run.sh: PASS (npt modes $modes)" || echo "run.sh: FAIL"
exit $ok
