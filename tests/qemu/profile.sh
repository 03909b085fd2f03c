#!/bin/bash
# Where the guest kernel's instructions go: boots build/guest/kernel.elf under QEMU TCG
# (tests/qemu/boot.sh) with every kernel instruction logged (-singlestep -d exec,nochain,
# filtered to the kernel's addresses) and prints a per-function table (tests/qemu/kprof.py).
# On PVM every kernel instruction is emulated, so this table is where the time goes there.
#
#   tests/qemu/profile.sh [--top N] [--start SYM] [--stop SYM] [--callers SYM]
#                         [--log FILE] [--gate G]
#                         [--disk FILE] [--osbench ROW] [boot.sh options] [-- COMMAND ...]
#
# --gate trap (default, as on PVM) or syscall. --disk FILE: a copy of FILE is the root
# file system (the original is not written). --start/--stop SYM: count from the first entry
# of function SYM to the next entry of the stop function. --callers SYM: where the calls of
# function SYM come from, instead of the table. --log FILE keeps the raw trace.
# --osbench ROW: runs `/bin/osbench -n 1 ROW` and `-n 3 ROW` and prints the difference per
# operation (the boot and the row's setup cancel out). docs/measuring.md has examples.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kernel=${KERNEL:-$root/build/guest/kernel.elf}
top=40 gate=trap keep="" disk="" osbench="" cmdline=""
kprof_args=()
boot_args=()
command=()

die() { echo "profile.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
    --top) top=$2; shift 2 ;;
    --start|--stop|--callers) kprof_args+=("$1" "$2"); shift 2 ;;
    --log) keep=$2; shift 2 ;;
    --gate) gate=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --osbench) osbench=$2; shift 2 ;;
    --cmdline) cmdline=$2; shift 2 ;;
    --cpus|--mem|--tick|--timeout) boot_args+=("$1" "$2"); shift 2 ;;
    --) shift; command=("$@"); break ;;
    *) die "unknown option $1 (see the comment at the top of $0)" ;;
    esac
done
case "$gate" in trap|syscall) ;; *) die "--gate is trap or syscall" ;; esac
case "$top" in ''|*[!0-9]*) die "--top is a number" ;; esac
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is not installed"
[ -f "$kernel" ] || die "no kernel at $kernel (run make)"
[ -z "$disk" ] || [ -f "$disk" ] || die "no disk image at $disk"

tmp=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# boot.sh finds QEMU through PATH: a shim in front adds the tracing options.
mkdir "$tmp/bin"
cat > "$tmp/bin/qemu-system-x86_64" <<EOF
#!/bin/bash
exec "$qemu" "\$@" -singlestep -d exec,nochain \\
    -dfilter 0x100000+0x100000,0xffffffff80000000..0xffffffffffffffff -D "\$TRACE_LOG"
EOF
chmod +x "$tmp/bin/qemu-system-x86_64"

# run LOG COMMAND...: one traced boot; its console goes to LOG.out.
run() {
    local log=$1; shift
    local args=("${boot_args[@]}" --cmdline "gate=$gate${cmdline:+ $cmdline}")
    if [ -n "$disk" ]; then
        cp --sparse=always "$disk" "$tmp/disk.img" || die "cannot copy $disk"
        args+=(--disk "$tmp/disk.img")
    fi
    [ $# -eq 0 ] || args+=(-- "$@")
    TRACE_LOG=$log PATH="$tmp/bin:$PATH" "$here/boot.sh" "${args[@]}" \
        </dev/null >"$log.out" 2>&1
    local rc=$?
    sed 's/^/  guest: /' "$log.out" >&2
    echo "profile.sh: guest exit status $rc" >&2
}

if [ -n "$osbench" ]; then
    run "$tmp/one" /bin/osbench -n 1 "$osbench"
    run "$tmp/three" /bin/osbench -n 3 "$osbench"
    n1=$(sed -n "s/^osbench $osbench ns=[0-9]* iters=\([0-9]*\).*/\1/p" "$tmp/one.out")
    n3=$(sed -n "s/^osbench $osbench ns=[0-9]* iters=\([0-9]*\).*/\1/p" "$tmp/three.out")
    [ -n "$n1" ] && [ -n "$n3" ] && [ "$n3" -gt "$n1" ] || die "osbench printed no $osbench row"
    python3 "$here/kprof.py" --kernel "$kernel" --top "$top" "${kprof_args[@]}" \
        "$tmp/three" --minus "$tmp/one" --per $((n3 - n1))
    [ -z "$keep" ] || cp "$tmp/three" "$keep"
else
    run "$tmp/trace" "${command[@]}"
    python3 "$here/kprof.py" --kernel "$kernel" --top "$top" "${kprof_args[@]}" "$tmp/trace"
    [ -z "$keep" ] || cp "$tmp/trace" "$keep"
fi
