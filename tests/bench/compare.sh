#!/bin/bash
# compare.sh — benchmark of `fieldcard compare` (issue 10), run by run.sh
# with FC (a release fieldcard) and W (a scratch directory) set: a vehicle
# list of 100,000 rows (ID numbers with correct check digits, a tenth of
# them heads and members of the county) against a county of 100,000
# households: seconds (median of 3) and peak memory (GNU time's "Maximum
# resident set size"). Target: 5 s.
#
# How the county is made quickly: `fieldcard demo --households N` makes a
# device's village of N households and a county beside it; the device's
# records are then put on the county's main as the ledger files a sync and
# a merge would leave there (git fast-import, one commit), and into the
# county staff's store as a merge leaves them (the same rows: the store's
# columns derive from the canonical text). Syncing and merging 100,000
# households the ordinary way takes the better part of an hour; compare
# does not care how they got there. Each run starts from a copy of that
# county, so all three do the same work (10,000 new flags each).
set -u
: "${FC:?FC: the fieldcard binary}" "${W:?W: a scratch directory}"
export FIELDCARD_FORMS=${FIELDCARD_FORMS:-$(pwd)/forms}
export FIELDCARD_NOW=${FIELDCARD_NOW:-2026-11-23T09:00:00Z}
N=${COMPARE_BENCH_HOUSEHOLDS:-100000}
ROWS=${COMPARE_BENCH_ROWS:-100000}
B=$W/comparebench
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$B"
mkdir -p "$B"
D=$B/dev S=$B/dev.county C=$B/dev.county.git
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

s=$(now_ms)
"$FC" --dir "$D" demo --households "$N" --lang en >/dev/null 2>&1 || { echo "demo failed"; exit 1; }
python3 "$HERE/compare_county.py" fastimport "$D/fieldcard.db" |
	git --git-dir="$S/ledger.git" fast-import --quiet || { echo "fast-import failed"; exit 1; }
git --git-dir="$S/ledger.git" push -q "$C" main || { echo "push of main failed"; exit 1; }
sqlite3 "$S/fieldcard.db" "ATTACH '$D/fieldcard.db' AS d; BEGIN;
INSERT INTO records(id, kind, parent, village, code, head_name, head_id_number, household_type,
 poverty_status, monitor_category, name, id_number, member_status, visit_date, members,
 last_visit, updated_at, canonical)
SELECT id, kind, parent, village, code, head_name, head_id_number, household_type,
 poverty_status, monitor_category, name, id_number, member_status, visit_date, members,
 last_visit, updated_at, canonical FROM d.records ORDER BY kind <> 'household', id;
COMMIT;" || { echo "county store failed"; exit 1; }
python3 "$HERE/compare_county.py" list "$D/fieldcard.db" "$ROWS" 0.1 "$B/vehicles.csv" >"$B/list.txt" ||
	{ echo "list failed"; exit 1; }
rm -rf "$D"
echo "setup: a county of $N households ($(sqlite3 "$S/fieldcard.db" "select count(*) from records") records)," \
	"a list of $(cat "$B/list.txt"), in $(( $(now_ms) - s )) ms"
mv "$S" "$B/county0"
mv "$C" "$B/county0.git"

t=() m=() last=""
for i in 1 2 3; do
	rm -rf "$S" "$C"
	cp -a "$B/county0" "$S"
	cp -a "$B/county0.git" "$C"
	sync
	s=$(now_ms)
	/usr/bin/time -o "$B/time.txt" -f %M "$FC" --dir "$S" compare "$B/vehicles.csv" --source vehicle \
		>"$B/out.txt" 2>&1 || { echo "compare failed:"; cat "$B/out.txt"; exit 1; }
	t+=($(( $(now_ms) - s )))
	m+=($(tail -1 "$B/time.txt"))
	last=$(cat "$B/out.txt")
done
echo "compare of $ROWS rows against $N households: median $(median "${t[@]}") ms" \
	"(runs: ${t[*]} ms), peak memory median $(median "${m[@]}") KB (runs: ${m[*]} KB)"
echo "  $last"
rm -rf "$S" "$C" "$B/county0" "$B/county0.git"
