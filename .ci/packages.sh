#!/bin/sh
# Installs the Debian packages minivmm needs to build and test; quiet when all are there.
set -e
PKGS="gcc make libc6-dev linux-libc-dev libfdt-dev device-tree-compiler libcmocka-dev \
      liburing-dev libseccomp-dev python3 python3-pytest qemu-system-x86 busybox-static cpio gdb python3-matplotlib \
      clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages:$missing (run 'make setup' as root)" >&2
    exit 1
fi
echo "setup: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
