#!/bin/sh
# The checks the nested test bed runs inside QEMU on the real kvm_amd, once per npt mode.
# Usage (from /init): NESTED_MODE=npt=1 payload.sh floor|quick|full|cmdline RESULTS
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

# `vmm` in a check is the static VMM with its bundled guest beside it (mkinitramfs.sh).
VMM_DIR=/opt/minivmm

note() { echo "nested: $mode: $*"; }

# Record one check's verdict: report PASS|FAIL NAME [WHY].
report() {
    verdict=$1 name=$2 suffix=${3:+ ($3)}
    note "check $verdict $name$suffix"
    echo "$verdict $name$suffix" >>"$results"
}

# Run a check's command under the time limit.
# Sets out (stdout and stderr, \r removed), status, and missing (a needed file that is absent).
run() {
    missing="" out="" status=""
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
    timeout "$limit" "$@" >/tmp/check.out 2>&1 </dev/null
    status=$?
    out=$(tr -d '\r' </tmp/check.out)
    [ -n "$out" ] && echo "$out" | sed 's/^/    | /'
}

# Why a finished command failed, or "" if it exited with status $1.
verdict_of() {
    if [ -n "$missing" ]; then echo "missing $missing"
    elif [ "$status" -eq 143 ]; then echo "timeout after ${limit}s"
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
}

# nested.run="CMD;CMD" from the kernel command line (run.sh --run): each must exit 0.
checks_cmdline() {
    echo "$NESTED_RUN" | tr ';' '\n' | while read -r cmd; do
        # shellcheck disable=SC2086
        [ -n "$cmd" ] && expect_ok $cmd
    done
}

case $level in
floor|quick|full|cmdline) "checks_$level" ;;
*) report FAIL "payload level '$level'" "levels: floor quick full cmdline" ;;
esac
