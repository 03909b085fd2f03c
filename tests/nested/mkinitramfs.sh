#!/bin/sh
# Packs the nested test bed's initramfs (cpio newc + gzip): busybox, the KVM modules, /init,
# the payload script and whichever payload binaries exist. A missing VMM or guest file is
# left out on purpose: the payload then reports its checks as FAIL, it does not skip them.
# Usage: mkinitramfs.sh OUT.cpio.gz KERNELDIR BUILDDIR [SRC:DEST ...]
set -eu

out=$1 kdir=$2 build=$3
shift 3
here=$(dirname "$0")
fail() { echo "mkinitramfs: $*" >&2; exit 1; }

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || fail "busybox not found (Debian package busybox-static; run 'make setup')"
readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter' &&
    fail "$busybox is dynamically linked (install busybox-static)"
command -v cpio >/dev/null || fail "cpio not found (run 'make setup')"

root=$(dirname "$out")/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
         "$root/lib/modules" "$root/opt/minivmm/guest"

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$kdir"/modules/*.ko "$kdir/modules/order" "$root/lib/modules/"
cp "$here/init.sh" "$root/init"
cp "$here/payload.sh" "$root/payload.sh"
chmod 755 "$root/init" "$root/payload.sh"

# Payload binaries: SRC DEST, copied when SRC exists.
take() { if [ -e "$1" ]; then cp "$1" "$root$2"; fi; }
take "$build/bench/floor-static" /bin/floor
# The VMM finds its bundled guest next to its own executable, as in build/.
take "$build/vmm-static"         /opt/minivmm/vmm
take "$build/guest/kernel.elf"   /opt/minivmm/guest/kernel.elf
take "$build/guest/initrd.cpio"  /opt/minivmm/guest/initrd.cpio
ln -s /opt/minivmm/vmm "$root/bin/vmm"
for pair in "$@"; do
    src=${pair%%:*} dest=${pair#*:}
    [ -e "$src" ] || fail "extra file $src does not exist"
    mkdir -p "$root$(dirname "$dest")"
    cp "$src" "$root$dest"
done

(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB;" \
     "payload: $(cd "$root" && ls bin/floor opt/minivmm/vmm opt/minivmm/guest/* 2>/dev/null |
                tr '\n' ' '))"
