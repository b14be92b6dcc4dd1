#!/bin/bash
# ui_checks.sh — the checks on the card and in the list (issue 10, item 3).
# Four households imported with hand-chosen values: one passing everything,
# one a yuan a head under the 2026 line, one in a grade-C house not
# relocated, one whose income year (2020) has no line in forms/rules.csv.
# The card's checks section shows each check's state and reason, the
# missing line, the suggestion and the warnings, as `show` prints them; the
# list marks the failing ones and filters by a check; a save from the form
# comes back to a card that checks again; a dismissed warning shows as a
# flag. At 80×24, then at 40×10 (nothing
# wider than the terminal, the section read whole by scrolling).
. tests/lib.sh
. tests/e2e/ui.inc
export FIELDCARD_NOW=2026-11-23T10:00:00Z TZ=Asia/Shanghai
D=$T/cadre
"$FC" --dir "$D" init --role cadre --name cadre-li --village 522701105201 --lang zh \
	>/dev/null 2>"$T/init.err"
ok "init a cadre's data directory (Chinese)" test -d "$D/ledger.git"

# The shipped forms/rules.csv has the line *,2026: poverty 5000, monitoring
# 8200, no visit for 90 days warns; no line for 2020. Two members present in
# each household (the head and the spouse), both insured, of working age.
# net_income = wage + migrant + business + transfer + property - production
# cost - out-of-pocket; income_per_head = net_income / members present:
#   HM-101  12000 + 6000 + 2000 = 20000 / 2 = 10000  (over both lines)
#   HM-102   6000 + 3998        =  9998 / 2 =  4999  (one yuan under 5000)
#   HM-103  as HM-101, housing grade C, not relocated
#   HM-104  as HM-101, income year 2020 (no line)
H1=01KAHC00000000000000000001
H2=01KAHC00000000000000000002
H3=01KAHC00000000000000000003
H4=01KAHC00000000000000000004
head_id() { make_id "52270119700101${1}11"; }   # 17th digit odd: male
spouse_id() { make_id "52270119720202${1}22"; } # even: female
{
	echo id,province,village,village_code,household_code,head_name,head_id_number,household_type,poverty_status,main_cause,housing_grade,relocated,safe_water,sells_online,income_year,wage_income,business_income,transfer_income
	echo "$H1,贵州省,花茂村,522701105201,HM-101,全通过,$(head_id 1),general,lifted,labour,A,no,yes,no,2026,12000,6000,2000"
	echo "$H2,贵州省,花茂村,522701105201,HM-102,差一元,$(head_id 2),general,lifted,labour,B,no,yes,no,2026,6000,3998,"
	echo "$H3,贵州省,花茂村,522701105201,HM-103,危房户,$(head_id 3),general,lifted,labour,C,no,yes,no,2026,12000,6000,2000"
	echo "$H4,贵州省,花茂村,522701105201,HM-104,无收入线,$(head_id 4),general,not_lifted,labour,A,no,yes,no,2020,12000,6000,2000"
} > "$T/hh.csv"
{
	echo id,parent,name,sex,id_number,birth_date,relationship,health,labour_ability,medical_insurance,school_status
	for i in 1 2 3 4; do
		h=H$i
		echo "01KAMC0000000000000000000$i,${!h},户主$i,male,$(head_id "$i"),1970-01-01,head,healthy,normal,yes,not_in_school"
		echo "01KAMC0000000000000000001$i,${!h},配偶$i,female,$(spouse_id "$i"),1972-02-02,spouse,healthy,normal,yes,not_in_school"
	done
} > "$T/m.csv"
# Visits on 2026-11-01 for the first two: no "no visit" warning for them.
cat > "$T/v.jsonl" <<JSONL
{"form":"visit","id":"01KAVC00000000000000000001","parent":"$H1","fields":{"visit_date":"2026-11-01","visitors":"马磊","purpose":"regular","sudden_event":"none"}}
{"form":"visit","id":"01KAVC00000000000000000002","parent":"$H2","fields":{"visit_date":"2026-11-01","visitors":"马磊","purpose":"regular","sudden_event":"none"}}
JSONL
run "$FC" --dir "$D" import "$T/hh.csv"
is "four households imported" "$rc" 0
run "$FC" --dir "$D" import "$T/m.csv" --form member
is "eight members imported" "$rc" 0
run "$FC" --dir "$D" import "$T/v.jsonl"
is "two visits imported" "$rc" 0

# ---- what the store says (`show`), by hand ----
show_checks() { "$FC" --dir "$D" show "$1" 2>&1 | sed -n '/^--- checks/,$p'; }
like "show: HM-101 income per head 10000" "$("$FC" --dir "$D" show $H1)" $'\nincome_per_head: 10000\n'
like "show: HM-102 income per head 4999" "$("$FC" --dir "$D" show $H2)" $'\nincome_per_head: 4999\n'
is "show: HM-101 fails nothing" "$(show_checks $H1 | grep -cE ' (fail|unknown) ')" 0
like "show: HM-102 income fails" "$(show_checks $H2)" "income +fail +吃穿不愁（收入）: 人均纯收入 4999.00 元低于 2026 年收入线 5000 元"
like "show: HM-103 housing fails" "$(show_checks $H3)" "housing +fail +住房安全保障: 住房安全等级为 C，且未易地搬迁"
like "show: HM-104 has no line" "$(show_checks $H4)" "no_income_line +.*rules.csv 中没有贵州省 2020 年的收入线"
like "show: HM-104 income unknown" "$(show_checks $H4)" "income +unknown "

# ---- helpers on the screen ----
# The screen with every space taken out: a wrapped reason reads whole.
flat() { tr -d ' \n'; }
nosp() { printf '%s' "$1" | tr -d ' '; }
mark_of() { case $1 in pass) echo 通过 ;; fail) echo 未通过 ;; *) echo 无法判断 ;; esac; }
# agree TEXT ID: every line `show` prints under "--- checks" is in TEXT (the
# card's section as read from the screen): each check's mark before its
# label and its reason, the missing line, the suggestion, each warning.
agree() {
	local text=$1 id=$2 bad=0 code state rest label reason line
	while IFS= read -r line; do
		if [[ $line =~ ^(income|education|medical|housing|water)\ +(pass|fail|unknown)\ +(.*)$ ]]; then
			state=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
			label=${rest%%: *}
			reason=; [[ $rest == *": "* ]] && reason=${rest#*: }
			grep -qE "^ $(mark_of "$state") +$label" <<<"$text" ||
				{ echo "# no '$(mark_of "$state") $label' on the card"; bad=1; }
			if [ -n "$reason" ] && [[ $(flat <<<"$text") != *"$(nosp "$label：$reason")"* ]]; then
				echo "# reason not on the card: $reason"; bad=1
			fi
		elif [[ $line =~ ^suggested\ +[a-z]+\ +([^:]*):\ (.*)$ ]]; then
			[[ $(flat <<<"$text") == *"$(nosp "建议纳入监测：${BASH_REMATCH[1]} — ${BASH_REMATCH[2]}")"* ]] ||
				{ echo "# suggestion not on the card: $line"; bad=1; }
		elif [[ $line =~ ^warning\ +no_income_line\ +(.*)$ ]]; then
			[[ $(flat <<<"$text") == *"$(nosp "!${BASH_REMATCH[1]}")"* ]] ||
				{ echo "# missing line not on the card: $line"; bad=1; }
		elif [[ $line =~ ^warning\ +[a-z_]+\ +(.*)$ ]]; then
			[[ $(flat <<<"$text") == *"$(nosp "预警：${BASH_REMATCH[1]}")"* ]] ||
				{ echo "# warning not on the card: $line"; bad=1; }
		fi
	done < <(show_checks "$id")
	[ $bad -eq 0 ] || sed 's/^/#   | /' <<<"$text"
	return $bad
}
# The card's section at 80×24: from its heading to the first group.
section() { ui_screen | sed -n '/-- 核查/,/^ -- 地址 --/p'; }
# open_card CODE NAME: from the list, by search, then back to the list.
open_card() {
	ui_keys /; ui_type "$1"
	ui_wait "户数： 1" || return 1
	ui_keys Enter Enter
	ui_wait "$1  $2"
}
back_to_list() { ui_keys Escape; ui_wait "户数： 1" && ui_keys Escape && ui_wait "户数： 4"; }

# ---- 80×24 ----
ui_start "$D"
ok "home" ui_wait "522701105201"
ui_keys Enter
ok "list of four" ui_wait "户数： 4"
s=$(ui_screen)
like "list header has the checks column" "$s" "户编号 +户主 +核查"
like "HM-101: no mark" "$s" "HM-101 +全通过 +522701"
like "HM-102: one failing check" "$s" "HM-102 +差一元 +1 +522701"
like "HM-103: one failing check" "$s" "HM-103 +危房户 +1 +522701"
like "HM-104: ? (no income line)" "$s" "HM-104 +无收入线 +\? +522701"
like "the key line lists c" "$s" "c 核查"

ok "HM-101's card" open_card HM-101 全通过
s=$(section)
like "HM-101: heading says all pass" "$s" "-- 核查（2026-11-23）：全部通过 --"
is "HM-101: five checks pass" "$(grep -cE '^ 通过 ' <<<"$s")" 5
ok "HM-101: the card agrees with show" agree "$s" $H1
[[ $s == *建议纳入监测* || $s == *预警* ]] && ok "HM-101: no suggestion, no warning" false ||
	ok "HM-101: no suggestion, no warning" true
ok "back to the list" back_to_list

ok "HM-102's card" open_card HM-102 差一元
s=$(section)
like "HM-102: heading counts one failing" "$s" "-- 核查（2026-11-23）：1 项未通过 --"
like "HM-102: income fails with the hand-computed figures" "$s" \
	"未通过 +吃穿不愁（收入）：人均纯收入 4999.00 元低于 2026 年收入线 5000 元"
like "HM-102: the others pass" "$s" "通过 +义务教育保障"
like "HM-102: monitoring suggested by the category's label" "$s" \
	"建议纳入监测：脱贫不稳定户 — 已脱贫，人均纯收入 4999.00 元低于"
ok "HM-102: the card agrees with show" agree "$s" $H2
ok "back to the list" back_to_list

ok "HM-103's card" open_card HM-103 危房户
s=$(section)
like "HM-103: housing fails with its reason" "$s" "未通过 +住房安全保障：住房安全等级为 C，且未易地搬迁"
like "HM-103: income passes" "$s" "通过 +吃穿不愁（收入）"
like "HM-103: early warning: no visit" "$s" "预警：没有走访记录"
ok "HM-103: the card agrees with show" agree "$s" $H3
ok "back to the list" back_to_list

ok "HM-104's card" open_card HM-104 无收入线
s=$(section)
like "HM-104: heading counts one unknown" "$s" "-- 核查（2026-11-23）：1 项无法判断 --"
like "HM-104: the missing line is shown" "$s" "! .*rules.csv 中没有贵州省 2020 年的收入线"
like "HM-104: income cannot be judged" "$s" "无法判断 +吃穿不愁（收入）："
ok "HM-104: the card agrees with show" agree "$s" $H4
ok "back to the list" back_to_list

# ---- the filter ----
ui_keys c
ok "c asks which check" ui_wait "筛选哪一项核查未通过的农户？"
ui_keys 2
ok "income: one household" ui_wait "户数： 1"
s=$(ui_screen)
like "the title line says the filter is on" "$(sed -n 2p <<<"$s")" "\[未通过：吃穿不愁（收入）\]"
like "it is HM-102" "$s" "HM-102 +差一元"
is "no other household" "$(grep -cE 'HM-10[134]' <<<"$s")" 0
ui_keys Escape
ok "Esc clears it: four again" ui_wait "户数： 4"
[[ $(ui_screen) == *"[未通过"* ]] && ok "the title line no longer says it" false ||
	ok "the title line no longer says it" true
ui_keys c 5
ok "housing: one household" ui_wait "户数： 1"
like "it is HM-103" "$(ui_screen)" "HM-103 +危房户"
ui_keys c
ok "c again clears it" ui_wait "户数： 4"
ui_keys c 1
ok "any check: three households" ui_wait "户数： 3"
s=$(ui_screen)
like "the title says any check" "$s" "\[有未通过的核查项\]"
is "HM-102, HM-103, HM-104" "$(grep -oE 'HM-10[0-9]' <<<"$s" | tr '\n' ' ')" "HM-102 HM-103 HM-104 "
ui_keys c c 7
ok "no income line: one household" ui_wait "户数： 1"
like "it is HM-104" "$(ui_screen)" "HM-104 +无收入线"
ui_keys Escape
ok "cleared" ui_wait "户数： 4"

# ---- a decision on a warning is a flag, shown on the card ----
run "$FC" --dir "$D" flags dismiss "$H3/no_visit" --reason "上周电话回访过"
is "the cadre dismisses HM-103's no-visit warning (CLI)" "$rc" 0
like "show lists the flag" "$("$FC" --dir "$D" show $H3 | sed -n '/^flags:/,$p')" \
	"no_visit"$'\t'"dismissed"$'\t'"522701\*+[0-9]{3}[0-9X] 危房户"$'\t'"没有走访记录"
ok "HM-103's card again" open_card HM-103 危房户
s=$(section)
like "the card shows the flag: state, what, whom (masked), the note" "$s" \
	"已排除：没有走访记录（危房户 522701\*+[0-9]{3}[0-9X]） — 上周电话回访过"
[[ $s == *预警：没有走访记录* ]] && ok "the dismissed warning is no longer raised" false ||
	ok "the dismissed warning is no longer raised" true
ok "HM-103: the card agrees with show" agree "$s" $H3

# ---- a save from the form comes back to a card checked again ----
ui_keys e
ok "the form opens" ui_wait "户卡: 危房户"
ok "page to the relocation field" ui_page_to "是否易地扶贫搬迁"
ok "focus on it" ui_focus "是否易地扶贫搬迁"
ui_type y
ok "relocated: yes" ui_wait "是否易地扶贫搬迁        是"
ui_keys F2
ok "saved, back on the card" ui_wait "-- 核查（2026-11-23）：全部通过 --"
s=$(section)
like "housing now passes" "$s" "通过 +住房安全保障"
[[ $s == *建议纳入监测* ]] && ok "the suggestion is gone" false || ok "the suggestion is gone" true
ok "the card agrees with show after the save" agree "$s" $H3
like "show: housing passes" "$(show_checks $H3)" "housing +pass "
ok "back to the list" back_to_list
like "HM-103's mark is gone from the list" "$(ui_screen)" "HM-103 +危房户 +522701"
ui_keys c 5
ok "housing: nobody now" ui_wait "没有该项核查未通过的农户。"
ui_keys Escape
ok "cleared" ui_wait "户数： 4"

# ---- 40×10 ----
# Every line of every screen fits 40 columns and is whole UTF-8.
narrow_ok() {
	local s w
	s=$(ui_screen)
	w=$(printf '%s\n' "$s" | wc -L)
	[ "$w" -le 40 ] || { echo "# a line is $w columns wide"; return 1; }
	printf '%s' "$s" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || { echo "# broken UTF-8"; return 1; }
	[[ $s != *$'\xef\xbf\xbd'* ]] || { echo "# U+FFFD on the screen"; return 1; }
}
tm resize-window -t ui -x 40 -y 10
ok "40×10: the list is drawn, not the size message" ui_wait "户数： 4"
ok "40×10: the list fits" narrow_ok
s=$(ui_screen)
like "40×10: the mark column is there" "$s" "户编号 +户主 +核查"
like "40×10: HM-102 marked" "$s" "HM-102 +差一元 +1"
like "40×10: HM-104 marked" "$s" "HM-104 +无收入线 +\?"
ui_keys c 2
ok "40×10: income filter" ui_wait "户数： 1"
like "40×10: the title shows the filter" "$(sed -n 2p <<<"$(ui_screen)")" "\[未通过：吃穿不愁（收入）\] 户数： 1"
ok "40×10: the filtered list fits" narrow_ok
ui_keys Enter
ok "40×10: HM-102's card" ui_wait "HM-102  差一元"
ok "40×10: the card fits" narrow_ok
# Read the Card tab a line at a time: Down scrolls it by one, so the first
# body line (screen line 5) of each step is the next line of the card.
read_card() {
	local i before
	card=
	for i in $(seq 60); do
		before=$(ui_screen)
		card+=$(sed -n 5p <<<"$before")$'\n'
		narrow_ok || return 1
		[[ $(sed -n 5p <<<"$before") == " -- 地址 --" ]] && return 0
		ui_keys Down
		ui_wait_change "$before" || return 1
	done
	echo "# never scrolled to the fields"
	return 1
}
ui_wait_change() {
	local i=0
	while [ $i -lt $((UI_TIMEOUT * 20)) ]; do
		[ "$(ui_screen)" != "$1" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "# the screen did not change"
	return 1
}
ok "40×10: the card scrolls line by line, every screen fits" read_card
like "40×10: the heading was read" "$(flat <<<"$card")" "--核查（2026-11-23）：1项未通过--"
like "40×10: the failing check was read with its mark" "$card" $'\n'" 未通过 +吃穿不愁（收入）："
ok "40×10: the card read by scrolling agrees with show" agree "$card" $H2
ui_keys Escape
ok "40×10: back to the filtered list" ui_wait "户数： 1"
ui_keys Escape
ok "40×10: Esc clears the filter" ui_wait "户数： 4"

tm resize-window -t ui -x 80 -y 24
ok "80×24 again" ui_wait "排序"
ui_keys Escape q
ok "program ends" ui_exited
is "exit status 0" "${ui_status:-}" 0
is "nothing on stderr (ASan clean)" "$(cat "$T/ui.stderr" 2>/dev/null)" ""
