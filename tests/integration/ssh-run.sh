#!/bin/sh
# Integration: the ssh backend against Debian's sshd in a network namespace this test creates
# (loopback only, a throw-away host key and user key), vbench run inside it: ssh samples and the
# remote agent's hello, the io.net workloads against the peer the agent serves on the remote host's
# loopback (127.0.0.1 alone, labelled so in the results), the remote directory removed, a dropped
# connection mid-run that leaves the other backend going, a wrong host (exit 2, one line), and
# nothing left behind: no remote agent nor its peer after a run, Ctrl-C or a dropped connection.
# No address outside that namespace is ever used.
set -u
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (ip netns, sshd)"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (Debian: openssh-server)"
command -v ssh >/dev/null || skip "no ssh client (Debian: openssh-client)"
command -v ssh-keygen >/dev/null || skip "no ssh-keygen"
command -v ip >/dev/null || skip "no ip (iproute2)"
[ -x "$VBENCH" ] || fail "no $VBENCH (make all first)"
VBENCH=$(realpath "$VBENCH")

tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
chmod 755 "$tmp"
ns=vbench-ssh-$$
sshd_pid=""
made_privsep=""
cleanup() {
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
	ip netns pids "$ns" 2>/dev/null | while read -r p; do kill -9 "$p" 2>/dev/null; done
	ip netns delete "$ns" 2>/dev/null
	[ -n "$made_privsep" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sshd's privilege separation directory: Debian's service makes it; made here only when absent
if [ ! -d /run/sshd ]; then
	mkdir -m 755 /run/sshd && made_privsep=1
fi
ip netns add "$ns" || skip "cannot create a network namespace"
ip netns exec "$ns" ip link set lo up || fail "loopback in $ns"

ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key" || fail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/user_key" || fail "user key"
cp "$tmp/user_key.pub" "$tmp/authorized_keys"
mkdir -m 700 "$tmp/remote"
cat >"$tmp/sshd_config" <<EOF
ListenAddress 127.0.0.1
ListenAddress 127.0.0.2
Port 2222
HostKey $tmp/host_key
PidFile $tmp/sshd.pid
AuthorizedKeysFile $tmp/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
EOF
ip netns exec "$ns" /usr/sbin/sshd -D -f "$tmp/sshd_config" -E "$tmp/sshd.log" &
sshd_pid=$!
for _ in $(seq 100); do
	ip netns exec "$ns" ss -ltn 2>/dev/null | grep -q '127.0.0.1:2222' && break
	kill -0 "$sshd_pid" 2>/dev/null || { cat "$tmp/sshd.log"; fail "sshd did not start"; }
	sleep 0.1
done

# The sshd processes serving connections (children of the listener, and their sshd children
# where privileges are separated), killed as a network failure would end them: the commands
# they started on the remote side are left to see the end of their input.
kill_connections() { # the listener's children
	for conn in $1; do
		kill -9 $(pgrep -x sshd -P "$conn") "$conn" 2>/dev/null
	done
}

# The remote side's processes: whatever runs the agent copied into the remote directory (its
# io.net peer is its child, the same binary, named vbench-netpeer), gone or not from the disk.
remote_pids() {
	for p in /proc/[0-9]*; do
		case $(readlink "$p/exe" 2>/dev/null) in
		"$tmp/remote/"*) echo "${p#/proc/}" ;;
		esac
	done
}
remote_peers() {
	for p in $(remote_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = vbench-netpeer ] && echo "$p"
	done
}
# Mid-run, vbench stopped (SIGSTOP) so that the run cannot end while this looks: the remote
# agent's peer is up, and listens on 127.0.0.1 alone.
check_remote_peer() { # what is going on
	peers=$(remote_peers)
	[ -n "$peers" ] || fail "$1: no io.net peer beside the remote agent"
	ip netns exec "$ns" ss -Hltnp >"$tmp/listening" || fail "ss -ltnp in $ns"
	grep -q 'vbench-netpeer' "$tmp/listening" || fail "$1: the remote peer listens nowhere"
	if grep 'vbench-netpeer' "$tmp/listening" | awk '{print $4}' | grep -v '^127\.0\.0\.1:'; then
		fail "$1: the remote peer listens beyond 127.0.0.1"
	fi
	echo "$1: remote peer $(echo $peers) listening on" \
		"$(grep 'vbench-netpeer' "$tmp/listening" | awk '{print $4}' | sort -u | xargs)"
}
# After: nothing of the remote side runs (bounded: its agent ends when it sees its input end).
check_remote_gone() { # what happened
	for _ in $(seq 200); do
		[ -z "$(remote_pids)" ] && return 0
		sleep 0.05
	done
	fail "$1: left running on the remote side: $(remote_pids | xargs ps -o pid,comm,args -p)"
}

host=ssh:root@127.0.0.1:2222
set -- --ssh-option StrictHostKeyChecking=no --ssh-option "UserKnownHostsFile=$tmp/known_hosts" \
	--ssh-option "IdentityFile=$tmp/user_key" --ssh-option IdentitiesOnly=yes \
	--remote-dir "$tmp/remote" --out "$tmp/out" --no-report

# 1. a smoke comparison with two hosts (two addresses of the namespace's sshd), one named by
# --name: ssh samples, the remote agent's hello, its directory gone afterwards
session_run ip netns exec "$ns" "$VBENCH" compare "$host" --name two=ssh:root@127.0.0.2:2222 \
	native --suite smoke --repeat 2 --warmup 1 --cpus 1 --json "$tmp/run.json" --quiet "$@" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
tail -15 "$tmp/stdout"
cat "$tmp/stderr"
[ $rc -eq 0 ] || fail "vbench compare $host native exited $rc"
# the summary in words says what the ssh hosts' io.net figures are, as their notes do
[ "$(grep -c 'network I/O (loopback on the remote host: ' "$tmp/stdout")" -eq 2 ] ||
	fail "the summary in words does not say, for both hosts, that io.net ran on their loopback"
python3 - "$tmp/run.json" "$host" <<'PY' || exit 1
import json, re, sys
doc, name = json.load(open(sys.argv[1])), sys.argv[2]
b = {x["name"]: x for x in doc["backends"]}
assert [x["name"] for x in doc["backends"]] == [name, "native", "two"], list(b)
for name, address in ((name, "127.0.0.1"), ("two", "127.0.0.2")):
    s = b[name]
    assert s["ran"] is True, s
    assert s["details"].startswith("on root@%s in " % address), s["details"]
    assert "pinned to CPUs 0-0" in s["details"], s["details"]
    assert s["details"].endswith("; io.net on its own loopback"), s["details"]
    hello = s["hello"]
    print(name, "hello:", hello["environment"]["summary"], "| kernel", hello["kernel"],
          "| cpus", hello["cpus"])
    assert hello["cpus"] == 1 and hello["memory_bytes"] > 0 and hello["kernel"], hello
    assert hello["environment"]["summary"], hello
    groups = {}
    for r in doc["results"]:
        if r["backend"] == name and r["status"] == "ok":
            assert len(r["samples"]) == 2, r
            groups[r["workload"].split(".")[0]] = 1
    # io.net against the agent's own peer on the remote host's loopback, and labelled so
    assert re.fullmatch(r"127\.0\.0\.1:\d+,\d+", hello.get("peer", "")), hello.get("peer")
    net = [r for r in doc["results"] if r["backend"] == name and r["group"] == "io.net"]
    assert {r["workload"] for r in net} == {"io.net.rr", "io.net.stream"}, net
    for r in net:
        assert r["status"] == "ok" and len(r["samples"]) == 2, r
        assert r["note"].startswith("loopback on the remote host"), r
    print(name, "io.net against", hello["peer"], "-", net[0]["note"])
    for g in ("cpu", "mem", "os", "io"):
        assert g in groups, "no %s samples for %s" % (name, g)
    print(name, "groups with samples:", sorted(groups))
# the harness's own peer still serves native, and its numbers carry no such label
net = [r for r in doc["results"] if r["backend"] == "native" and r["group"] == "io.net"]
assert net and all(r["status"] == "ok" and not r["note"] for r in net), net
assert "peer" not in b["native"]["hello"], b["native"]["hello"]
PY
check_remote_gone "after the run"
[ -z "$(ls -A "$tmp/remote")" ] || fail "left in the remote directory: $(ls -A "$tmp/remote")"
ls "$tmp/out"/*-ssh_root_127.0.0.1_2222-native-two.json >/dev/null 2>&1 ||
	fail "results file not named after the backends: $(ls "$tmp/out")"

# 2. a connection dropped mid-run (the sshd processes serving it killed): native goes on, the ssh
# samples measured before are kept, the remote directory is removed all the same
session_start ip netns exec "$ns" "$VBENCH" compare --name vps="$host" native \
	--workloads 'cpu.sha256,cpu.matmul,cpu.sort,io.net.rr' --suite smoke --repeat 3 \
	--warmup 0 --cpus 1 --json "$tmp/drop.json" "$@" >"$tmp/drop.out" 2>"$tmp/drop.err"
drop_job=$SESSION_JOB
until grep -q '\[2/4\] cpu.matmul' "$tmp/drop.err"; do
	kill -0 "$drop_job" 2>/dev/null ||
		{ cat "$tmp/drop.err"; fail "the run ended before cpu.matmul"; }
	sleep 0.05
done
kill -STOP "$SESSION"
check_remote_peer "before the drop"
kill_connections "$(pgrep -P "$sshd_pid")"
kill -CONT "$SESSION"
wait "$drop_job"
rc=$?
tail -8 "$tmp/drop.out"
grep 'vps' "$tmp/drop.err"
[ $rc -eq 1 ] || fail "a dropped connection: exit $rc, not 1 (a workload failed)"
grep -q 'vps: .*dropped' "$tmp/drop.err" || fail "the dropped connection is not said"
python3 - "$tmp/drop.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
res = {(r["backend"], r["workload"], r["metric"]): r for r in doc["results"]}
for w in ("cpu.sha256", "cpu.matmul", "cpu.sort", "io.net.rr"):
    for (b, wl, m), r in res.items():
        if b == "native" and wl == w:
            assert r["status"] == "ok" and len(r["samples"]) == 3, r
for (b, wl, m), r in res.items():
    if b == "vps" and wl == "cpu.sha256":
        assert r["status"] == "ok" and len(r["samples"]) == 3, ("ssh samples before the drop", r)
errors = [r for (b, wl, m), r in res.items() if b == "vps" and r["status"] == "error"]
assert errors, "no ssh workload marked by the drop"
print("after the drop:", errors[0]["workload"], errors[0]["status"], "-", errors[0]["note"])
PY
[ -z "$(ls -A "$tmp/remote")" ] || fail "left after the drop: $(ls -A "$tmp/remote")"
check_remote_gone "after the drop"

# 3. Ctrl-C mid-run: exit 130, what was measured saved, the remote directory removed
session_start ip netns exec "$ns" "$VBENCH" compare "$host" native \
	--workloads 'cpu.sha256,cpu.matmul,cpu.sort,io.net.rr' --suite smoke --repeat 3 \
	--warmup 0 --cpus 1 --json "$tmp/int.json" "$@" >"$tmp/int.out" 2>"$tmp/int.err"
int_job=$SESSION_JOB
until grep -q '\[2/4\] cpu.matmul' "$tmp/int.err"; do
	kill -0 "$int_job" 2>/dev/null ||
		{ cat "$tmp/int.err"; fail "the run ended before cpu.matmul"; }
	sleep 0.05
done
kill -STOP "$SESSION"
check_remote_peer "before Ctrl-C"
kill -INT "$SESSION" # ip netns exec runs vbench in its own place: the session's leader is vbench
kill -CONT "$SESSION" # the interrupt is delivered as it goes on
wait "$int_job"
rc=$?
tail -3 "$tmp/int.err"
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc, not 130"
[ -s "$tmp/int.json" ] || fail "Ctrl-C: nothing saved"
[ -z "$(ls -A "$tmp/remote")" ] || fail "left after Ctrl-C: $(ls -A "$tmp/remote")"
check_remote_gone "after Ctrl-C"

# 4. the host gone mid-run (sshd and every connection killed): native goes on, and the remote
# directory that no connection could remove is named by path (the remote side removes it itself
# once its agent sees the end of its input)
session_start ip netns exec "$ns" "$VBENCH" compare "$host" native \
	--workloads 'cpu.sha256,cpu.matmul,cpu.sort,io.net.rr' --suite smoke --repeat 3 \
	--warmup 0 --cpus 1 --json "$tmp/gone.json" "$@" >"$tmp/gone.out" 2>"$tmp/gone.err"
gone_job=$SESSION_JOB
until grep -q '\[2/4\] cpu.matmul' "$tmp/gone.err"; do
	kill -0 "$gone_job" 2>/dev/null ||
		{ cat "$tmp/gone.err"; fail "the run ended before cpu.matmul"; }
	sleep 0.05
done
kill -STOP "$SESSION"
check_remote_peer "before the host goes"
monitors=$(pgrep -P "$sshd_pid")
kill -9 "$sshd_pid"
wait "$sshd_pid" 2>/dev/null
sshd_pid=""
kill_connections "$monitors"
kill -CONT "$SESSION"
wait "$gone_job"
rc=$?
grep 'ssh' "$tmp/gone.err"
[ $rc -eq 1 ] || fail "the host gone: exit $rc, not 1"
grep -q "could not remove root@127.0.0.1:$tmp/remote/vbench-ssh-" "$tmp/gone.err" ||
	fail "the remote directory left is not named by path"
python3 - "$tmp/gone.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
native = [r for r in doc["results"] if r["backend"] == "native"]
assert native and all(r["status"] == "ok" and len(r["samples"]) == 3 for r in native), native
PY
for _ in $(seq 200); do
	[ -z "$(ls -A "$tmp/remote")" ] && break
	sleep 0.1
done
check_remote_gone "after the host went"

# 5. a wrong host: exit 2, one line, nothing started
session_run ip netns exec "$ns" "$VBENCH" compare ssh:root@127.0.0.1:2223 native --suite smoke \
	--quiet "$@" \
	>"$tmp/wrong.out" 2>"$tmp/wrong.err"
rc=$?
cat "$tmp/wrong.err"
[ $rc -eq 2 ] || fail "a wrong host: exit $rc, not 2"
[ "$(wc -l <"$tmp/wrong.err")" -eq 1 ] || fail "a wrong host: not one line"
grep -q '127.0.0.1' "$tmp/wrong.err" || fail "a wrong host: the line does not name it"

# 6. nothing left behind: no process of the runs, no remote directory, sshd stopped, no namespace
[ -z "$(session_pids)" ] || fail "left running: $(session_pids | xargs ps -o pid,args -p)"
[ -z "$(ls -A "$tmp/remote")" ] || fail "left in the remote directory"
[ -z "$(remote_pids)" ] || fail "left on the remote side: $(remote_pids | xargs ps -o pid,comm,args -p)"
pgrep -f "sshd.*$tmp" >/dev/null && fail "sshd left running"
[ -z "$(ip netns pids "$ns")" ] || fail "processes left in $ns"
ip netns delete "$ns" || fail "cannot delete $ns"
ip netns list | grep -q "^$ns" && fail "$ns left"
echo "PASS: ssh backend against sshd in $ns"
