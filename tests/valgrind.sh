#!/bin/bash
# valgrind.sh BUILD — the unit tests and a CLI round under valgrind's
# memcheck (a debug build without sanitizers): no leaks, no invalid access.
set -u
B=${1:-build/debug}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FIELDCARD_FORMS="$ROOT/forms"
VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
W=$(mktemp -d /tmp/fieldcard-vg.XXXXXX)
trap 'rm -rf "$W" "$W".county*' EXIT
fail=0
for t in "$ROOT/$B"/tests/test_*; do
	[ -x "$t" ] || continue
	if (cd "$ROOT" && $VG "$t" >"$W/log" 2>&1); then echo "clean  $(basename "$t")"
	else echo "ERRORS $(basename "$t")"; tail -30 "$W/log"; fail=1; fi
done
FC="$ROOT/$B/fieldcard"
for cmd in "demo --households 5 --lang en" "check" "export" "report village" "sync"; do
	if $VG "$FC" --dir "$W/d" $cmd >"$W/log" 2>&1 || [ $? -ne 99 ]; then echo "clean  fieldcard $cmd"
	else echo "ERRORS fieldcard $cmd"; tail -30 "$W/log"; fail=1; fi
done
exit $fail
