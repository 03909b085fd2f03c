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
              [--timeout SECS] [--check-timeout SECS] [--build DIR]
  --modes        npt modes to test, in order (default 1,0)
  --floor/--quick/--full  payload level (default --quick; see tests/nested/payload.sh)
  --run          run these commands as the checks instead (each must exit 0)
  --gdb          serve these tests/gdb/scripts (NAME.gdb) one after another instead: QEMU
                 forwards 127.0.0.1:PORT (--gdb-port) to the guest, where each session's
                 VMM waits for gdb (tests/nested/gdb_nested.py drives gdb; console in
                 BUILD/nested/console-gdb.log)
  --timeout      limit for the whole QEMU run (default 300)
  --check-timeout  limit for one check inside (default 60)
EOF
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/../.." && pwd)/build
modes=1,0 level=quick run="" limit=300 check_limit=60 gdb="" gdb_port=""
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
    --build)         build=$2; shift ;;
    *)               usage ;;
    esac
    shift
done

nested=$build/nested
kernel=$nested/kernel/vmlinuz initramfs=$nested/initramfs.cpio.gz log=$nested/console.log
# GDB sessions: a NIC whose guest port 1234 (payload.sh's relay) is the host's loopback PORT.
net=""
if [ "$level" = gdb ]; then
    [ -n "$gdb_port" ] && [ -n "$gdb" ] || usage
    log=$nested/console-gdb.log
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
append="$append nested.timeout=$check_limit"
[ -n "$run" ] && append="$append nested.run=\"$run\""
[ -n "$gdb" ] && append="$append nested.gdb=$(echo $gdb | tr ' ' ,)"

ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(ms)
echo "run.sh: qemu (TCG, nested SVM), npt modes $modes, payload $level; console in $log"
# The console's \r\n becomes \n and the firmware's terminal resets go; every line the bed
# prints is shown with the wall time since QEMU started.
# shellcheck disable=SC2086
timeout -k 5 "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu qemu64,+svm,+npt \
    -smp 1 -m 2G -nographic -no-reboot -nodefaults -serial stdio -monitor none $net \
    -kernel "$kernel" -initrd "$initramfs" -append "$append" </dev/null 2>&1 |
    sed -u 's/\r$//; s/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$log" |
    while IFS= read -r line; do
        case $line in
        nested:*) t=$(($(ms) - start)); printf '%4d.%ds %s\n' $((t / 1000)) $((t % 1000 / 100)) "$line" ;;
        esac
    done
t=$(($(ms) - start))
echo "run.sh: whole run $((t / 1000)).$((t % 1000 / 100)) s"

ok=0
if ! grep -q '^nested: done' "$log"; then
    echo "run.sh: FAIL: no 'nested: done' line (QEMU timed out after ${limit}s or the guest died; see $log)"
    ok=1
fi
for m in $(echo "$modes" | tr , ' '); do
    grep -q "^nested: npt=$m: PASS " "$log" && continue
    grep -q "^nested: npt=$m: FAIL " "$log" || echo "run.sh: npt=$m: no result line"
    ok=1
done
[ $ok = 0 ] && echo "run.sh: PASS (npt modes $modes)" || echo "run.sh: FAIL"
exit $ok
