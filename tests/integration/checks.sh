# checks.sh — the decisions a card exists for (issue 10): the five checks
# with hand-computed results through the real CLI, the income line of the
# card's income year, a card without a line, risk clearing refused for each
# condition on its own and by every writer a person drives (set, import),
# consistency at the doorstep, and a record that arrives signed though it
# breaks the clearing rule: stored and listed by check.
# Shipped forms/rules.csv, line *,2026: poverty 5000, monitoring 8200,
# risk cleared after 6 months.
. tests/lib.sh
export FIELDCARD_NOW=2026-11-23 TZ=Asia/Shanghai
D=$T/dev
"$FC" --dir "$D" init --role cadre --name cadre-zhang --village 522701105201 --lang en >/dev/null 2>&1

HCOLS=id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online,income_year,wage_income,measures,monitor_category,monitor_date,risk_cleared
MCOLS=id,parent,name,sex,id_number,birth_date,relationship,health,labour_ability,medical_insurance,school_status,out_of_school_reason
n=0
# hh ID STATUS HOUSING RELOCATED YEAR WAGE [MEASURES CATEGORY MONTH]: one household
# whose only member is its head, so income per head = wage.
hh() {
	n=$((n + 1))
	local idn; idn=$(make_id "52270119800101$(printf %03d $n)")
	printf '%s\n%s,522701105201,石门村,HC-%03d,户主%d,%s,贵州省,%s,general,illness,%s,%s,yes,no,%s,%s,%s,%s,%s,%s\n' \
		"$HCOLS" "$1" "$n" "$n" "$idn" "$2" "$3" "$4" "$5" "$6" "${7:-}" "${8:-}" "${9:-}" "${8:+no}" >"$T/h$n.csv"
	run "$FC" --dir "$D" import "$T/h$n.csv"
	[ "$rc" = 0 ] || echo "# import of $1 failed: $out"
	printf '%s\n%sM,%s,户主%d,male,%s,1980-01-01,head,healthy,normal,yes,not_in_school,\n' \
		"$MCOLS" "$1" "$1" "$n" "$idn" >"$T/m$n.csv"
	run "$FC" --dir "$D" import "$T/m$n.csv" --form member
	[ "$rc" = 0 ] || echo "# import of $1's head failed: $out"
	eval "ID_$1=$idn"
}
check_line() { "$FC" --dir "$D" show "$1" | sed -n "/^--- checks/,\$p" | grep "^$2 "; }

# ---- income against the line of the card's income year ----
hh HON lifted B no 2026 5000
hh HUNDER lifted B no 2026 4999
hh HNOLINE lifted B no 2020 3000
like "income per head exactly on the line passes" "$(check_line HON income)" '^income +pass'
like "one yuan under fails, with the reason" "$(check_line HUNDER income)" \
	'^income +fail .*income per head 4999.00 yuan is under the 2026 line of 5000 yuan'
run "$FC" --dir "$D" show HNOLINE
like "a card without a line for its province and year says so on show" "$out" \
	"warning +no_income_line +no income line for 贵州省 2020 in .*forms/rules.csv"
like "and its income check is unknown, never passing" "$out" $'\n''income +unknown'
run "$FC" --dir "$D" check
like "check lists the missing line for that card" "$out" \
	"warning: record HNOLINE field income_year: no income line for 贵州省 2020 in"
run "$FC" --dir "$D" report village
like "the village report says how many cards have no line" "$out" \
	"warning: 1 households have no income line, so income is not checked \(no income line for 贵州省 2020"
like "and counts the one income failure" "$out" 'checks failing: income 1,'
is "income_year defaults to this year on a new card" \
	"$("$FC" --dir "$D" show HON | grep '^income_year:')" "income_year: 2026"

# ---- no rules file: nothing passes silently ----
cp -r "$FIELDCARD_FORMS" "$T/forms-norules" && rm "$T/forms-norules/rules.csv"
run env FIELDCARD_FORMS="$T/forms-norules" "$FC" --dir "$T/norules" init --role cadre --name x --village 522701105201 --lang en
printf '%s\n%s,522701105201,石门村,HC-900,户主,%s,贵州省,lifted,general,illness,B,no,yes,no,2026,3000,,,,\n' \
	"$HCOLS" HNR "$(make_id 52270119800102900)" >"$T/nr.csv"
run env FIELDCARD_FORMS="$T/forms-norules" "$FC" --dir "$T/norules" import "$T/nr.csv"
run env FIELDCARD_FORMS="$T/forms-norules" "$FC" --dir "$T/norules" show HNR
like "without a rules file the card says income is not checked" "$out" \
	'no rules file \(forms/rules.csv\): income is not checked'
like "and the income check is unknown" "$out" $'\n''income +unknown'

# ---- rules.csv: every line names its source ----
cp -r "$FIELDCARD_FORMS" "$T/forms-nosource"
sed -i 's/^\*,2026,\(.*\),example$/*,2026,\1,/' "$T/forms-nosource/rules.csv"
run "$FC" form check "$T/forms-nosource"
is "form check refuses a line without a source" "$rc" 1
like "naming file, line and what to write" "$out" \
	"rules.csv:[0-9]+: the line for \* 2026 has no source: name the publication that set it, or write example"
run "$FC" form check "$FIELDCARD_FORMS"
like "form check of the shipped forms notes the example lines" "$out" 'marked example'

# ---- housing ----
hh HCREL not_lifted C yes 2026 9000
hh HC not_lifted C no 2026 9000
like "housing grade C but relocated passes" "$(check_line HCREL housing)" '^housing +pass'
like "grade C not relocated fails" "$(check_line HC housing)" '^housing +fail .*housing grade C and not relocated'

# ---- compulsory education ----
hh HEDU not_lifted B no 2026 9000
child() { # ID HOUSEHOLD BIRTH SCHOOL REASON HEALTH
	n=$((n + 1))
	printf '%s\n%s,%s,孩子,male,%s,%s,son,%s,none,yes,%s,%s\n' "$MCOLS" "$1" "$2" \
		"$(make_id "522701${3//-/}$(printf %02d $n)1")" "$3" "$6" "$4" "$5" >"$T/c-$1.csv"
	run "$FC" --dir "$D" import "$T/c-$1.csv" --form member
}
child CILL HEDU 2011-01-10 dropout illness chronic
is "a 15-year-old out of school for illness is saved" "$rc" 0
like "and excused: education passes" "$(check_line HEDU education)" '^education +pass'
hh HEDU2 not_lifted B no 2026 9000
child CHARD HEDU2 2011-01-10 dropout hardship serious
like "out of school for hardship though seriously ill: fails" "$(check_line HEDU2 education)" \
	'^education +fail .*孩子, aged 15, is out of school \(reason: hardship\)'
hh HAGE not_lifted B no 2026 9000
child C16 HAGE 2010-11-24 dropout work healthy
like "a child of 15 out of school fails on 2026-11-23" "$(check_line HAGE education)" '^education +fail'
like "the same card passes the next day, the child now 16" \
	"$(FIELDCARD_NOW=2026-11-24 "$FC" --dir "$D" show HAGE | sed -n '/^--- checks/,$p' | grep '^education ')" '^education +pass'

# ---- monitoring suggestion ----
hh HMON lifted B no 2026 8199
hh HMONOK lifted B no 2026 8200
like "a lifted household one yuan under the monitoring line is suggested 脱贫不稳定户" \
	"$(check_line HMON suggested)" '^suggested unstable .*under the 2026 monitoring line of 8200'
is "at the line nothing is suggested" "$(check_line HMONOK suggested)" ""
run "$FC" --dir "$D" report monitor
like "report monitor lists the suggested household" "$out" 'HC-0[0-9]+ .*户主'

# ---- risk clearing, each condition on its own ----
hh HCL lifted B no 2026 9000 industry unstable 202601
clear() { run "$FC" --dir "$D" set HCL risk_cleared=yes risk_cleared_how=assistance "risk_cleared_date=$1"; }
clear 2026-06-30
is "clearing after 5 months is refused" "$rc" 1
like "naming the months" "$out" 'risk cannot be cleared: monitored 5 months, 6 are needed'
is "and the card is unchanged" "$("$FC" --dir "$D" show HCL | grep '^risk_cleared:')" "risk_cleared: no"
"$FC" --dir "$D" set HCL measures= >/dev/null 2>&1
clear 2026-07-01
like "without a measure: refused, naming it" "$rc $out" '^1 .*risk cannot be cleared: no assistance measure$'
"$FC" --dir "$D" set HCL measures=industry wage_income=8200 >/dev/null 2>&1
clear 2026-07-01
like "income per head on the monitoring line: refused" "$rc $out" \
	'^1 .*risk cannot be cleared: income per head 8200.00 yuan is not above the monitoring line 8200$'
"$FC" --dir "$D" set HCL wage_income=9000 safe_water=no >/dev/null 2>&1
clear 2026-07-01
like "a check failing: refused, naming the check" "$rc $out" '^1 .*risk cannot be cleared: drinking water fails$'
"$FC" --dir "$D" set HCL safe_water=yes >/dev/null 2>&1
"$FC" --dir "$D" set HCLM labour_ability=lost >/dev/null 2>&1
clear 2026-07-01
like "nobody able to work: refused" "$rc $out" '^1 .*risk cannot be cleared: no member able to work$'
"$FC" --dir "$D" set HCLM labour_ability=normal >/dev/null 2>&1
clear 2026-07-01
is "a clearing that holds is saved" "$rc" 0
is "and stored" "$("$FC" --dir "$D" show HCL | grep '^risk_cleared:')" "risk_cleared: yes"
run "$FC" --dir "$D" report village
like "a cleared household is no longer counted as monitored" "$out" '; 0 monitored,'

# The three the hand check found saved with 0 warnings, now refused.
hh HNAT lifted B no 2026 4368 industry unstable 202601
run "$FC" --dir "$D" set HNAT risk_cleared=yes risk_cleared_how=natural risk_cleared_date=2026-07-01
like "cleared naturally at 4,368 a head: refused" "$rc $out" '^1 .*income per head 4368.00 yuan is not above the monitoring line 8200'
hh H3M lifted B no 2026 9000 industry unstable 202608
run "$FC" --dir "$D" set H3M risk_cleared=yes risk_cleared_how=assistance risk_cleared_date=2026-11-01
like "cleared after 3 months: refused" "$rc $out" '^1 .*monitored 3 months, 6 are needed'
hh HNOWORK lifted B no 2026 9000 "" unstable 202601
"$FC" --dir "$D" set HNOWORKM labour_ability=lost >/dev/null 2>&1
run "$FC" --dir "$D" set HNOWORK risk_cleared=yes risk_cleared_how=assistance risk_cleared_date=2026-07-01
like "only member cannot work and no measure: both named" "$rc $out" \
	'^1 .*no assistance measure; .*no member able to work'
# An import that clears a household is held to the same rule.
n=$((n + 1))
printf '%s,risk_cleared_how,risk_cleared_date\n%s,522701105201,石门村,HC-%03d,户主,%s,贵州省,lifted,general,illness,B,no,yes,no,2026,4000,industry,unstable,202601,yes,natural,2026-07-01\n' \
	"$HCOLS" HIMP "$n" "$(make_id 52270119800102800)" >"$T/imp.csv"
run "$FC" --dir "$D" import "$T/imp.csv"
is "an import that clears against the rule is refused" "$rc" 1
like "naming row, record and each condition" "$out" \
	'imp.csv:2: record HIMP field risk_cleared: risk cannot be cleared: no income or monitoring line to compare; food and clothing \(income\) fails; no member able to work'
run "$FC" --dir "$D" show HIMP
is "and nothing of it was stored" "$rc" 1

# ---- consistency at the doorstep ----
printf '%s\n%s,%s,张冒,male,%s,1980-01-01,son,healthy,normal,yes,not_in_school,\n' \
	"$MCOLS" HONDUP HON "$ID_HON" >"$T/dup.csv"
run "$FC" --dir "$D" import "$T/dup.csv" --form member
is "a member with the head's ID number is refused" "$rc" 1
like "naming the record and field" "$out" "record HONDUP field id_number: same ID number as the head '户主1', but the relationship is not head"
run "$FC" --dir "$D" show HONDUP
is "and was not saved" "$rc" 1
IDX=$(make_id 52270119900101777)
printf '%s\n%s,%s,甲,female,%s,1990-01-01,daughter,healthy,normal,yes,not_in_school,\n%s,%s,乙,female,%s,1990-01-01,daughter,healthy,normal,yes,not_in_school,\n' \
	"$MCOLS" HD1 HUNDER "$IDX" HD2 HUNDER "$IDX" >"$T/dup2.csv"
run "$FC" --dir "$D" import "$T/dup2.csv" --form member
is "two members with one ID number in a household are refused" "$rc" 1
like "the second names the first" "$out" "same ID number as member '甲' of this household"
printf '%s\n%s,%s,丙,female,%s,1980-01-10,spouse,healthy,normal,yes,not_in_school,\n' \
	"$MCOLS" HELSE HMONOK "$ID_HON" >"$T/else.csv"
run "$FC" --dir "$D" import "$T/else.csv" --form member
is "an ID number of another household is saved" "$rc" 0
like "with a warning naming that household, the number masked" "$out" \
	"ID number ${ID_HON:0:6}\*{8}${ID_HON:14:4} is already in household HON \(HC-001, head 户主1\)"
ok "the full ID number is never printed" bash -c "! grep -q '$ID_HON' <<< \"\$1\"" _ "$out"
printf '%s\n%s,%s,丁,male,%s,1980-03-01,spouse,healthy,normal,yes,not_in_school,\n' \
	"$MCOLS" HSP HCREL "$(make_id 52270119800301555)" >"$T/sp.csv"
run "$FC" --dir "$D" import "$T/sp.csv" --form member
like "a spouse of the head's sex is a warning" "$rc $out" "^0 .*record HSP field relationship: the spouse has the head's sex \(Male\)"

# ---- suggestions and warnings: decided by a person, never applied ----
run "$FC" --dir "$D" flags
like "flags lists the suggestion with its reason" "$out" \
	$'\n''HMON	HMON/unstable	unstable	open	[0-9]{6}\*{8}[0-9X]{4} 户主[0-9]+	lifted, but income per head 8199.00 yuan is under the 2026 monitoring line of 8200'
like "and the warning of a card never visited" "$out" $'\n''HMON	HMON/no_visit	no_visit	open	.*no visit is recorded'
ok "flags never prints a full ID number" bash -c "! grep -q '$ID_HMON' <<< \"\$1\"" _ "$out"
run "$FC" --dir "$D" flags dismiss HMON/unstable --reason "   "
like "a decision needs a note" "$rc $out" '^1 .*a note is needed'
run "$FC" --dir "$D" flags dismiss HMON/unstable --reason "外出务工收入下月到账"
is "a suggestion is dismissed with a reason" "$rc" 0
run "$FC" --dir "$D" show HMON
like "the dismissal is recorded on the card, signed with the next sync" "$out" \
	'HMON	[0-9A-Z]{26}	unstable	dismissed	.*'$'\n''  facts: 2026 8199.00'$'\n''  source: rules, raised 2026-11-23'$'\n''  dismissed by cadre-zhang at 2026-11-23T[0-9:]+Z: 外出务工收入下月到账'
is "the card's category is untouched" "$(grep '^monitor_category:' <<< "$out")" "monitor_category:"
is "the suggestion does not come back on the same facts" "$("$FC" --dir "$D" flags | grep -c 'HMON/unstable')" 0
run "$FC" --dir "$D" flags confirm HMON/unstable --note x
like "nor can it be confirmed" "$rc $out" "^1 .*household HMON: the rules raise no 'unstable' today \(decided already, or the facts changed\); open: no_visit"
"$FC" --dir "$D" set HMON wage_income=8000 >/dev/null 2>&1
like "it comes back when the facts change" "$("$FC" --dir "$D" flags | grep 'HMON/unstable')" 'income per head 8000.00'
run "$FC" --dir "$D" flags confirm HMON/unstable --note "入户核实，收入下降属实"
is "a suggestion is confirmed" "$rc" 0
run "$FC" --dir "$D" show HMON
is "confirming sets the category" "$(grep '^monitor_category:' <<< "$out")" "monitor_category: unstable"
is "and the month" "$(grep '^monitor_date:' <<< "$out")" "monitor_date: 202611"
is "risk not cleared" "$(grep '^risk_cleared:' <<< "$out")" "risk_cleared: no"
like "and the decision is on the card" "$out" 'unstable	confirmed	.*'$'\n''  facts: 2026 8000.00'
is "nothing is suggested for a card in that category" "$(grep -c '^suggested' <<< "$out")" 0
VCOLS=id,parent,visit_date,visitors,purpose,sudden_event,follow_up_date
printf '%s\nV1,HMON,2026-11-01,cadre-zhang,regular,none,2026-11-15\n' "$VCOLS" >"$T/v.csv"
"$FC" --dir "$D" import "$T/v.csv" --form visit >/dev/null 2>&1
run "$FC" --dir "$D" flags
like "a follow-up date passed with no later visit is a warning" "$out" \
	'HMON/follow_up	follow_up	open	.*the visit of 2026-11-01 set a follow-up for 2026-11-15, and none has been recorded'
is "the visit answers no_visit" "$(grep -c 'HMON/no_visit' <<< "$out")" 0
run "$FC" --dir "$D" flags confirm HMON/follow_up --note "已电话回访，下周入户"
is "a warning is acknowledged" "$rc" 0
is "and gone from the list" "$("$FC" --dir "$D" flags | grep -c 'HMON/follow_up')" 0
run "$FC" --dir "$D" flags --village 999999
like "flags of a village that is not the device's: refused" "$rc" '^[12]$'

# ---- a record that arrives signed and breaks the rule: stored, listed ----
DEMO=$T/demo
"$FC" --dir "$DEMO" demo --households 5 --lang en >/dev/null 2>&1
H=$(sqlite3 "$DEMO/fieldcard.db" "SELECT id FROM records WHERE kind = 'household' AND monitor_category = '' LIMIT 1")
# As an older device would have sent it, unchecked: straight into its
# store and its queue, monitored since October and cleared in November.
sqlite3 "$DEMO/fieldcard.db" "UPDATE records SET canonical = replace(replace(replace(canonical,
  char(10) || 'monitor_category:' || char(10), char(10) || 'monitor_category: unstable' || char(10)),
  char(10) || 'monitor_date:' || char(10), char(10) || 'monitor_date: 202610' || char(10)),
  char(10) || 'risk_cleared:' || char(10), char(10) || 'risk_cleared: yes' || char(10)) WHERE id = '$H';
  INSERT OR IGNORE INTO pending(record_id, household) VALUES ('$H', '$H');"
run "$FC" --dir "$DEMO" sync
is "the unchecked record syncs" "$rc" 0
run "$FC" --dir "$DEMO.county" merge --all
is "the county merges it" "$rc" 0
is "the county stores it as signed" "$("$FC" --dir "$DEMO.county" show "$H" | grep '^risk_cleared:')" "risk_cleared: yes"
run "$FC" --dir "$DEMO.county" check
like "and check lists what is wrong with it" "$out" "error: record $H field risk_cleared: risk cannot be cleared: monitored 1 months, 6 are needed"
exit 0
