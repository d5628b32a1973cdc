#!/bin/sh
# Integration: the default memory the README states is the one the commands use: `--memory` of
# run, compare and exec (read back from a real results file as well), and `vbench vm`'s guest RAM.
set -u
. "$(dirname "$0")/lib.sh"
fail=0
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# "--memory ... (default 2G)" in a command's --help
help_default() { "$VBENCH" "$@" --help 2>&1 | sed -n 's/^ *--memory SIZE .*(default \([0-9]*[KMG]\)).*/\1/p'; }
readme_run=$(sed -n 's/.*(`--memory`, default \([0-9]*[KMG]\)).*/\1/p' README.md | head -1)
readme_vm=$(sed -n 's/^| `vbench vm .*and \([0-9]*[KMG]\) of RAM unless .*/\1/p' README.md | head -1)
[ -n "$readme_run" ] || { echo "FAIL: the README states no default for --memory"; fail=1; }
[ -n "$readme_vm" ] || { echo "FAIL: the README states no default guest RAM for vbench vm"; fail=1; }

for c in run compare exec; do
	got=$(help_default $c)
	if [ "$got" = "$readme_run" ]; then
		echo "ok: vbench $c --help: default --memory $got, as the README says"
	else
		echo "FAIL: vbench $c --help says default --memory '$got', the README '$readme_run'"; fail=1
	fi
done
got=$(help_default vm)
if [ "$got" = "$readme_vm" ]; then
	echo "ok: vbench vm --help: default guest RAM $got, as the README says"
else
	echo "FAIL: vbench vm --help says default --memory '$got', the README '$readme_vm'"; fail=1
fi

# what a run without --memory really records
"$VBENCH" run native --suite smoke --workloads cpu.sha256 --repeat 1 --warmup 0 --quiet \
	--out "$tmp/out" --json "$tmp/run.json" >"$tmp/stdout" 2>&1 ||
	{ cat "$tmp/stdout"; echo "FAIL: vbench run native exited $?"; exit 1; }
python3 - "$tmp/run.json" "$readme_run" <<'PY' || fail=1
import json, sys
shift = {"K": 10, "M": 20, "G": 30}
want = int(sys.argv[2][:-1]) << shift[sys.argv[2][-1]]
got = json.load(open(sys.argv[1]))["config"]["memory_bytes"]
if got != want:
    sys.exit(f"FAIL: a run without --memory recorded memory_bytes {got}, the README's default is {want}")
print(f"ok: a run without --memory recorded memory_bytes {got}")
PY
exit $fail
