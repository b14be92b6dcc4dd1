#!/bin/bash
# run.sh BUILD SECONDS TARGET... — run each libFuzzer target of BUILD/fuzz/
# for SECONDS, one after the other, from its seeds (BUILD/seeds/NAME), its
# kept regressions (tests/fuzz/regressions/NAME) and the corpus of earlier
# runs (BUILD/corpus/NAME, which this run grows). A crash, leak, timeout or
# out-of-memory leaves the input in BUILD/crashes/NAME/ and fails the run;
# keep it under tests/fuzz/regressions/NAME/ once it is fixed. Each target
# prints one TAP line with its executions and time; the last line is
# "N passed, N failed". Every kept input is also replayed on its own first
# (one TAP line a target); SECONDS 0 only replays.
set -u
B=$1 SECS=$2
shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export FIELDCARD_FORMS=${FIELDCARD_FORMS:-$ROOT/forms}
# Libraries' own leaks (libgit2) are suppressed as in every test run.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 n=0
for t in "$@"; do
	case $t in *.d) continue ;; esac  # the compiler's dependency files
	name=${t#fuzz_}
	bin=$B/fuzz/$t
	if [ ! -x "$bin" ]; then
		n=$((n + 1))
		echo "not ok $n - $t: not built ($bin)"; fail=$((fail + 1)); continue
	fi
	corpus=$B/corpus/$name crashes=$B/crashes/$name
	mkdir -p "$corpus" "$crashes" "$ROOT/tests/fuzz/regressions/$name"
	log=$B/logs/$name.log
	mkdir -p "$(dirname "$log")"
	kept=()
	dirs=("$corpus")
	[ -d "$B/seeds/$name" ] && dirs+=("$B/seeds/$name")
	dirs+=("$ROOT/tests/fuzz/regressions/$name")
	kept=("$ROOT/tests/fuzz/regressions/$name"/*)
	if [ -e "${kept[0]}" ]; then
		n=$((n + 1))
		if (cd "$ROOT" && "$bin" -timeout=25 -rss_limit_mb=2048 "${kept[@]}") >"$log.replay" 2>&1; then
			echo "ok $n - $t: replays its ${#kept[@]} kept inputs (tests/fuzz/regressions/$name)"
			pass=$((pass + 1))
		else
			echo "not ok $n - $t: a kept input fails again (log $log.replay)"
			fail=$((fail + 1))
		fi
	fi
	[ "$SECS" -gt 0 ] || continue
	start=$(date +%s)
	(cd "$ROOT" && "$bin" -max_total_time="$SECS" -timeout=25 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" "${dirs[@]}") >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	n=$((n + 1))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	found=$(grep -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [^ ]+( [^ ]+)?|runtime error: .*|==[0-9]+== ?ERROR.*' "$log" | head -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $t: ${execs:-0} executions in ${secs} s, nothing found"
		pass=$((pass + 1))
	else
		echo "not ok $n - $t: after ${execs:-?} executions in ${secs} s: ${found:-exit $rc} (input in $crashes/, log $log)"
		grep -E '^    #[0-9]+ ' "$log" | head -8 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
done
echo "1..$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
