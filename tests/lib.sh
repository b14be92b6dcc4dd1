# lib.sh — helpers for shell tests: TAP output and a scratch directory.
# Source it; call ok/is/like; results print as "ok N - ..." / "not ok N - ...".
set -u
FC=${FIELDCARD_BIN:-$(pwd)/build/asan/fieldcard}
export FIELDCARD_FORMS=${FIELDCARD_FORMS:-$(pwd)/forms}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
_tap_n=0
_tap_fail=0
T=$(mktemp -d /tmp/fieldcard-test.XXXXXX)
_cleanup_fns=()
on_exit() { _cleanup_fns+=("$1"); }
_tap_done() {
	for f in "${_cleanup_fns[@]+"${_cleanup_fns[@]}"}"; do eval "$f" || true; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap _tap_done EXIT
# A test stopped by a signal (run.sh's timeout, ^C) still stops its servers:
# bash runs the EXIT trap on exit, not on a fatal signal. A server left
# behind would keep its port, and any lock the test ran under, for ever.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# ok "description" command...   — passes if the command succeeds
ok() {
	local d=$1; shift
	_tap_n=$((_tap_n + 1))
	if "$@"; then echo "ok $_tap_n - $d"; else echo "not ok $_tap_n - $d"; _tap_fail=$((_tap_fail + 1)); fi
}
# is "description" got expected
is() {
	_tap_n=$((_tap_n + 1))
	if [ "$2" == "$3" ]; then echo "ok $_tap_n - $1"
	else echo "not ok $_tap_n - $1"; echo "#   got:      '$2'"; echo "#   expected: '$3'"; _tap_fail=$((_tap_fail + 1)); fi
}
# like "description" got regex
like() {
	_tap_n=$((_tap_n + 1))
	if [[ "$2" =~ $3 ]]; then echo "ok $_tap_n - $1"
	else echo "not ok $_tap_n - $1"; echo "#   got:     '$2'"; echo "#   pattern: '$3'"; _tap_fail=$((_tap_fail + 1)); fi
}
# run CMD... : sets $out (stdout+stderr) and $rc
run() { out=$("$@" 2>&1); rc=$?; }
# id17 -> 18-digit resident ID with its GB 11643 check digit (test data only).
make_id() {
	local s=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) map=10X98765432 sum=0 i
	for i in $(seq 0 16); do sum=$((sum + ${s:$i:1} * ${w[$i]})); done
	echo "$s${map:$((sum % 11)):1}"
}

# The ledger folder of household $2 in village $1 (DESIGN.md: sharded by
# the id's last two characters).
hdir() { printf 'villages/%s/%s/%s/%s' "$1" "${2: -2:1}" "${2: -1}" "$2"; }
# The household ids under a village tree ("REV:villages/CODE"), one a line.
households_in() {
	git --git-dir="$1" ls-tree -r --name-only "$2" | sed -n 's,^[^/]/[^/]/\([^/]*\)/household$,\1,p'
}
