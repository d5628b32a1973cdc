#!/bin/sh
# Integration: no process, mount, cgroup, network namespace, veth or temp dir of an lxc run remains
# after (a) a normal run, (b) Ctrl-C (SIGINT) in the middle of a run, (c) the agent SIGKILLed;
# and the same three for a networked container (veth + peer namespace) through `vbench exec`;
# (g) what a SIGKILLed vbench leaves is pruned by the next start.
set -u
. "$(dirname "$0")/lxc-lib.sh"
lxc_require
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# With an io.net workload in the run, the container has its veth and peer namespace throughout.
net=$("$VBENCH" list 2>/dev/null | awk '$1 ~ /^io\.net\./ { print $1; exit }')
[ -n "$net" ] || net=selftest.ok
common="--suite smoke --repeat 1 --warmup 0 --cpus 1 --memory 256M --out $tmp/out"

# The container of the vbench process $1 is up: its init's host pid (empty until then).
container_pid() {
	for d in /sys/fs/cgroup/cpuset/vbench-lxc-"$1"-* /sys/fs/cgroup/vbench-lxc-"$1"-*; do
		[ -f "$d/cgroup.procs" ] && head -1 "$d/cgroup.procs" && return
	done
}

wait_for_container() { # vbench-pid
	i=0
	while [ $i -lt 200 ]; do
		pid=$(container_pid "$1")
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# vbench runs in sessions of its own (lib.sh): the processes counted are the ones it started.
# A vbench in the background whose container is up: vb its pid, init its container's init. Its
# output goes to log, or where the test's goes when log is "".
start_with_container() { # label log vbench-arguments...
	label=$1 log=$2
	shift 2
	if [ -n "$log" ]; then
		session_start "$VBENCH" "$@" >"$log" 2>&1
	else
		session_start "$VBENCH" "$@"
	fi
	vb=$SESSION
	init=$(wait_for_container "$vb") || { kill -9 "$vb"; fail "$label the container never came up"; }
}

# A networked container whose command sleeps for a minute, through `vbench exec`.
start_sleeper() { # label
	start_with_container "$1" "" exec lxc --network --cpus 1 --memory 64M -- "$PAYLOAD" sleep 60
}

# That vbench's end: its exit status must be want.
expect_exit() { # want label what
	wait "$SESSION_JOB"
	rc=$?
	[ $rc -eq "$1" ] || fail "$2 vbench exited $rc after $3, not $1"
}

# (a) a normal run
before=$(lxc_counts)
session_run "$VBENCH" run lxc $common --workloads selftest.ok,$net >"$tmp/a.log" 2>&1 ||
	{ cat "$tmp/a.log"; fail "normal run exited $?"; }
lxc_assert_counts "$before" "(a) normal run"

# (b) SIGINT while the agent is busy in a sample that never returns
before=$(lxc_counts)
start_with_container "(b)" "$tmp/b.log" run lxc $common --workloads selftest.hang,$net --timeout 120
sleep 0.5
kill -INT $vb
wait "$SESSION_JOB"
rc=$?
cat "$tmp/b.log"
[ $rc -eq 130 ] || fail "(b) vbench exited $rc after SIGINT, not 130"
lxc_assert_counts "$before" "(b) SIGINT mid-run"

# (c) the agent (the container's init) SIGKILLed in the middle of a sample
before=$(lxc_counts)
start_with_container "(c)" "$tmp/c.log" run lxc $common --workloads selftest.hang,$net --timeout 120
sleep 0.5
kill -KILL "$init"
wait "$SESSION_JOB"
cat "$tmp/c.log"
grep -q "died" "$tmp/c.log" || fail "(c) vbench did not notice the agent died"
lxc_assert_counts "$before" "(c) agent killed"

lxc_build_payload "$tmp"
# (d) networked: a normal exec
before=$(lxc_counts)
session_run "$VBENCH" exec lxc --network --cpus 1 --memory 64M -- "$PAYLOAD" sleep 0 ||
	fail "(d) exec failed"
lxc_assert_counts "$before" "(d) networked exec"

# (e) networked: SIGINT to vbench while the container runs
before=$(lxc_counts)
start_sleeper "(e)"
# the counts do see the container: two more network namespaces (its own and the peer's)
during=$(lxc_counts)
echo "(e) during: $during"
netns_of() { echo "$1" | sed 's/.*netns=\([0-9]*\).*/\1/'; }
[ "$(netns_of "$during")" -ge $(($(netns_of "$before") + 2)) ] ||
	{ kill -9 $vb; fail "(e) the counts do not show the running container's namespaces"; }
kill -INT $vb
expect_exit 130 "(e)" SIGINT
lxc_assert_counts "$before" "(e) networked exec, SIGINT"

# (f) networked: the container's init SIGKILLed
before=$(lxc_counts)
start_sleeper "(f)"
kill -KILL "$init"
expect_exit 137 "(f)" "its command was killed"
lxc_assert_counts "$before" "(f) networked exec, init killed"

# (g) vbench itself SIGKILLed: its container dies with it (PDEATHSIG); the cgroups and temp dir it
# could not remove are pruned by the next lxc start.
before=$(lxc_counts)
start_sleeper "(g)"
kill -KILL $vb
wait "$SESSION_JOB" 2>/dev/null
ls -d /sys/fs/cgroup/cpuset/vbench-lxc-$vb-* /sys/fs/cgroup/vbench-lxc-$vb-* 2>/dev/null | grep -q . ||
	echo "(g) note: nothing was left to prune"
session_run "$VBENCH" exec lxc --cpus 1 --memory 64M -- "$PAYLOAD" sleep 0 || fail "(g) exec failed"
lxc_assert_counts "$before" "(g) vbench killed, then pruned"
echo "nothing left behind in (a) to (g)"
