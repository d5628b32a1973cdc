# Shared by the integration tests (sourced, not run): where vbench is, skips and failures, the
# backends a comparison here can use, and vbench started in a session of its own so that what it
# leaves running is counted apart from whatever else runs on the machine.

BUILD=${BUILD:-build}
VBENCH=$BUILD/vbench

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# lxc and native where lxc is available (as root), else native alone, said in a NOTE.
local_backends() {
	if [ "$(id -u)" -eq 0 ] && "$VBENCH" list 2>/dev/null | grep -q '^  lxc *available'; then
		echo "lxc native"
	else
		echo "NOTE: lxc unavailable here, checking native only" >&2
		echo native
	fi
}

# Starts a command in the background as the leader of a session of its own. Everything it starts
# keeps that session, orphaned or not (no vbench process calls setsid), so session_count counts
# what this test started and nothing else. Sets SESSION (the command's pid, also the session's
# id), SESSION_JOB (what `wait` waits for) and SESSIONS (every session started so far). Needs $tmp.
session_start() { # command...
	# shellcheck disable=SC2154 # tmp: the test's own temporary directory
	rm -f "$tmp/.session"
	# the sh that writes its pid is the process setsid made the leader, and then the command
	# shellcheck disable=SC2016 # $$ and $@ are the inner sh's
	setsid -w sh -c 'echo $$ >"$0.new" && mv "$0.new" "$0" && exec "$@"' "$tmp/.session" "$@" &
	SESSION_JOB=$!
	while [ ! -s "$tmp/.session" ] && kill -0 "$SESSION_JOB" 2>/dev/null; do
		sleep 0.01
	done
	SESSION=$(cat "$tmp/.session" 2>/dev/null) || fail "$1 did not start in a session of its own"
	SESSIONS=${SESSIONS:+$SESSIONS,}$SESSION
}

# The same in the foreground: the command's exit status.
session_run() { # command...
	session_start "$@"
	wait "$SESSION_JOB"
}

# How many processes in the sessions this test started match pgrep's other arguments, e.g.
# `-x vbench-agent`; 0 before any.
session_count() { # pgrep arguments...
	if [ -n "${SESSIONS:-}" ]; then
		pgrep -c -s "$SESSIONS" "$@"
	else
		echo 0
	fi
}

# The pids of the processes in the sessions this test started.
session_pids() {
	[ -z "${SESSIONS:-}" ] || pgrep -s "$SESSIONS"
}
