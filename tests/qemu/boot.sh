#!/bin/bash
# Boots build/guest/kernel.elf alone under QEMU's microvm machine (TCG): the proof that
# the guest follows the specs (PVH, 16550A, 8254, LAPIC/IOAPIC), not our VMM's quirks.
#
#   tests/qemu/boot.sh [--cpus N] [--mem MIB] [--cmdline STR] [--tick lapic|pit]
#                      [--timeout SECONDS] [--disk FILE]... [-- COMMAND [ARGS...]]
#
# Each --disk FILE (raw image) becomes one QEMU virtio-blk-device on the modern (version 2)
# virtio-mmio transport, like the VMM's --disk; the first is the guest's root file system.
# The device tree (microvm.dts, filled in and compiled with dtc) is passed with -initrd,
# followed at the next 4 KiB boundary by build/guest/initrd.cpio if it exists. Exits with
# the guest's power-off status (QEMU's isa-debug-exit exits with (v << 1) | 1), 121 on a
# guest panic, 122 if the guest crashed or QEMU failed, 124 on timeout.
set -u
shopt -u patsub_replacement 2>/dev/null || true   # bash 5.2: "&" in ${x//p/r} is literal
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kernel=${KERNEL:-$root/build/guest/kernel.elf}
initrd=${INITRD:-$root/build/guest/initrd.cpio}
cpus=1 mem=256 cmdline="" tick=lapic timeout=120
command=()
disks=()

die() { echo "boot.sh: $*" >&2; exit 122; }

while [ $# -gt 0 ]; do
    case "$1" in
    --cpus) cpus=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --cmdline) cmdline=$2; shift 2 ;;
    --tick) tick=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --disk) disks+=("$2"); shift 2 ;;
    --) shift; command=("$@"); break ;;
    *) echo "usage: $0 [--cpus N] [--mem MIB] [--cmdline STR] [--tick lapic|pit]" \
            "[--timeout S] [--disk FILE]... [-- COMMAND ...]" >&2; exit 2 ;;
    esac
done
case "$cpus" in [1-8]) ;; *) die "--cpus must be 1..8" ;; esac
case "$mem" in ''|*[!0-9]*) die "--mem is a number of MiB" ;; esac
case "$tick" in lapic|pit) ;; *) die "--tick is lapic or pit" ;; esac
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"
command -v dtc >/dev/null || die "dtc is not installed (device-tree-compiler)"
[ -f "$kernel" ] || die "no kernel at $kernel (run make)"

# A dts string literal: backslash, double quote and control characters escaped.
dts_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    printf '"%s"' "$s"
}

tmp=$(mktemp -d) || die "mktemp failed"
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT

cmd_prop=""
if [ ${#command[@]} -gt 0 ]; then
    cmd_prop="minivmm,command = "
    sep=""
    for a in "${command[@]}"; do
        cmd_prop+="$sep$(dts_string "$a")"
        sep=", "
    done
    cmd_prop+=";"
fi
cpu_nodes=""
for ((i = 0; i < cpus; i++)); do
    cpu_nodes+="        cpu@$i { device_type = \"cpu\"; reg = <$i>; };"$'\n'
done
virtio=""
for ((i = 0; i < 8; i++)); do
    a=$(printf '%x' $((0xfeb00000 + 0x200 * i)))
    virtio+="    virtio_mmio@$a { compatible = \"virtio,mmio\"; reg = <0x0 0x$a 0x0 0x200>;"
    virtio+=" interrupt-parent = <&ioapic>; interrupts = <$((5 + i)) 0>; };"$'\n'
done
bytes=$((mem * 1024 * 1024))
bootargs=$(dts_string "$cmdline")

# Bash does the substitution (no sed: the values may hold any character).
dts=$(cat "$here/microvm.dts")
dts=${dts//\"@BOOTARGS@\"/$bootargs}
dts=${dts//@COMMAND@/$cmd_prop}
dts=${dts//@TICK@/$tick}
dts=${dts//@MEM_HI@/$(printf '0x%x' $((bytes >> 32)))}
dts=${dts//@MEM_LO@/$(printf '0x%x' $((bytes & 0xffffffff)))}
dts=${dts//@CPUS@/$cpu_nodes}
dts=${dts//@VIRTIO@/$virtio}
printf '%s\n' "$dts" > "$tmp/machine.dts"
dtc -q -I dts -O dtb -o "$tmp/machine.dtb" "$tmp/machine.dts" || die "dtc failed"
cp "$tmp/machine.dtb" "$tmp/modules"
if [ -f "$initrd" ]; then
    truncate -s %4096 "$tmp/modules"
    cat "$initrd" >> "$tmp/modules"
fi

disk_args=()
for ((i = 0; i < ${#disks[@]}; i++)); do
    [ -f "${disks[$i]}" ] || die "no disk image at ${disks[$i]}"
    [ $i -lt 8 ] || die "at most 8 disks"
    disk_args+=(-drive "if=none,id=d$i,format=raw,file=${disks[$i]}"
                -device "virtio-blk-device,drive=d$i")
done
[ ${#disks[@]} -eq 0 ] || disk_args+=(-global virtio-mmio.force-legacy=false)

timeout --foreground -k 5 "$timeout" qemu-system-x86_64 \
    -M microvm,acpi=off -accel tcg -m "${mem}M" -smp "$cpus" \
    -nographic -nodefaults -monitor none -serial stdio -no-reboot \
    -kernel "$kernel" -initrd "$tmp/modules" \
    -device isa-debug-exit,iobase=0x501,iosize=2 "${disk_args[@]}" \
    2> >(tee "$tmp/stderr" >&2)
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "boot.sh: timeout after ${timeout}s" >&2
    exit 124
fi
# QEMU itself exits 0 after a guest reset/triple fault (-no-reboot) and 1 on its own
# errors; 1 is also (0 << 1) | 1, so a QEMU error is told apart by its message
# ("qemu-system-x86_64: ..." or "qemu: ...", warnings aside).
if [ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -v "warning:" "$tmp/stderr" | grep -q "^qemu"; }
then
    echo "boot.sh: QEMU ended without a guest power-off (exit $rc): crash or QEMU error" >&2
    exit 122
fi
exit $(((rc - 1) / 2))
