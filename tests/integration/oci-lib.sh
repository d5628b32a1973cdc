# Shared by the oci-*.sh integration tests (sourced, not run): on top of lxc-lib.sh's counts, what
# the oci backend needs, and counts of what a runc run could leave behind.

. "$(dirname "$0")/lxc-lib.sh"

oci_require() {
	[ "$(id -u)" -eq 0 ] || skip "the oci tests need root (vbench runs OCI bundles as root only)"
	[ -x "$VBENCH" ] && [ -x "$BUILD/vbench-agent" ] || skip "build vbench first (make)"
	command -v runc >/dev/null 2>&1 || skip "runc is not installed (scripts/install-deps.sh)"
	"$VBENCH" list 2>/dev/null | grep -q '^  oci *available' ||
		skip "oci backend unavailable: $("$VBENCH" list 2>&1 | sed -n '/^  oci/{n;p}')"
}

# The cgroup directories of vbench process $1's containers (every one: "" = all vbench's).
oci_cgroup_dirs() { # [vbench-pid]
	find /sys/fs/cgroup -type d -name "vbench-oci-${1:+$1-}*" 2>/dev/null
}

# The host pid of vbench process $1's agent, once its container is up (empty until then).
oci_agent_pid() { # vbench-pid
	for d in $(oci_cgroup_dirs "$1"); do
		pid=$(head -1 "$d/cgroup.procs" 2>/dev/null)
		[ -n "$pid" ] && echo "$pid" && return
	done
}

# lxc_counts, and what is runc's: its state dirs, the groups it made, bundles, processes left in
# those groups, runtimes still running.
oci_counts() {
	state=$(ls -d /run/runc/vbench-oci-* 2>/dev/null | wc -l)
	cgroups=$(oci_cgroup_dirs | wc -l)
	bundles=$(ls -d /tmp/vbench-run-*/vbench-oci-* /tmp/vbench-oci-* 2>/dev/null | wc -l)
	contained=0
	for p in $(pgrep -x vbench-agent); do
		grep -q vbench-oci "/proc/$p/cgroup" 2>/dev/null && contained=$((contained + 1))
	done
	echo "$(lxc_counts) runc-state=$state oci-cgroups=$cgroups bundles=$bundles oci-agents=$contained runtimes=$(session_count -x runc)"
}

oci_assert_counts() { # before label
	lxc_assert_counts "$1" "$2" oci_counts
}
