#!/bin/bash
# compare.sh — comparison with other departments' lists (issue 10, item 7)
# on a county of two villages served by a real git daemon on loopback: a
# vehicle list naming a head, a member, a person in the other village and a
# stranger gives three flags on the right households, signed by the
# county; the stranger's ID number is found nowhere (data directory,
# ledger, county repository, their whole history); the same list twice
# flags nothing twice; the cadre of village A receives its village's flags
# only, confirms one and dismisses one, and the county sees both decisions
# after the merge; a disability certificate number matches its holder, a
# member marked as left is not flagged; every kind of bad list is refused
# with FILE:LINE and nothing stored; an unknown kind names the defined
# ones; a cadre may not compare.
. tests/lib.sh
# The stored flags: what the rules raise today (flag id HOUSEHOLD/KIND,
# checks.sh's) is left out; the exit code is fieldcard's.
fcflags() {
	local o r
	o=$("$FC" "$@"); r=$?
	[ -z "$o" ] || awk -F'\t' '$2 !~ /\//' <<<"$o"
	return $r
}
. tests/integration/servers.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0
export FIELDCARD_NOW=2026-11-23T10:00:00Z TZ=Asia/Shanghai

C=$T/county.git S=$T/staff A=$T/a B=$T/b
VA=522701105201 VB=522701105202
say() { [ "$rc" = "$1" ] || echo "$out" | sed 's/^/# /'; }

run "$FC" --dir "$S" init-county "$C" --name county-wang --county 522701
is "init-county exits 0" "$rc" 0
srv_git_daemon "$T" || exit 1
URL="git://127.0.0.1:$GITD_PORT/county.git"
for d in a:$A:$VA b:$B:$VB; do
	IFS=: read -r n dir v <<<"$d"
	"$FC" --dir "$dir" init --role cadre --name cadre-$n --village "$v" --remote "$URL" >/dev/null 2>&1
	"$FC" --dir "$S" enroll "$dir/keys/id_ed25519.pub" --principal cadre-$n --role cadre --village "$v" >/dev/null 2>&1
done
git --git-dir="$C" show main:keys/allowed_signers >"$T/signers"
sgit() { git --git-dir="$C" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/signers" "$@"; }

HCOLS=id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
household() { # dir id village code name idnumber
	printf '%s\n%s,%s,石门村,%s,%s,%s,贵州省,lifted,general,funds,B,no,yes,no\n' \
		"$HCOLS" "$2" "$3" "$4" "$5" "$6" >"$T/hh-$2.csv"
	"$FC" --dir "$1" import "$T/hh-$2.csv" >/dev/null 2>&1
}
MCOLS=id,parent,name,sex,id_number,birth_date,relationship,health,labour_ability,medical_insurance,school_status,member_status,left_reason
member() { # dir id parent name idnumber relation [status reason]
	printf '%s\n%s,%s,%s,,%s,,%s,healthy,normal,yes,not_in_school,%s,%s\n' \
		"$MCOLS" "$2" "$3" "$4" "$5" "$6" "${7:-present}" "${8:-}" >"$T/m-$2.csv"
	"$FC" --dir "$1" import "$T/m-$2.csv" --form member >/dev/null 2>&1
}
sync_ok() { run "$FC" --dir "$1" sync; is "$2" "$rc" 0; say 0; }
main_of() { git --git-dir="$C" rev-parse main; }

H1=01JDE5M0000000000000000001 H2=01JDE5M0000000000000000002 HB=01JDE5M0000000000000000003
M0=01JDE5M0000000000000000100 M1=01JDE5M0000000000000000101 M2=01JDE5M0000000000000000102
ID1=$(make_id 52270119650312041) ID2=$(make_id 52270119900101062) ID3=$(make_id 52270119800808043)
IDX=$(make_id 52270119770707071) IDL=$(make_id 52270119400505062) ID5=$(make_id 52270119720202041)
household "$A" $H1 $VA 5227011052010001 张三 "$ID1"
household "$A" $H2 $VA 5227011052010002 赵六 "$ID5"
member "$A" $M0 $H1 张三 "$ID1" head
member "$A" $M1 $H1 刘芳 "$ID2" spouse
member "$A" $M2 $H1 张奶奶 "$IDL" mother left deceased
household "$B" $HB $VB 5227011052020001 李四 "$ID3"
sync_ok "$A" "cadre A sends village A"
sync_ok "$B" "cadre B sends village B"
run "$FC" --dir "$S" merge --all
is "the county merges both batches" "$rc" 0; say 0

# ---- a vehicle list: a head, a member, another village, a stranger ----
# H1's head is in its roster too (relationship head): one person, one
# flag, on the member record. HB's head is not: the flag is the household's.
printf '身份证号,姓名,号牌号码,车辆类型\n%s,张三,黔J12345,小型轿车\n%s,刘芳,黔J67890,小型轿车\n%s,李四,黔J11111,重型货车\n%s,王小五,黔A99999,小型轿车\n' \
	"$ID1" "$ID2" "$ID3" "$IDX" >"$T/veh.csv"
MB=$(main_of)
run "$FC" --dir "$S" compare "$T/veh.csv" --source vehicle
is "compare exits 0" "$rc" 0; say 0
like "it tells the counts: 3 hits, 1 row matched nobody" "$out" \
	"veh.csv 车辆登记: 4 rows, 3 hits, 3 new flags on 2 households, 0 already flagged, 1 row matched nobody"
ok "its output names nobody's ID number" bash -c "! grep -qE '$ID1|$ID2|$ID3|$IDX' <<<'$out'"
ok "main moved" test "$(main_of)" != "$MB"
like "one commit on main says what it is" "$(git --git-dir="$C" log -1 --format=%s main)" \
	"Compare veh.csv 车辆登记: 3 flag\(s\) on 2 household\(s\)"
CMP=$(git --git-dir="$C" log -1 --format=%H --grep='^Compare veh.csv' main)
run sgit verify-commit "$CMP"
is "stock git verify-commit accepts the county's compare commit" "$rc" 0
like "... signed by the county principal" "$out" 'Good "git" signature for county-wang'
run "$FC" --dir "$S" verify
is "fieldcard verify of the county's history exits 0" "$rc" 0; say 0

run fcflags --dir "$S" flags
is "flags at the county exits 0" "$rc" 0
is "three flags are listed (and the header)" "$(wc -l <<<"$out")" 4
like "the head of H1 is flagged, ID masked" "$out" "$H1	[0-9A-Z]{26}	vehicle	open	522701\*{8}${ID1: -4} 张三	该成员名下登记有机动车，请核实家庭经济状况"
like "the member of H1 is flagged" "$out" "$H1	[0-9A-Z]{26}	vehicle	open	522701\*{8}${ID2: -4} 刘芳"
like "the head in village B is flagged on HB" "$out" "$HB	[0-9A-Z]{26}	vehicle	open	522701\*{8}${ID3: -4} 李四"
ok "no full ID number is printed" bash -c "! grep -qE '$ID1|$ID2|$ID3' <<<'$out'"
is "H2 has no flag" "$(grep -c "^$H2" <<<"$out")" 0
F_HEAD=$(awk -F'\t' -v h=$H1 '$1==h && $5 ~ /张三/ {print $2}' <<<"$out")
F_MEM=$(awk -F'\t' -v h=$H1 '$1==h && $5 ~ /刘芳/ {print $2}' <<<"$out")
F_B=$(awk -F'\t' -v h=$HB '$1==h {print $2}' <<<"$out")

# The stored records, beside the household's others in the ledger.
FH=$(git --git-dir="$C" show "main:$(hdir $VA $H1)/flags/$F_HEAD")
like "the head's flag is a flag record of H1" "$FH" "^form: flag 2026\.[0-9.]+
id: $F_HEAD
parent: $H1
flag_kind: vehicle
flag_member: $M0
flag_reason: 该成员名下登记有机动车，请核实家庭经济状况
flag_facts: 姓名: 张三; 号牌号码: 黔J12345; 车辆类型: 小型轿车
flag_source: veh.csv 车辆登记
flag_date: 2026-11-23
flag_state: open"
like "the member's flag names the member record" \
	"$(git --git-dir="$C" show "main:$(hdir $VA $H1)/flags/$F_MEM")" "flag_member: $M1"
like "village B's flag lies in village B, on the household (its head is in no roster)" \
	"$(git --git-dir="$C" show "main:$(hdir $VB $HB)/flags/$F_B")" \
	"flag_member:
flag_reason: 该成员名下登记有机动车，请核实家庭经济状况
flag_facts: 姓名: 李四; 号牌号码: 黔J11111; 车辆类型: 重型货车"
ok "the flag's ID number is not in its record" bash -c "! git --git-dir='$C' show 'main:$(hdir $VA $H1)/flags/$F_HEAD' | grep -q '$ID1'"
like "the county's show of H1 lists its flags" "$("$FC" --dir "$S" show $H1)" \
	"flags:
$H1	$F_HEAD	vehicle	open	522701\*+${ID1: -4} 张三	.*
  facts: 姓名: 张三; 号牌号码: 黔J12345; 车辆类型: 小型轿车
  source: veh.csv 车辆登记, raised 2026-11-23"
run "$FC" --dir "$S" check
is "the county's check is clean with the flags" "$rc" 0; say 0

# ---- the stranger is kept nowhere ----
nowhere() { # needle description
	ok "$2: not in the county's data directory (grep -r)" bash -c "! grep -rqa -- '$1' '$S'"
	ok "$2: not in the county repository's files (grep -r)" bash -c "! grep -rqa -- '$1' '$C'"
	ok "$2: not in the county repository's history (git log -p --all)" \
		bash -c "! git --git-dir='$C' log -p --all | grep -q -- '$1'"
	ok "$2: not in the county ledger's history (git log -p --all)" \
		bash -c "! git --git-dir='$S/ledger.git' log -p --all | grep -q -- '$1'"
	ok "$2: not in any object of the repository (cat-file --batch-all-objects)" \
		bash -c "! git --git-dir='$C' cat-file --batch-all-objects --batch | grep -qa -- '$1'"
}
nowhere "$IDX" "the stranger's ID number"
nowhere "${IDX:0:17}" "the stranger's ID number without its check digit"
nowhere "王小五" "the stranger's name"
nowhere "黔A99999" "the stranger's plate"

# ---- the same list again flags nothing twice ----
M1C=$(main_of)
run "$FC" --dir "$S" compare "$T/veh.csv" --source vehicle
is "compare again exits 0" "$rc" 0; say 0
like "it says the three are already flagged" "$out" "3 hits, 0 new flags on 0 households, 3 already flagged, 1 row matched nobody"
is "main did not move" "$(main_of)" "$M1C"
is "still three flags" "$(fcflags --dir "$S" flags | tail -n +2 | wc -l)" 3

# ---- a disability certificate matches its holder; a member who left does not match ----
printf '残疾人证号,残疾类别,残疾等级\n%s11,肢体,二级\n%s,视力,一级\n' "$ID2" "$IDL" >"$T/cdpf.csv"
run "$FC" --dir "$S" compare "$T/cdpf.csv" --source disability
is "a disability list: compare exits 0" "$rc" 0; say 0
like "the 20-digit certificate matches the member; the member who left is not flagged" "$out" \
	"2 rows, 1 hit, 1 new flag on 1 household, 0 already flagged, 0 rows matched nobody, 1 only members marked as left \(not flagged\)"
like "the disability flag is on the member" "$(fcflags --dir "$S" flags)" "$H1	[0-9A-Z]{26}	disability	open	522701\*+${ID2: -4} 刘芳	残联名单显示该成员持有残疾人证"
F_DIS=$(fcflags --dir "$S" flags | awk -F'\t' '$3=="disability" {print $2}')

# ---- a new device of village A receives households and flags at once ----
# (flags/ sorts before the household file: the store takes the flags last)
SEC=$T/sec
"$FC" --dir "$SEC" init --role secretary --name sec-a --village "$VA" --remote "$URL" >/dev/null 2>&1
"$FC" --dir "$S" enroll "$SEC/keys/id_ed25519.pub" --principal sec-a --role secretary --village "$VA" >/dev/null 2>&1
sync_ok "$SEC" "a new secretary device's first sync brings village A with its flags"
is "... it lists village A's three flags" "$(fcflags --dir "$SEC" flags | tail -n +2 | wc -l)" 3
run "$FC" --dir "$SEC" check
is "... and its check is clean" "$rc" 0; say 0

# ---- the cadre of village A: its flags only, decided, sent back ----
sync_ok "$A" "cadre A syncs and receives the flags"
run fcflags --dir "$A" flags
is "flags on device A exits 0" "$rc" 0
is "device A lists village A's three flags only" "$(tail -n +2 <<<"$out" | wc -l)" 3
ok "... not village B's" bash -c "! grep -q '$HB' <<<'$out'"
ok "village B's flag is not on device A at all" bash -c "! grep -rqa -- '$F_B' '$A'"
run fcflags --dir "$A" flags --village $VB
is "flags --village of another village exits 1" "$rc" 1
like "... saying it is not this device's village" "$out" "village $VB is not one of this device's villages \($VA\)"
run fcflags --dir "$A" flags --open
is "--open lists the open ones" "$(tail -n +2 <<<"$out" | wc -l)" 3
run "$FC" --dir "$A" flags confirm "$F_HEAD"
is "confirm without --note is a usage error" "$rc" 2
run "$FC" --dir "$A" flags confirm "$F_HEAD" --note "   "
is "confirm with a note of spaces exits 1" "$rc" 1
like "... a note is needed" "$out" "a note is needed"
run "$FC" --dir "$A" flags confirm 01JDE5M0000000000000009999 --note x
is "an unknown flag exits 1" "$rc" 1
like "... naming it" "$out" "no flag 01JDE5M0000000000000009999"
run "$FC" --dir "$A" flags confirm "$F_HEAD" --note "户主名下确有小型轿车一辆，已入户核实"
is "confirm exits 0" "$rc" 0; say 0
like "... and says so" "$out" "$F_HEAD confirmed"
run "$FC" --dir "$A" flags dismiss "$F_MEM" --reason "车辆已于2025年过户他人，见过户证明"
is "dismiss exits 0" "$rc" 0; say 0
run fcflags --dir "$A" flags --open
is "one flag is still open on device A" "$(tail -n +2 <<<"$out" | wc -l)" 1
run "$FC" --dir "$A" set "$F_HEAD" flag_state=open
is "set cannot type a flag's state" "$rc" 1
like "... it is read-only" "$out" "read-only"
like "the household's type did not move with the decision" "$("$FC" --dir "$A" show $H1)" "household_type: general"
sync_ok "$A" "cadre A sends its decisions"
BEFORE=$(fcflags --dir "$A" flags)
run "$FC" --dir "$A" check --rebuild
is "device A rebuilds its store from the ledger" "$rc" 0; say 0
is "... and lists the same flags, decisions and all" "$(fcflags --dir "$A" flags)" "$BEFORE"
run "$FC" --dir "$S" merge --all
is "the county merges the decisions" "$rc" 0; say 0
run fcflags --dir "$S" flags
like "the county sees the confirmation" "$out" "$H1	$F_HEAD	vehicle	confirmed	"
like "the county sees the dismissal" "$out" "$H1	$F_MEM	vehicle	dismissed	"
like "village B's flag is still open" "$out" "$HB	$F_B	vehicle	open	"
like "the county's show has who decided, when, and the note" "$("$FC" --dir "$S" show $H1)" \
	"confirmed by cadre-a at 2026-11-23T10:00:00Z: 户主名下确有小型轿车一辆，已入户核实"
like "... and the reason of the dismissal" "$("$FC" --dir "$S" show $H1)" \
	"dismissed by cadre-a at 2026-11-23T10:00:00Z: 车辆已于2025年过户他人，见过户证明"
like "main's flag record holds the decision" "$(git --git-dir="$C" show "main:$(hdir $VA $H1)/flags/$F_HEAD")" \
	"flag_state: confirmed
flag_note: 户主名下确有小型轿车一辆，已入户核实
flag_by: cadre-a
flag_at: 2026-11-23T10:00:00Z"
run sgit verify-commit main
is "the merge of the decisions is signed" "$rc" 0
run sgit verify-commit "$(git --git-dir="$C" log -1 --format=%H --no-merges batches/cadre-a)"
is "the decisions are a commit signed by cadre A" "$rc" 0
like "... by cadre-a" "$out" 'Good "git" signature for cadre-a'

# A change of mind is a new signed edit; the county decides one itself.
export FIELDCARD_NOW=2026-11-24T09:00:00Z
sync_ok "$A" "cadre A syncs after the merge"
run "$FC" --dir "$A" flags dismiss "$F_DIS" --reason "证件号码登记错误，非本人"
is "the disability flag dismissed" "$rc" 0
sync_ok "$A" "... and sent"
run "$FC" --dir "$S" flags confirm "$F_B" --note "县车管所核实：车辆登记在李四名下"
is "county staff confirm village B's flag themselves" "$rc" 0; say 0
like "... a signed commit on main" "$(git --git-dir="$C" log -1 --format=%s main)" "Flag $F_B on household $HB: confirmed"
run sgit verify-commit main
is "... that stock git verifies" "$rc" 0
like "... holding the decision" "$(git --git-dir="$C" show "main:$(hdir $VB $HB)/flags/$F_B")" "flag_state: confirmed
flag_note: 县车管所核实：车辆登记在李四名下
flag_by: county-wang
flag_at: 2026-11-24T09:00:00Z"
like "the county's list shows it at once" "$(fcflags --dir "$S" flags)" "$HB	$F_B	vehicle	confirmed"
sync_ok "$B" "cadre B syncs"
like "cadre B receives the county's decision" "$(fcflags --dir "$B" flags)" "$HB	$F_B	vehicle	confirmed"
run "$FC" --dir "$S" merge --all
is "the county merges A's change of mind" "$rc" 0; say 0
like "... and sees it" "$(fcflags --dir "$S" flags)" "$F_DIS	disability	dismissed"

# ---- bad lists: FILE:LINE, what is wrong, nothing stored ----
FLAGS0=$(fcflags --dir "$S" flags) MAIN0=$(main_of)
refused() { # file description pattern [kind]
	run "$FC" --dir "$S" compare "$1" --source "${4:-vehicle}"
	is "$2: compare exits 1" "$rc" 1
	like "$2: the message names FILE:LINE and what is wrong" "$out" "$3"
	is "$2: main did not move" "$(main_of)" "$MAIN0"
	is "$2: no flag was added" "$(fcflags --dir "$S" flags)" "$FLAGS0"
}
BAD=$(make_id 52270119650312041 | sed 's/.$/0/')
[ "$BAD" = "$ID1" ] && BAD=${ID1:0:17}1
printf '身份证号,姓名,号牌号码\n%s,张三,黔J00001\n%s,张三,黔J00002\n' "$ID1" "$BAD" >"$T/badid.csv"
refused "$T/badid.csv" "a bad check digit" "badid.csv:3: ID number 522701\*+${BAD: -4}: wrong check digit"
ok "... the bad number is masked" bash -c "! grep -q '$BAD' <<<'$out'"
ok "... the good row's person is not flagged either" bash -c "! git --git-dir='$C' log -p main | grep -q '黔J00001'"
printf '姓名,号牌号码\n张三,黔J00001\n' >"$T/noid.csv"
refused "$T/noid.csv" "no ID-number column" "noid.csv:1: no ID-number column: the header has none of 身份证号, 身份证号码, 证件号码"
printf '身份证号,姓名,号牌号码\n%s,张三,黔J00001,多余\n' "$ID1" >"$T/cells.csv"
refused "$T/cells.csv" "a row with a cell too many" "cells.csv:2: 4 cells, but the header has 3 columns"
printf '身份证号,姓名,身份证号\n%s,张三,%s\n' "$ID1" "$ID1" >"$T/twoid.csv"
refused "$T/twoid.csv" "two ID-number columns" "twoid.csv:1: two ID-number columns"
printf '身份证号,姓名,号牌号码\n%s,张三,黔J00001\n%s,刘芳,黔J00002\n%s,张三,黔J00001\n' "$ID1" "$ID2" "$ID1" >"$T/dup.csv"
refused "$T/dup.csv" "a duplicate row" "dup.csv:4: the same row as line 2"
: >"$T/empty.csv"
refused "$T/empty.csv" "an empty file" "empty.csv:1: the file is empty"
printf '身份证号,姓名\n' >"$T/header.csv"
refused "$T/header.csv" "a header and no rows" "header.csv:1: a header and no rows"
printf '身份证号,姓名\n,张三\n' >"$T/noval.csv"
refused "$T/noval.csv" "a row without its ID number" "noval.csv:2: no ID number in this row"
printf 'PK\003\004\024\000\000\000\010\000' >"$T/list.xlsx"
refused "$T/list.xlsx" "a workbook, not CSV" "list.xlsx:1: the file is an Excel workbook \(.xlsx\) or another zip file, not CSV"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$T/photo.csv"
refused "$T/photo.csv" "a binary file" "photo.csv:1: the file is not a CSV text file"
printf '身份证号,姓名\n%s,\xd5\xc5\xc8\xfd\n' "$ID1" >"$T/gbk.csv"
refused "$T/gbk.csv" "a CSV in GBK, not UTF-8" "gbk.csv:2: .*UTF-8"
printf '身份证号,姓名\n"%s,张三\n' "$ID1" >"$T/quote.csv"
refused "$T/quote.csv" "a broken quote" "quote.csv:2: "
refused "$T/veh.csv" "an unknown kind" \
	"unknown source kind 'boats': .*compare.csv defines vehicle, real_estate, business, payroll, medical_insurance, school, disability, death" boats
run "$FC" --dir "$A" compare "$T/veh.csv" --source vehicle
is "a cadre may not compare: exit 1" "$rc" 1
like "... it is county staff's work" "$out" "compare is county staff's work: this data directory's role is cadre"
run "$FC" --dir "$S" compare "$T/veh.csv"
is "compare without --source is a usage error" "$rc" 2
run "$FC" --dir "$S" compare "$T/nosuch.csv" --source vehicle
is "a missing file exits 1" "$rc" 1
like "... naming it" "$out" "nosuch.csv: cannot open the list"

run "$FC" form check forms/compare.csv
is "form check of the shipped compare.csv exits 0" "$rc" 0
like "... counting its kinds" "$out" "ok: forms/compare.csv, 8 kinds of list"
printf 'kind,label::zh,effect,check,text::zh,id_columns\nvehicle,车辆,against,,x,身份证号\nboat,船,sideways,,y,身份证号\nvehicle,车,confirms,medical,z,身份证号\ndeath,死亡,contradicts,alive,w,身份证号\n' >"$T/compare.csv"
run "$FC" form check "$T/compare.csv"
is "form check of a bad compare.csv exits 1" "$rc" 1
like "... a bad effect, with FILE:LINE" "$out" "compare.csv:3: effect of 'boat' must be against, confirms or contradicts, not 'sideways'"
like "... a kind twice" "$out" "compare.csv:4: kind 'vehicle' twice \(first on line 2\)"
like "... an unknown check" "$out" "compare.csv:5: kind 'death' contradicts a check: check must be one of"

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
