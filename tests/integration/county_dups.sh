#!/bin/bash
# county_dups.sh — no silent caps in the county merge (issue 9, item 5):
# village A's cadre sends 300 households, the county merges them; village
# B's cadre then sends 300 households whose heads carry the same 300 ID
# numbers. The merge must flag every one of them (it used to stop at 256
# without a word): the merge's own report, `fieldcard conflicts` (what the
# county staff reads), county/duplicates on main, and the county's store,
# which holds all 600 households. Over a path remote (a bare repository).
. tests/lib.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0
export FIELDCARD_NOW=2026-11-23T10:00:00Z
N=300

C=$T/county.git S=$T/staff A=$T/a B=$T/b
VA=522701105201 VB=522701105202
say() { [ "$rc" = "$1" ] || echo "$out" | sed 's/^/# /'; }

run "$FC" --dir "$S" init-county "$C" --name county-wang --county 522701
is "init-county exits 0" "$rc" 0; say 0
for d in a:$A:$VA b:$B:$VB; do
	IFS=: read -r n dir v <<<"$d"
	"$FC" --dir "$dir" init --role cadre --name cadre-$n --village "$v" --remote "$C" >/dev/null 2>&1
	run "$FC" --dir "$S" enroll "$dir/keys/id_ed25519.pub" --principal cadre-$n --role cadre --village "$v"
	is "enroll cadre-$n exits 0" "$rc" 0; say 0
done

# households.csv VILLAGE PREFIX: N households, head i with ID number i
HCOLS=id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
households() {
	local i id
	echo "$HCOLS"
	for ((i = 1; i <= N; i++)); do
		id=$(make_id "$(printf '52270119800101%03d' "$i")")
		printf '01JDE5M%s%018d,%s,石门村,%s%04d,户主%d,%s,贵州省,lifted,general,illness,B,no,yes,no\n' \
			"$2" "$i" "$1" "$1" "$i" "$i" "$id"
	done
}
households $VA 0 >"$T/a.csv"
households $VB 1 >"$T/b.csv"

run "$FC" --dir "$A" import "$T/a.csv"
is "village A imports $N households" "$rc" 0; say 0
run "$FC" --dir "$A" sync
is "and syncs them" "$rc" 0; say 0
run "$FC" --dir "$S" merge --all
is "the county merges village A" "$rc" 0; say 0
like "with no duplicate yet" "$out" "batches/cadre-a: merged, 0 conflict\(s\), 0 duplicate\(s\)"

run "$FC" --dir "$B" import "$T/b.csv"
is "village B imports $N households with the same head ID numbers" "$rc" 0; say 0
run "$FC" --dir "$B" sync
is "and syncs them" "$rc" 0; say 0
run "$FC" --dir "$S" merge --all
like "the merge reports all $N possible duplicates" "$out" "batches/cadre-b: merged, 0 conflict\(s\), $N duplicate\(s\)"

run "$FC" --dir "$S" conflicts
is "conflicts exits 3 while duplicate flags are open" "$rc" 3
is "conflicts lists every one of the $N pairs" \
	"$(grep -cE '^01JDE5M1[0-9]{18}	01JDE5M0[0-9]{18}	522701\*+[0-9X]{4}$' <<<"$out")" "$N"
ok "the pair of household $N is among them" grep -q "^01JDE5M1$(printf '%018d' $N)	01JDE5M0$(printf '%018d' $N)	" <<<"$out"
is "main's county/duplicates holds $N open pairs" \
	"$(git --git-dir="$C" show main:county/duplicates | grep -c '	open	')" "$N"
run "$FC" --dir "$S" export --form household --format csv
is "the county's store holds both villages' households" "$(($(wc -l <<<"$out") - 1))" $((2 * N))

# A decision on the last pair is one signed commit like any other.
run "$FC" --dir "$S" resolve 01JDE5M1$(printf '%018d' $N) id_number --clear
is "the $N-th flag can be decided" "$rc" 0; say 0
is "and $((N - 1)) stay open" "$(git --git-dir="$C" show main:county/duplicates | grep -c '	open	')" $((N - 1))
exit $_tap_fail
