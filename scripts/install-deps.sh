#!/bin/sh
# Install vbench's build and run-time dependencies from Debian's packages, only what is missing.
set -e
PKGS="build-essential clang libclang-rt-14-dev libhwloc-dev libpfm4-dev libjsmn-dev libcmocka-dev \
gnuplot-nox iproute2 cpio zstd xz-utils kmod python3 \
qemu-system-x86 busybox-static fio iperf3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "vbench: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
