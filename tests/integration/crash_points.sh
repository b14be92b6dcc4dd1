#!/bin/bash
# crash_points.sh — SIGKILL at points drawn from a seed in every operation
# that writes (issue 16; docs/DESIGN.md, "Hardening"): set, import, sync,
# county merge, resolve, enroll and check --rebuild. Each point starts from
# the same state (a county repository on a path, its staff's data
# directory, two cadres' devices), runs the operation and kills it, either
# at the N-th crash point it passes (FIELDCARD_CRASH_AT=*:N, the test build's
# switch; N drawn from the points a calibration run passed) or after a
# random delay within the time the operation takes, alternately. After
# each kill:
#   - `fieldcard check` is clean on every data directory the operation writes;
#   - `git fsck` is clean on the ledgers and the county repository;
#   - the operation run again completes;
#   - every change it reported saved (or that the rerun saved) is there, once.
# CRASH_POINTS (default 4) points per operation; `make soak` runs 100.
# CRASH_SEED draws them; CRASH_OPS picks operations (default all).
. tests/lib.sh
export FIELDCARD_NOW=2026-11-23T10:00:00Z
POINTS=${CRASH_POINTS:-4}
RANDOM=${CRASH_SEED:-20261123}
OPS=${CRASH_OPS:-set import sync merge resolve enroll rebuild}
W=$T/w TPL=$T/tpl
C=$W/county.git S=$W/staff A1=$W/a1 A2=$W/a2 A3=$W/a3
VA=522701105201
G() { git --git-dir="$C" "$@"; }
q() { "$FC" "$@" >/dev/null 2>&1; }

H1=01JDE5M0000000000000000001 H2=01JDE5M0000000000000000002 H3=01JDE5M0000000000000000003
HCOLS=id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
python3 - "$HCOLS" > "$T/base.csv" <<'PY'
import sys
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(s): return s + "10X98765432"[sum(int(c) * w for c, w in zip(s, W)) % 11]
print(sys.argv[1])
for i in range(1, 4):
    print(f"01JDE5M000000000000000000{i},522701105201,石门村,52270110520100{i:02d},户主{i},"
          f"{idn('52270119650312%03d' % (40 + i))},贵州省,lifted,general,illness,B,no,yes,no")
PY
python3 - "$HCOLS" > "$T/more.csv" <<'PY'
import sys
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(s): return s + "10X98765432"[sum(int(c) * w for c, w in zip(s, W)) % 11]
print(sys.argv[1])
for i in range(30):
    print(f"01JDE5N0000000000000000{i:03d},522701105201,石门村,5227011052011{i:03d},新户{i},"
          f"{idn('5227011970%02d%02d%03d' % (1 + i % 12, 1 + i % 28, 100 + i))},贵州省,lifted,general,illness,B,no,yes,no")
PY

# ---- the starting state ----
q --dir "$S" init-county "$C" --name county-wang --county 522701
for n in a1 a2 a3; do
	q --dir "$W/$n" init --role cadre --name cadre-$n --village $VA --remote "$C"
done
q --dir "$S" enroll "$A1/keys/id_ed25519.pub" --principal cadre-a1 --role cadre --village $VA
q --dir "$S" enroll "$A2/keys/id_ed25519.pub" --principal cadre-a2 --role cadre --village $VA
q --dir "$A1" import "$T/base.csv"
q --dir "$A1" sync
q --dir "$S" merge --all
q --dir "$A1" sync
q --dir "$A2" sync
ok "the starting state: three households on main, on both devices" \
	test "$("$FC" --dir "$A2" export | tail -n +2 | wc -l)" -eq 3
base=$T/state.base
cp -a "$W" "$base"

# prepare OP: from the starting state, what the operation needs first.
prepare() {
	rm -rf "$W"
	cp -a "$base" "$W"
	case $1 in
	sync)
		for h in $H1 $H2 $H3; do q --dir "$A1" set $h head_phone=13911112222; done ;;
	merge)
		for h in $H1 $H2; do q --dir "$A1" set $h head_phone=13911112222; done
		q --dir "$A1" sync ;;
	resolve)
		q --dir "$A1" set $H1 head_phone=13911112222
		q --dir "$A2" set $H1 head_phone=13733334444
		q --dir "$A1" sync
		q --dir "$A2" sync
		q --dir "$S" merge --all ;;
	esac
}
# op OP: the operation itself, in the foreground.
op() {
	case $1 in
	set) "$FC" --dir "$A1" set $H1 wage_income=4242 ;;
	import) "$FC" --dir "$A1" import "$T/more.csv" ;;
	sync) "$FC" --dir "$A1" sync ;;
	merge) "$FC" --dir "$S" merge --all ;;
	resolve) "$FC" --dir "$S" resolve $H1 head_phone --theirs ;;
	enroll) "$FC" --dir "$S" enroll "$A3/keys/id_ed25519.pub" --principal cadre-a3 --role cadre --village $VA ;;
	rebuild) "$FC" --dir "$A1" check --rebuild ;;
	esac
}
# The data directories an operation writes.
dirs_of() {
	case $1 in
	set | import | sync | rebuild) echo "$A1" ;;
	merge | resolve | enroll) echo "$S" ;;
	esac
}
count_hh() { "$FC" --dir "$1" export 2>/dev/null | tail -n +2 | wc -l; }
field() { "$FC" --dir "$1" show "$2" 2>/dev/null | sed -n "s/^$3: //p"; }
main_field() { G show "main:$(hdir $VA "$1")/household" 2>/dev/null | sed -n "s/^$2: //p"; }
# done_right OP: after the rerun, what the operation promised is there, once.
done_right() {
	case $1 in
	set) [ "$(field "$A1" $H1 wage_income)" = 4242 ] && [ "$(count_hh "$A1")" -eq 3 ] ;;
	import) [ "$(count_hh "$A1")" -eq 33 ] &&
		[ "$(sqlite3 "$A1/fieldcard.db" "select count(distinct id) = count(*) from records")" = 1 ] ;;
	sync) [ "$(sqlite3 "$A1/fieldcard.db" 'select count(*) from pending')" = 0 ] &&
		[ "$(G log --no-merges --author=cadre-a1 --format=%H batches/cadre-a1 | wc -l)" -eq "$((a1_commits + 1))" ] &&
		for h in $H1 $H2 $H3; do
			G show "batches/cadre-a1:$(hdir $VA $h)/household" | grep -q '^head_phone: 13911112222$' || return 1
		done ;;
	merge) [ "$(main_field $H1 head_phone)" = 13911112222 ] && [ "$(main_field $H2 head_phone)" = 13911112222 ] &&
		[ "$(households_in "$C" main:villages/$VA | sort | uniq -d | wc -l)" -eq 0 ] &&
		[ "$(households_in "$C" main:villages/$VA | wc -l)" -eq 3 ] &&
		[ "$(field "$S" $H1 head_phone)" = 13911112222 ] ;;
	resolve) [ "$(main_field $H1 head_phone)" = 13733334444 ] &&
		[ "$(field "$S" $H1 head_phone)" = 13733334444 ] &&
		! "$FC" --dir "$S" conflicts 2>/dev/null | grep -q "^$H1	head_phone" ;;
	enroll) [ "$(G show main:keys/allowed_signers | grep -c '^cadre-a3 ')" -eq 1 ] &&
		[ "$(G show main:keys/roster | grep -c '^cadre-a3	')" -eq 1 ] ;;
	rebuild) [ "$(count_hh "$A1")" -eq 3 ] ;;
	esac
}
# rerun OP: the operation again until it completes (a resolve or enroll
# that had already landed says so: then done_right decides).
rerun() {
	local i out rc
	for i in 1 2 3; do
		out=$(op "$1" 2>&1); rc=$?
		[ "$rc" = 0 ] && return 0
		case $1:$out in
		resolve:*"no open conflict"* | resolve:*"not found"* | enroll:*"already"*) return 0 ;;
		esac
		[ "$1:$rc" = "merge:3" ] && return 0
		echo "#   rerun $i: exit $rc: $(tail -1 <<<"$out")"
	done
	return 1
}
# whole OP: check clean and fsck clean everywhere the operation writes.
whole() {
	local d bad=0
	for d in $(dirs_of "$1"); do
		out=$("$FC" --dir "$d" check 2>&1) || { echo "#   check $d: $(tail -2 <<<"$out" | tr '\n' ' ')"; bad=1; }
		git --git-dir="$d/ledger.git" fsck --no-progress --no-dangling >/dev/null 2>&1 ||
			{ echo "#   git fsck $d/ledger.git fails"; bad=1; }
	done
	git --git-dir="$C" fsck --no-progress --no-dangling >/dev/null 2>&1 || { echo "#   git fsck $C fails"; bad=1; }
	return $bad
}

total=0 failures=0
for o in $OPS; do
	# Calibration: the points the operation passes, and its time.
	prepare "$o"
	a1_commits=$(G log --no-merges --author=cadre-a1 --format=%H batches/cadre-a1 2>/dev/null | wc -l)
	rm -f "$T/points"
	t0=$(date +%s%N)
	FIELDCARD_CRASH_LOG=$T/points op "$o" >"$T/cal.out" 2>&1
	crc=$?
	dur=$(( ($(date +%s%N) - t0) / 1000000 ))
	K=$(wc -l < "$T/points" 2>/dev/null || echo 0)
	if [ "$o" = resolve ] || [ "$o" = merge ]; then [ "$crc" = 0 ] || [ "$crc" = 3 ]; else [ "$crc" = 0 ]; fi
	ok "$o: runs whole (exit $crc, $K crash points, $dur ms)" test $? -eq 0
	[ "$crc" = 0 ] || [ "$crc" = 3 ] || sed 's/^/#   /' "$T/cal.out" | tail -3
	ok "$o: what it promised is there" done_right "$o"
	[ "$K" -gt 0 ] || K=1
	fails=0
	for i in $(seq 1 "$POINTS"); do
		prepare "$o"
		if [ $((i % 2)) = 1 ]; then
			c=$(( RANDOM % K + 1 ))
			how="crash point $c of $K"
			FIELDCARD_CRASH_AT="*:$c" op "$o" >"$T/kill.out" 2>&1
			krc=$?
		else
			ms=$(( (RANDOM * 32768 + RANDOM) % (dur + 1) ))
			how="SIGKILL after $ms ms"
			op "$o" >"$T/kill.out" 2>&1 &
			pid=$!
			sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
			kill -9 $pid 2>/dev/null
			wait $pid 2>/dev/null
			krc=$?
		fi
		[ "$krc" = 137 ] && how="$how (killed)" || how="$how (exit $krc)"
		point_ok=1
		whole "$o" || { point_ok=0; echo "#   ^ after the kill"; }
		rerun "$o" || { point_ok=0; echo "#   the rerun does not complete"; }
		whole "$o" || { point_ok=0; echo "#   ^ after the rerun"; }
		done_right "$o" || { point_ok=0; echo "#   the result is wrong after the rerun"; }
		total=$((total + 1))
		if [ $point_ok = 1 ]; then
			[ "$POINTS" -le 10 ] && echo "# $o: $how: whole, completes on rerun"
		else
			fails=$((fails + 1))
			echo "# $o: FAILED at $how"
			sed 's/^/#   | /' "$T/kill.out" | tail -3
			[ -n "${KEEP_FAIL:-}" ] && cp -a "$W" "$T/../crash-fail-$o-$i"
		fi
	done
	failures=$((failures + fails))
	is "$o: $POINTS kills ($K crash points), each whole and completed by a rerun" "$fails" 0
done
echo "# $total kills in all, $failures failed"
echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
