#!/bin/sh
# Fetches Debian's stock 6.1 kernel (no install: apt-get download + dpkg -x) and keeps only
# what the nested test bed boots: vmlinuz, kvm-amd.ko and the modules it depends on.
# Usage: fetch-kernel.sh OUTDIR  ->  OUTDIR/vmlinuz, OUTDIR/modules/*.ko, OUTDIR/modules/order
# (order: the dependencies of kvm-amd.ko, one file per line, each after its own dependencies).
set -eu

out=$1
fail() { echo "fetch-kernel: $*" >&2; exit 1; }

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
      sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || fail "apt-cache knows no linux-image-6.1.0-*-amd64 (no apt lists? run 'make setup' or 'apt-get update')"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nested-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# As root, apt would hand the download to its _apt user, who cannot write to $tmp.
sandbox=""
[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -q $sandbox "$pkg" >/dev/null) ||
    fail "apt-get download $pkg failed (no apt lists or no network? run 'make setup' or 'apt-get update')"
dpkg -x "$tmp"/*.deb "$tmp/root"

moddir=$(echo "$tmp"/root/lib/modules/*)
[ -d "$moddir" ] || fail "$pkg holds no /lib/modules"
rm -rf "$out"
mkdir -p "$out/modules"

# The module file of a module name ("kvm_amd" and "kvm-amd" are one module).
modfile() {
    f=$(find "$moddir" -name "$1.ko" -o -name "$(echo "$1" | tr _ -).ko" | head -n 1)
    [ -n "$f" ] || fail "$pkg has no module $1"
    echo "$f"
}

# The modules a .ko needs, read from its .modinfo section (modinfo may not be installed).
moddeps() {
    objcopy -O binary --only-section=.modinfo "$1" /dev/stdout | tr '\0' '\n' |
        sed -n 's/^depends=//p' | tr , ' '
}

# Copy module $1 after everything it depends on; append each to the load order once.
# (sh has no locals: the recursion clobbers f, so it is looked up again afterwards.)
take() {
    for d in $(moddeps "$(modfile "$1")"); do take "$d"; done
    f=$(modfile "$1")
    [ -e "$out/modules/$(basename "$f")" ] && return 0
    cp "$f" "$out/modules/"
    basename "$f" >>"$out/modules/order"
}

: >"$out/modules/order"
take kvm_amd
# kvm-amd.ko itself is loaded by /init once per npt mode, not with the others.
grep -vx 'kvm-amd.ko' "$out/modules/order" >"$out/modules/order.new"
mv "$out/modules/order.new" "$out/modules/order"

# The NIC the GDB sessions reach the VMM through (QEMU's e1000: one module, no dependencies).
mkdir -p "$out/net"
cp "$(modfile e1000)" "$out/net/e1000.ko"

# vmlinuz last: make uses it as the sign that the fetch is complete.
cp "$tmp"/root/boot/vmlinuz-* "$out/vmlinuz"
echo "fetch-kernel: $pkg -> $out ($(tr '\n' ' ' <"$out/modules/order")+ kvm-amd.ko)"
