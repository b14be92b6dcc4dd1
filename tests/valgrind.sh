#!/bin/bash
# valgrind.sh BUILD — the unit tests and a CLI round under valgrind's
# memcheck (a debug build without sanitizers): no leaks, no invalid access;
# the CLI round is a whole sync and county merge.
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
# One whole round: the demo device syncs, the county merges its batch
# (the county staff's directory the demo made beside it), the device
# syncs again and receives the merged village, then both check.
for step in "d:demo --households 5 --lang en" "d:check" "d:export" "d:report village" "d:sync" \
	"d.county:merge --all" "d:sync" "d:check" "d.county:check"; do
	dir=$W/${step%%:*} cmd=${step#*:}
	if $VG "$FC" --dir "$dir" $cmd >"$W/log" 2>&1 || [ $? -ne 99 ]; then echo "clean  fieldcard --dir ${step%%:*} $cmd"
	else echo "ERRORS fieldcard --dir ${step%%:*} $cmd"; tail -30 "$W/log"; fail=1; fi
done
exit $fail
