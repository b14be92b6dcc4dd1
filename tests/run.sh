#!/bin/bash
# run.sh BUILD — run every test against the binaries in BUILD (e.g.
# build/asan): unit tests (cmocka, TAP output), then integration and
# end-to-end scripts (TAP). Ends with one line "N passed, N failed".
set -u
B=${1:-build/asan}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FIELDCARD_BIN="$ROOT/$B/fieldcard"
export FIELDCARD_FORMS="$ROOT/forms"
export FIELDCARD_LOCALEDIR="$ROOT/build/locale"
# libgit2 1.5 / libssh2 leak a little per SSH connection; the suppressions
# match on full stacks only, hence fast_unwind_on_malloc=0.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=TAP
LOG=$ROOT/build/test-log
mkdir -p "$LOG"
pass=0 fail=0
failed_names=()

count() { # name logfile rc
	local p f
	p=$(grep -cE '^ok ' "$2")
	f=$(grep -cE '^not ok ' "$2")
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $1 printed no results (exit $3)"; fi
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $1 exited $3"; fi
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" -gt 0 ] && failed_names+=("$1")
	printf '%-40s %4d passed %4d failed\n' "$1" "$p" "$f"
	grep -E '^not ok ' "$2" | sed 's/^/    /' | head -20
}

for t in "$ROOT/$B"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	(cd "$ROOT" && timeout 600 "$t") >"$LOG/$n.log" 2>&1
	count "$n" "$LOG/$n.log" $?
done
for t in "$ROOT"/tests/integration/*.sh "$ROOT"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	# Sourced helpers (server starters) say so on their first lines.
	head -3 "$t" | grep -qiE 'sourced|source it' && continue
	n=$(basename "$(dirname "$t")")/$(basename "$t" .sh)
	(cd "$ROOT" && timeout 900 bash "$t") >"$LOG/${n//\//_}.log" 2>&1
	count "$n" "$LOG/${n//\//_}.log" $?
done
# The fuzz targets (make fuzz-build), a few seconds each, and every kept
# crash input replayed (tests/fuzz/regressions/).
if ls "$ROOT"/build/fuzz/fuzz/fuzz_* >/dev/null 2>&1; then
	mapfile -t fz < <(cd "$ROOT/build/fuzz/fuzz" && ls fuzz_* | grep -v "\.d$")
	(cd "$ROOT" && tests/fuzz/run.sh build/fuzz "${FUZZ_TEST_SECONDS:-3}" "${fz[@]}") >"$LOG/fuzz.log" 2>&1
	count fuzz "$LOG/fuzz.log" $?
fi
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in build/test-log/)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
