#!/bin/sh
# LXC's lxc-execute for `make bench-container` only (not a dependency of vbench itself). Debian's lxc
# package enables lxc-net, which puts a bridge (lxcbr0, with dnsmasq) on the host at every boot: vbench
# never changes the host's network configuration, so the bridge is switched off in
# /etc/default/lxc-net before the package is installed (dpkg keeps that file as it finds it).
set -e
command -v lxc-execute >/dev/null && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ ! -e /etc/default/lxc-net ]; then
	echo "vbench: /etc/default/lxc-net: USE_LXC_BRIDGE=\"false\" (no bridge on the host)"
	echo 'USE_LXC_BRIDGE="false"' | $SUDO tee /etc/default/lxc-net >/dev/null
fi
echo "vbench: installing lxc (for lxc-execute)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -o Dpkg::Options::=--force-confold lxc >/dev/null
