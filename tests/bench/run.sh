#!/bin/bash
# run.sh BUILD — the benchmarks (make bench). Speed and memory are measured
# here, never in timed tests. Each figure is the median of several runs; the
# machines are noisy, so compare ratios, not single numbers.
set -u
B=${1:-build/release}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export FIELDCARD_FORMS="$ROOT/forms"
export FIELDCARD_NOW=${FIELDCARD_NOW:-2026-11-23T09:00:00Z}
FC="$ROOT/$B/fieldcard"
W=$(mktemp -d /tmp/fieldcard-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

# median_ms CMD... : run 5 times, print the median wall time in ms
median_ms() {
	local t=() s e
	for _ in 1 2 3 4 5; do
		s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
		t+=($(( (e - s) / 1000000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
}
# peak_kb CMD... : peak resident memory in KB (GNU time)
peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

echo "== fieldcard benchmarks ($(uname -m), $(nproc) cores, $B)"
echo "-- store: demo of 1,000 households"
s=$(date +%s%N); "$FC" --dir "$W/d1k" demo --households 1000 --lang en >/dev/null 2>&1; e=$(date +%s%N)
echo "demo --households 1000: $(( (e - s) / 1000000 )) ms, db $(du -k "$W/d1k/fieldcard.db" | cut -f1) KB"
echo "show one household (start-up + read): median $(median_ms "$FC" --dir "$W/d1k" show "$("$FC" --dir "$W/d1k" export --format csv 2>/dev/null | sed -n 2p | cut -d, -f1)") ms"
echo "check (validate every household): median $(median_ms "$FC" --dir "$W/d1k" check) ms"
echo "export csv of 1,000 households: median $(median_ms "$FC" --dir "$W/d1k" export -o "$W/x.csv") ms"

for b in "$ROOT/$B"/tests/bench_*; do
	[ -x "$b" ] || continue
	echo "-- $(basename "$b")"
	case $(basename "$b") in
	bench_store) mkdir -p "$W/bench_store"; args=(5000 "$W/bench_store" 1) ;;  # one village of 5,000 households
	*) args=("$W") ;;
	esac
	(cd "$ROOT" && "$b" "${args[@]}")
done
for s in "$ROOT"/tests/bench/*.sh; do
	[ -f "$s" ] || continue
	case "$(basename "$s")" in run.sh) continue ;; esac
	echo "-- $(basename "$s" .sh)"
	(cd "$ROOT" && FC="$FC" W="$W" bash "$s")
done
