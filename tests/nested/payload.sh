#!/bin/sh
# The checks the nested test bed runs inside QEMU on the real kvm_amd, once per npt mode.
# Usage (from /init): NESTED_MODE=npt=1 payload.sh floor|quick|full|cmdline|gdb RESULTS
# Every check prints `nested: npt=1: check PASS|FAIL NAME [(why)]` with its output indented
# below, and appends `PASS NAME` or `FAIL NAME (why)` to RESULTS for /init's summary line.
#
# To add a test: write one line in the level it belongs to (the lists at the bottom) with
# expect_ok, expect_status or expect_line. A file a check needs but the initramfs lacks is a
# FAIL naming the file, never a skip: add the file in tests/nested/mkinitramfs.sh or with
# NESTED_FILES=SRC:DEST in tests/nested/build.mk.

level=$1 results=$2
mode=${NESTED_MODE:-npt=?}
limit=${NESTED_CHECK_TIMEOUT:-60}
KILL_AFTER=10
repeat=${NESTED_REPEAT:-1}
# With repeats, a passing check's output is not printed (only its PASS line).
quiet_pass=0
[ "$repeat" -gt 1 ] && quiet_pass=1
tag=""

# `vmm` in a check is the static VMM with its bundled guest beside it (mkinitramfs.sh).
VMM_DIR=/opt/minivmm

note() { echo "nested: $mode: $*"; }

# Record one check's verdict: report PASS|FAIL NAME [WHY].
report() {
    verdict=$1 name=$2$tag suffix=${3:+ ($3)}
    note "check $verdict $name$suffix"
    echo "$verdict $name$suffix" >>"$results"
}

# Run a check's command under the time limit ($limit s). At the limit the check's processes
# are dumped (hang_dump), then sent SIGTERM; KILL_AFTER s later, if any is left, dumped again
# and sent SIGKILL; a process that survives even that (stuck in the kernel, state D) is
# reported and left behind. Sets out (stdout and stderr, \r removed), status, missing (a
# needed file that is absent) and timed_out ("" if the command ended by itself).
run() {
    missing="" out="" status="" timed_out=""
    case $1 in
    vmm)   need=$VMM_DIR/vmm
           # The bundled guest is needed unless the check names its own.
           case " $* " in *" --kernel "*) ;; *) need="$need $VMM_DIR/guest/kernel.elf" ;; esac
           case " $* " in *" --initrd "*) ;; *) need="$need $VMM_DIR/guest/initrd.cpio" ;; esac
           for f in $need; do [ -e "$f" ] || missing="${missing:-$f}"; done ;;
    floor) [ -e /bin/floor ] || missing=/bin/floor ;;
    esac
    [ -n "$missing" ] && return
    # Into a file, not a pipe: a child left behind by a timed-out command must not hold
    # the check up until it exits.
    "$@" >/tmp/check.out 2>&1 </dev/null &
    pid=$!
    if wait_gone "$pid" "$limit"; then
        wait "$pid"
        status=$?
    else
        note "check timed out after ${limit}s: $*"
        hang_dump "$pid" "after ${limit}s"
        kill -TERM "$pid" 2>/dev/null
        timed_out=" (SIGTERM)"
        if wait_gone "$pid" "$KILL_AFTER"; then
            wait "$pid"
            status=$?
        else
            hang_dump "$pid" "${KILL_AFTER}s after SIGTERM"
            kill -KILL "$pid" 2>/dev/null
            timed_out=", SIGTERM did not end it: SIGKILL"
            if wait_gone "$pid" "$KILL_AFTER"; then
                wait "$pid"
                status=$?
            else
                hang_dump "$pid" "${KILL_AFTER}s after SIGKILL: unkillable, left behind"
                timed_out=", not even SIGKILL ended it (left behind)"
                status=124
            fi
        fi
    fi
    out=$(tr -d '\r' </tmp/check.out)
    # /tmp/printing keeps init.sh's heartbeat out of the middle of the output block (tools
    # such as bench/nested.py parse it).
    if [ -n "$out" ] && [ "$status" -ne 0 -o "$quiet_pass" = 0 ]; then
        : >/tmp/printing
        echo "$out" | sed 's/^/    | /'
        rm -f /tmp/printing
    fi
}

# The state of process $1: R S D Z T ..., or "" once it is gone.
proc_state() {
    st=""
    [ -r "/proc/$1/stat" ] && read -r _ _ st _ <"/proc/$1/stat" 2>/dev/null
    echo "$st"
}

# Wait up to $2 seconds for child $1 to end (exit, not yet reaped, counts); 0 if it did.
wait_gone() {
    n=$(($2 * 4))
    while :; do
        case $(proc_state "$1") in ""|Z|X) return 0 ;; esac
        [ "$n" -le 0 ] && return 1
        n=$((n - 1))
        sleep 0.25
    done
}

# A thread's state, CPU time in ticks (utime, stime) and last CPU from /proc/PID/task/TID.
task_stat() {
    cut -d' ' -f2,3,14,15,39 "$1/stat" 2>/dev/null |
        { read -r comm st ut stt cpu && echo "$comm state $st utime $ut stime $stt cpu $cpu"; }
}

# What a hung check's processes are doing, on the console as `nested: npt=M: hang| ...`:
# each thread's state, CPU time (twice, 2 s apart: spinning or asleep), system call, wait
# channel and kernel stack; then the kernel's own views (sysrq w: blocked tasks, l: every
# CPU's backtrace), which the kernel prints on the console itself (init.sh lets it).
hang_dump() {
    pid=$1
    {
        echo "dump of pid $pid ($2): uptime $(cut -d' ' -f1 /proc/uptime), load $(cat /proc/loadavg)"
        for p in $pid $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
            [ -d "/proc/$p" ] || continue
            echo "pid $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)"
            for t in /proc/"$p"/task/*; do
                echo "  task ${t##*/}: $(task_stat "$t") wchan $(cat "$t/wchan" 2>/dev/null)" \
                     "syscall $(cut -d' ' -f1-3 "$t/syscall" 2>/dev/null)"
                sed 's/^/    stack /' "$t/stack" 2>/dev/null
            done
        done
        sleep 2
        for t in /proc/"$pid"/task/*; do
            echo "  2 s later: task ${t##*/}: $(task_stat "$t")"
        done
        grep -E '^ *(LOC|CAL|TLB|RES|NMI|[0-9]+):' /proc/interrupts 2>/dev/null | tr -s ' ' | sed 's/^/  irq /'
    } 2>&1 | sed "s/^/nested: $mode: hang| /"
    echo w >/proc/sysrq-trigger
    echo l >/proc/sysrq-trigger
    sleep 1
}

# Why a finished command failed, or "" if it exited with status $1.
verdict_of() {
    if [ -n "$missing" ]; then echo "missing $missing"
    elif [ -n "$timed_out" ]; then echo "timeout after ${limit}s$timed_out"
    elif [ "$status" -ne "$1" ] && [ "$1" -eq 0 ]; then echo "exit $status"
    elif [ "$status" -ne "$1" ]; then echo "exit $status, wanted $1"
    fi
}

# expect_status N CMD...: CMD must exit with status N.
expect_status() {
    want=$1
    shift
    run "$@"
    why=$(verdict_of "$want")
    report "$([ -z "$why" ] && echo PASS || echo FAIL)" "$*" "$why"
}

# expect_ok CMD...: CMD must exit 0.
expect_ok() {
    expect_status 0 "$@"
}

# expect_line TEXT CMD...: CMD must exit 0 and print a line that is exactly TEXT.
expect_line() {
    text=$1
    shift
    run "$@"
    why=$(verdict_of 0)
    if [ -z "$why" ] && ! echo "$out" | grep -qxF -- "$text"; then
        why="no output line '$text'"
    fi
    report "$([ -z "$why" ] && echo PASS || echo FAIL)" "$*" "$why"
}

# The exit-cost floor: proves the bed (KVM_RUN and a port-I/O exit on this kvm_amd).
check_floor() {
    expect_ok floor -n 5000
    [ -z "$why" ] && note "$out"
}

# --- The checks of each level. ---
checks_floor() {
    check_floor
}

checks_quick() {
    check_floor
    expect_line hi vmm -- /bin/echo hi
    expect_ok vmm -- /bin/usertests
    expect_ok vmm --cpus 2 -- /bin/usertests
    expect_line 3 vmm -- /bin/sh -c 'echo hi | wc -c'
    expect_line 3 vmm --mmu shadow -- /bin/sh -c 'echo hi | wc -c'
}

checks_full() {
    check_floor
    expect_line hi vmm -- /bin/echo hi
    expect_ok vmm -- /bin/true
    expect_status 1 vmm -- /bin/false
    expect_ok vmm --cpus 2 -- /bin/true
    expect_ok vmm -- /bin/usertests
    expect_ok vmm --cpus 2 -- /bin/usertests
    expect_line via-trap vmm --syscall-gate trap -- /bin/echo via-trap
    expect_line 3 vmm -- /bin/sh -c 'echo hi | wc -c'
    # The VMM's own shadow MMU (docs/paging.md) on top of NPT (npt=1) and of KVM's
    # shadow MMU (npt=0).
    expect_ok vmm --mmu shadow -- /bin/usertests
    expect_ok vmm --mmu shadow --cpus 2 -- /bin/usertests
    expect_line 3 vmm --mmu shadow -- /bin/sh -c 'echo hi | wc -c'
}

# nested.run="CMD;CMD" from the kernel command line (run.sh --run): each must exit 0.
# nested.repeat=N (run.sh --repeat N): the whole list N times, each check named [i/N].
checks_cmdline() {
    i=1
    while [ "$i" -le "$repeat" ]; do
        [ "$repeat" -gt 1 ] && tag=" [$i/$repeat]"
        echo "$NESTED_RUN" | tr ';' '\n' | while read -r cmd; do
            # shellcheck disable=SC2086
            [ -n "$cmd" ] && expect_ok $cmd
        done
        i=$((i + 1))
    done
}

# --- GDB sessions (run.sh --gdb): gdb runs on the host, the VMM here. ---
# QEMU forwards a host port to GDB_RELAY_PORT on eth0; a relay passes each connection on
# to the VMM's stub, which listens on 127.0.0.1 only. Per script (/gdb/NAME.gdb, headers as
# in tests/gdb/gdbrun.py) the console protocol for tests/nested/gdb_nested.py is:
#   nested: npt=M: gdb NAME listening       connect now
#   nested: npt=M: gdb NAME out| LINE       the VMM's stdout, after it ended
#   nested: npt=M: gdb NAME err| LINE       the VMM's stderr
#   nested: npt=M: gdb NAME status N        its exit status (137: killed after gdb left)
GDB_RELAY_PORT=1234 GDB_STUB_PORT=1235

# eth0 (QEMU's e1000) at the address user-mode networking forwards to; lo for the stub.
gdb_net() {
    [ -d /sys/class/net/eth0 ] || insmod /lib/modules/net/e1000.ko || return 1
    ip link set lo up && ip link set eth0 up || return 1
    ip addr show eth0 | grep -q 'inet 10\.0\.2\.15/' || ip addr add 10.0.2.15/24 dev eth0
}

# Wait up to $2 seconds for process $1 to end; 0 if it did.
gdb_wait_pid() {
    n=$(($2 * 10))
    while kill -0 "$1" 2>/dev/null; do
        [ "$n" -le 0 ] && return 1
        n=$((n - 1))
        sleep 0.1
    done
}

# Poll up to $2 seconds for command $1 to succeed.
gdb_wait_for() {
    n=$(($2 * 10))
    until eval "$1"; do
        [ "$n" -le 0 ] && return 1
        n=$((n - 1))
        sleep 0.1
    done
}

# One session: start the VMM as the script's header says, relay one gdb connection to it,
# then report the VMM's output and status.
gdb_serve() {
    name=$1 script=/gdb/$1.gdb why=""
    for f in "$script" "$VMM_DIR/vmm" "$VMM_DIR/guest/kernel.elf" "$VMM_DIR/guest/initrd.cpio"; do
        [ -e "$f" ] || { report FAIL "gdb $name" "missing $f"; return; }
    done
    args=$(sed -n 's/^# *vmm-args: *//p' "$script" | tr '\n' ' ')
    keep=$(grep -c '^# *stdin: *keep-open' "$script")
    has_status=$(grep -c '^# *vmm-status:' "$script")
    rm -f /tmp/gdb.in /tmp/gdb.out /tmp/gdb.err
    # keep-open: a FIFO that this shell holds open for writing, so the guest's shell idles.
    mkfifo /tmp/gdb.in
    exec 3<>/tmp/gdb.in
    [ "$keep" -gt 0 ] || exec 3</dev/null
    # shellcheck disable=SC2086
    vmm --gdb $GDB_STUB_PORT $args <&3 >/tmp/gdb.out 2>/tmp/gdb.err &
    vmm_pid=$!
    exec 3<&-
    if ! gdb_wait_for "grep -q 'gdb: listening' /tmp/gdb.err || ! kill -0 $vmm_pid 2>/dev/null" 30 ||
       ! kill -0 $vmm_pid 2>/dev/null; then
        why="the VMM's stub did not listen"
    else
        nc -l -p $GDB_RELAY_PORT -e nc 127.0.0.1 $GDB_STUB_PORT &
        relay=$!
        if gdb_wait_for "netstat -ltn | grep -q ':$GDB_RELAY_PORT '" 10; then
            note "gdb $name listening"
            # The relay ends when gdb disconnects.
            gdb_wait_pid $relay "$limit" || why="timeout after ${limit}s waiting for gdb"
        else
            why="the relay did not listen"
        fi
        kill $relay 2>/dev/null
    fi
    # An idle shell waits forever: after gdb has left, end it unless its status matters.
    [ "$keep" -gt 0 ] && [ "$has_status" -eq 0 ] && kill -9 $vmm_pid 2>/dev/null
    gdb_wait_pid $vmm_pid "$limit" || { why=${why:-"timeout after ${limit}s"}; kill -9 $vmm_pid; }
    wait $vmm_pid
    status=$?
    tr -d '\r' </tmp/gdb.out | sed "s/^/nested: $mode: gdb $name out| /"
    tr -d '\r' </tmp/gdb.err | sed "s/^/nested: $mode: gdb $name err| /"
    note "gdb $name status $status"
    report "$([ -z "$why" ] && echo PASS || echo FAIL)" "gdb $name" "$why"
}

# nested.gdb=NAME,NAME from the kernel command line (run.sh --gdb): one session each. PASS
# means the session ran; whether gdb saw what the script expects, the host decides.
checks_gdb() {
    if ! gdb_net; then
        report FAIL "gdb network" "no eth0 (is /lib/modules/net/e1000.ko in the initramfs?)"
        return
    fi
    for name in $(echo "$NESTED_GDB" | tr , ' '); do
        gdb_serve "$name"
    done
}

case $level in
floor|quick|full|cmdline|gdb) "checks_$level" ;;
*) report FAIL "payload level '$level'" "levels: floor quick full cmdline gdb" ;;
esac
