#!/bin/sh
# Integration: nothing of an oci run remains (runc's state under /run/runc, its cgroups, the bundle,
# processes, network namespaces, veths) after (a) a normal run, (b) Ctrl-C (SIGINT) mid-run,
# (c) the agent SIGKILLed; (d) what a SIGKILLed vbench leaves is deleted by the next start.
set -u
. "$(dirname "$0")/oci-lib.sh"
oci_require
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# With an io.net workload in the run, the container has its veth and peer namespace throughout.
net=$("$VBENCH" list 2>/dev/null | awk '$1 ~ /^io\.net\./ { print $1; exit }')
[ -n "$net" ] || net=selftest.ok
common="--suite smoke --repeat 1 --warmup 0 --cpus 1 --memory 256M --out $tmp/out"

# A vbench in the background whose container is up: vb its pid, agent its agent's host pid.
start_with_container() { # label log vbench-arguments...
	label=$1 log=$2
	shift 2
	session_start "$VBENCH" "$@" >"$log" 2>&1
	vb=$SESSION
	i=0
	agent=""
	while [ -z "$agent" ] && [ $i -lt 200 ]; do
		agent=$(oci_agent_pid "$vb")
		[ -n "$agent" ] || sleep 0.05
		i=$((i + 1))
	done
	[ -n "$agent" ] || { kill -9 "$vb"; cat "$log"; fail "$label the container never came up"; }
	[ -d "/run/runc/vbench-oci-$vb-0" ] || { kill -9 "$vb"; fail "$label no runc state for it"; }
}

# (a) a normal run
before=$(oci_counts)
session_run "$VBENCH" run oci $common --workloads selftest.ok,$net >"$tmp/a.log" 2>&1 ||
	{ cat "$tmp/a.log"; fail "(a) normal run exited $?"; }
oci_assert_counts "$before" "(a) normal run"

# (b) SIGINT while the agent is busy in a sample that never returns
before=$(oci_counts)
start_with_container "(b)" "$tmp/b.log" run oci $common --workloads selftest.hang,$net --timeout 120
during=$(oci_counts)
echo "(b) during: $during"
echo "$during" | grep -q "runc-state=[1-9]" || { kill -9 "$vb"; fail "(b) the counts miss the running container"; }
sleep 0.5
kill -INT "$vb"
wait "$SESSION_JOB"
rc=$?
cat "$tmp/b.log"
[ $rc -eq 130 ] || fail "(b) vbench exited $rc after SIGINT, not 130"
oci_assert_counts "$before" "(b) SIGINT mid-run"

# (c) the agent SIGKILLed in the middle of a sample
before=$(oci_counts)
start_with_container "(c)" "$tmp/c.log" run oci $common --workloads selftest.hang,$net --timeout 120
sleep 0.5
kill -KILL "$agent"
wait "$SESSION_JOB"
cat "$tmp/c.log"
grep -q "died" "$tmp/c.log" || fail "(c) vbench did not notice the agent died"
oci_assert_counts "$before" "(c) agent killed"

# (d) vbench itself SIGKILLed: runc dies with it, its container does not; the next oci start
# deletes containers (and their bundles) whose vbench is gone.
before=$(oci_counts)
start_with_container "(d)" "$tmp/d.log" run oci $common --workloads selftest.hang --timeout 120
run_dir=$(dirname "$(ls -d /tmp/vbench-run-*/vbench-oci-"$vb"-0)")
kill -KILL "$vb"
wait "$SESSION_JOB" 2>/dev/null
stale=$(oci_counts)
echo "(d) after the kill: $stale"
session_run "$VBENCH" run oci $common --workloads selftest.ok >"$tmp/d2.log" 2>&1 ||
	{ cat "$tmp/d2.log"; fail "(d) the next run exited $?"; }
rmdir "$run_dir" || find "$run_dir" | head -20 # the killed harness's own run directory, emptied by the prune
oci_assert_counts "$before" "(d) vbench killed, then pruned"
echo "nothing left behind in (a) to (d)"
