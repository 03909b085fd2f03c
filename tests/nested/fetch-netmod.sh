#!/bin/sh
# Fetches the network driver the nested test bed's GDB runs need (e1000.ko: QEMU's `-device
# e1000`, a module with no dependencies) from the Debian package of the kernel already in
# KERNELDIR, so that its version matches vmlinuz.
# Usage: fetch-netmod.sh KERNELDIR  ->  KERNELDIR/net/e1000.ko
set -eu

kdir=$1
fail() { echo "fetch-netmod: $*" >&2; exit 1; }

[ -e "$kdir/vmlinuz" ] || fail "$kdir/vmlinuz missing (run 'make nested-kernel')"
# The bzImage setup header holds the release string uncompressed.
release=$(strings "$kdir/vmlinuz" | sed -n 's/^\(6\.1\.0-[0-9]*-amd64\) .*/\1/p' | head -n 1)
[ -n "$release" ] || fail "cannot read the kernel release from $kdir/vmlinuz"
pkg=linux-image-$release

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nested-netmod.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
sandbox=""
[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -q $sandbox "$pkg" >/dev/null) ||
    fail "apt-get download $pkg failed (no apt lists or no network? run 'make setup' or 'apt-get update')"
dpkg -x "$tmp"/*.deb "$tmp/root"

f=$(find "$tmp/root/lib/modules" -name e1000.ko | head -n 1)
[ -n "$f" ] || fail "$pkg has no e1000.ko"
deps=$(objcopy -O binary --only-section=.modinfo "$f" /dev/stdout | tr '\0' '\n' |
       sed -n 's/^depends=//p')
[ -z "$deps" ] || fail "e1000.ko of $pkg needs modules ($deps): the bed loads it alone"
mkdir -p "$kdir/net"
cp "$f" "$kdir/net/e1000.ko.tmp"
mv "$kdir/net/e1000.ko.tmp" "$kdir/net/e1000.ko"
echo "fetch-netmod: $pkg -> $kdir/net/e1000.ko"
