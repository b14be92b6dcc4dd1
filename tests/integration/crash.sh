# crash.sh — durability under kill -9 (DESIGN.md, "Durability"): an import
# killed at any point leaves either none of its records or (after commit)
# all of them, never a part; a stream of `set` commands killed at random
# points keeps every set that reported success. `check` is clean after each.
. tests/lib.sh
export FIELDCARD_NOW=2026-11-23T10:00:00Z
N=${CRASH_ROWS:-3000}
BASE=$T/base

# A large household file with valid ID numbers (made up).
python3 - "$N" > "$T/big.csv" <<'PY'
import sys
n = int(sys.argv[1])
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(s):
    return s + "10X98765432"[sum(int(c) * w for c, w in zip(s, W)) % 11]
print("id,province,village,village_code,head_name,head_id_number,household_type,"
      "poverty_status,main_cause,wage_income,housing_grade,relocated,safe_water,"
      "sells_online,measures")
for i in range(n):
    d, m, y = 1 + i % 28, 1 + (i // 28) % 12, 1950 + (i // 336) % 50
    print(f"01KAC{i:021d},贵州省,平桥村,522701105201,户主{i},"
          f"{idn('522701%04d%02d%02d%03d' % (y, m, d, (i // 16800) % 1000))},"
          f"general,lifted,funds,{10000 + i},A,no,yes,no,industry")
PY

"$FC" --dir "$BASE" init --role cadre --name cadre-li --village 522701105201 --lang en >/dev/null 2>&1
H=01KAH000000000000000000001
HEAD=$(make_id 52270119650312041)
printf 'id,province,village,village_code,head_name,head_id_number,household_type,poverty_status,main_cause,wage_income,housing_grade,relocated,safe_water,sells_online\n%s,贵州省,平桥村,522701105201,张三,%s,general,lifted,funds,0,A,no,yes,no\n' \
	$H "$HEAD" > "$T/one.csv"
run "$FC" --dir "$BASE" import "$T/one.csv"
is "the base store has one household" "$rc" 0

households() { "$FC" --dir "$1" export | tail -n +2 | wc -l; }

# How long a whole import takes here, so kills spread over all of it.
cp -a "$BASE" "$T/full"
start=$(date +%s%N)
run "$FC" --dir "$T/full" import "$T/big.csv"
dur_ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "the full import succeeds" "$rc" 0
is "and holds every row" "$(households "$T/full")" $((N + 1))
echo "# full import of $N rows: ${dur_ms} ms"

# ---- kill -9 during the import, at ten points spread over it ----
for k in 1 2 3 4 5 6 7 8 9 10; do
	D=$T/kill$k
	rm -rf "$D"
	cp -a "$BASE" "$D"
	at=$((dur_ms * k / 11))
	"$FC" --dir "$D" import "$T/big.csv" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	run "$FC" --dir "$D" check
	is "import killed at ${at} ms: check exits 0" "$rc" 0
	n=$(households "$D")
	ok "import killed at ${at} ms: all or nothing ($n households)" \
		test "$n" -eq 1 -o "$n" -eq $((N + 1))
	rm -rf "$D"
done

# ---- kill -9 in a stream of sets ----
RANDOM=20261123
D=$T/sets
cp -a "$BASE" "$D"
last=0
for round in 1 2 3 4 5 6; do
	: > "$T/acked"
	(
		i=$((round * 100000))
		while :; do
			i=$((i + 1))
			"$FC" --dir "$D" set $H wage_income=$i >/dev/null 2>&1 && echo $i >> "$T/acked"
		done
	) &
	loop=$!
	sleep "0.$((RANDOM % 900 + 100))"
	sleep $((RANDOM % 3))
	# The loop first (so it starts nothing new), then the set it is running.
	kill -STOP $loop 2>/dev/null
	for child in $(pgrep -P $loop); do kill -9 "$child" 2>/dev/null; done
	kill -9 $loop 2>/dev/null
	wait $loop 2>/dev/null
	acked=$(tail -1 "$T/acked")
	acked=${acked:-$last}
	got=$("$FC" --dir "$D" show $H | sed -n 's/^wage_income: //p')
	ok "round $round: every acknowledged set is there (acked $acked, stored $got)" \
		test "${got:-0}" -ge "$acked"
	ok "round $round: the stored value is one that was sent" test "${got:-0}" -ge "$last"
	run "$FC" --dir "$D" check
	is "round $round: check exits 0" "$rc" 0
	last=${got:-0}
done
exit 0
