#!/bin/sh
# Install vbench's build and run-time dependencies from Debian's packages, only what is missing.
# On Debian 12 QEMU comes from bookworm-backports (10.x): 7.2's SVM emulation wedges the nested rig.
set -e
PKGS="build-essential clang libclang-rt-14-dev libhwloc-dev libpfm4-dev libjsmn-dev libcmocka-dev liburing-dev \
musl-dev musl-tools \
gnuplot-nox iproute2 cpio zstd xz-utils kmod python3 \
busybox-static fio iperf3 linux-perf runc openssh-client openssh-server"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
updated=""
if [ -n "$missing" ]; then
	echo "vbench: installing:$missing"
	$SUDO apt-get update -qq
	updated=1
	$SUDO apt-get install -y -qq $missing >/dev/null
	# openssh-server is here for its sshd binary alone (tests/integration/ssh-run.sh starts one in
	# a network namespace of its own): where systemd just enabled and started the host's ssh
	# service because of this install, it is stopped and disabled again.
	case " $missing " in
	*" openssh-server "*)
		if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
			echo "vbench: openssh-server installed for tests only: its ssh service is disabled"
			$SUDO systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
		fi
		;;
	esac
fi

# QEMU: the newest the registry offers. On bookworm that is bookworm-backports, which the machine's
# sources may lack: add the suite (same mirror and key as the main suite) in a file of its own.
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
qemu_major=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | sed -n 's/^[0-9]*:\{0,1\}\([0-9]*\)\..*/\1/p')
if [ "$codename" = bookworm ]; then
	[ -n "$qemu_major" ] && [ "$qemu_major" -ge 10 ] && exit 0
	if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		mirror=$(grep -rhs '^URIs:.*debian/*$\|^deb .*debian/* bookworm ' /etc/apt/sources.list /etc/apt/sources.list.d/ |
			grep -v security | sed -n 's/^URIs: *\([^ ]*\).*/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' | head -n1)
		echo "vbench: adding bookworm-backports (${mirror:-http://deb.debian.org/debian}) for QEMU 10"
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"${mirror:-http://deb.debian.org/debian}" | $SUDO tee /etc/apt/sources.list.d/vbench-backports.sources >/dev/null
		updated=""
	fi
	[ -n "$updated" ] || $SUDO apt-get update -qq
	echo "vbench: installing qemu-system-x86 from bookworm-backports"
	$SUDO apt-get install -y -qq -t bookworm-backports qemu-system-x86 >/dev/null
elif [ -z "$qemu_major" ]; then
	[ -n "$updated" ] || $SUDO apt-get update -qq
	echo "vbench: installing: qemu-system-x86"
	$SUDO apt-get install -y -qq qemu-system-x86 >/dev/null
fi
