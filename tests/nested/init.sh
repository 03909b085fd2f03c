#!/bin/sh
# /init of the nested test bed: loads Debian's real kvm_amd once per npt mode, runs the payload
# checks on it and prints one result line per mode, then powers QEMU off.
#
# Kernel command line (all optional):
#   nested.modes=1,0        npt modes to test, in order (default 1,0)
#   nested.payload=LEVEL    floor | quick | full | cmdline | gdb (default quick; see /payload.sh)
#   nested.run="CMD;CMD"    commands for the cmdline level, each must exit 0
#   nested.timeout=SECS     per-check time limit (default 60)
#   nested.gdb=NAME,NAME    the gdb level's scripts (/gdb/NAME.gdb; gdb itself is on the host)
#   nested.repeat=N         the cmdline level runs its list N times (default 1)
#   nested.beat=SECS        a heartbeat line every SECS s (default 5; 0: none)
# Console protocol (run.sh and test_nested.py read it):
#   nested: init at T s                        once, T = uptime when /init started
#   nested: detectors: ...                     the kernel's stall detectors, as set
#   nested-beat: T                             every nested.beat s while /init runs: the
#                                              system schedules (run.sh's no-progress
#                                              watchdog counts every console line)
#   nested: npt=M: hang| ...                   what a check that timed out was doing
#   nested: npt=M: check PASS|FAIL NAME ...    one per check, from /payload.sh
#   nested: npt=M: PASS N checks               one per mode, or
#   nested: npt=M: FAIL FIRST-FAILURE [(+K more)]
#   nested: done at T s                        last line before power-off

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The initramfs has no /dev/console node (making one needs root at build time), so the
# kernel started us without a console: attach it now.
exec </dev/console >/dev/console 2>&1
export PATH=/bin:/sbin

# The firmware's last line has no newline of its own.
echo
echo "nested: init at $(cut -d' ' -f1 /proc/uptime) s"

modes=1,0 level=quick beat=5
NESTED_RUN="" NESTED_CHECK_TIMEOUT=60 NESTED_GDB="" NESTED_REPEAT=1
cmdline=$(cat /proc/cmdline)
for word in $cmdline; do
    case $word in
    nested.modes=*)   modes=${word#*=} ;;
    nested.payload=*) level=${word#*=} ;;
    nested.timeout=*) NESTED_CHECK_TIMEOUT=${word#*=} ;;
    nested.gdb=*)     NESTED_GDB=${word#*=} ;;
    nested.repeat=*)  NESTED_REPEAT=${word#*=} ;;
    nested.beat=*)    beat=${word#*=} ;;
    esac
done
# nested.run is quoted and may hold spaces: take it from the whole line.
case $cmdline in
*'nested.run="'*) NESTED_RUN=$(echo "$cmdline" | sed 's/.*nested\.run="\([^"]*\)".*/\1/') ;;
esac
export NESTED_RUN NESTED_CHECK_TIMEOUT NESTED_GDB NESTED_REPEAT

# A hang must leave evidence. `quiet` kept the boot short; from here on the kernel prints
# everything on the console (stall reports, their stacks, sysrq output). run.sh turns the
# stall detectors on (their parameters); say what they are.
echo 8 >/proc/sys/kernel/printk
sysctl_of() { cat "/proc/sys/kernel/$1" 2>/dev/null || echo none; }
echo "nested: detectors: softlockup $(sysctl_of soft_watchdog) (thresh $(sysctl_of watchdog_thresh) s)," \
     "hung task $(sysctl_of hung_task_timeout_secs) s," \
     "RCU stall $(cat /sys/module/rcupdate/parameters/rcu_cpu_stall_timeout 2>/dev/null || echo none) s," \
     "unknown NMI panic $(sysctl_of unknown_nmi_panic)"
if [ "$beat" -gt 0 ]; then
    (while sleep "$beat"; do
        [ -e /tmp/printing ] || echo "nested-beat: $(cut -d' ' -f1 /proc/uptime)"
    done) &
fi

# Print one mode's result line from the check results the payload wrote.
summarize() {
    mode=$1 results=$2
    npass=$(grep -c '^PASS ' "$results")
    nfail=$(grep -c '^FAIL ' "$results")
    if [ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]; then
        echo "nested: $mode: PASS $npass checks"
    elif [ "$nfail" -eq 0 ]; then
        echo "nested: $mode: FAIL no checks ran (payload level '$level')"
    else
        more=""
        [ "$nfail" -gt 1 ] && more=" (+$((nfail - 1)) more)"
        echo "nested: $mode: FAIL $(grep -m 1 '^FAIL ' "$results" | cut -c6-)$more"
    fi
}

# Load kvm_amd with npt=$1, check the parameter took, run the payload, unload.
test_mode() {
    m=$1 mode="npt=$1" results=/tmp/results.$1
    : >"$results"
    want=N
    [ "$m" = 1 ] && want=Y
    if ! out=$(insmod /lib/modules/kvm-amd.ko npt="$m" 2>&1); then
        echo "FAIL insmod kvm-amd.ko npt=$m ($out)" >>"$results"
    elif [ "$(cat /sys/module/kvm_amd/parameters/npt)" != "$want" ]; then
        echo "FAIL kvm_amd npt is $(cat /sys/module/kvm_amd/parameters/npt), wanted $want" >>"$results"
    elif [ ! -c /dev/kvm ]; then
        echo "FAIL no /dev/kvm after insmod kvm-amd.ko" >>"$results"
    else
        NESTED_MODE=$mode sh /payload.sh "$level" "$results"
    fi
    summarize "$mode" "$results"
    [ -d /sys/module/kvm_amd ] && rmmod kvm_amd
}

for mod in $(cat /lib/modules/order); do
    insmod "/lib/modules/$mod" || echo "nested: insmod $mod failed"
done
for m in $(echo "$modes" | tr , ' '); do
    case $m in
    0|1) test_mode "$m" ;;
    *)   echo "nested: npt=$m: FAIL no such npt mode (nested.modes takes 1 and 0)" ;;
    esac
done

echo "nested: done at $(cut -d' ' -f1 /proc/uptime) s"
poweroff -f
