# import_export.sh — `fieldcard import` and `export` (CLI.md): CSV and JSON
# Lines in, CSV / JSON Lines / xlsx out, round trips into a fresh data
# directory byte for byte, and every class of bad input refused whole: exit
# 1, a FILE:LINE message naming record and field, and the store unchanged.
. tests/lib.sh
export FIELDCARD_NOW=2026-11-23T10:00:00Z
A=$T/a
B=$T/b

"$FC" --dir "$A" init --role cadre --name cadre-li --village 522701105201 --lang en >/dev/null 2>&1
"$FC" --dir "$B" init --role cadre --name cadre-li --village 522701105201 --lang en >/dev/null 2>&1

H1=01KAH000000000000000000001
H2=01KAH000000000000000000002
H3=01KAH000000000000000000003
HEAD1=$(make_id 52270119650312041)
HEAD2=$(make_id 52270119781104122)
HEAD3=$(make_id 52270119520708031)
SP1=$(make_id 52270119670921162)
SON1=$(make_id 52270119950101031)
KID2=$(make_id 52270120150601054)

HCOLS=id,province,village,village_code,village_group,head_name,head_id_number,household_type,poverty_status,main_cause,other_causes,wage_income,business_income,transfer_income,housing_grade,relocated,safe_water,sells_online,measures,id_year
cat > "$T/hh.csv" <<CSV
$HCOLS
$H1,贵州省,平桥村,522701105201,第1村民小组,张三,$HEAD1,general,lifted,illness,funds,12000,8000,3000,A,no,yes,no,health industry,2015
$H2,贵州省,平桥村,522701105201,第2村民小组,"李四, 小名""阿四""",$HEAD2,dibao,lifted,schooling,,6000,9000,7000,B,no,yes,no,dibao compulsory_education,2016
$H3,贵州省,平桥村,522701105201,第3村民小组,王五,$HEAD3,wubao,lifted,labour,,0,2000,9000,A,yes,yes,no,tekun relocation,2014
CSV
MCOLS=id,parent,name,sex,id_number,birth_date,relationship,health,labour_ability,medical_insurance,school_status
cat > "$T/members.csv" <<CSV
$MCOLS
01KAM000000000000000000001,$H1,张三,male,$HEAD1,1965-03-12,head,chronic,weak,yes,not_in_school
01KAM000000000000000000002,$H1,刘芳,female,$SP1,1967-09-21,spouse,healthy,normal,yes,not_in_school
01KAM000000000000000000003,$H1,张伟,male,$SON1,1995-01-01,son,healthy,normal,yes,not_in_school
01KAM000000000000000000004,$H2,李四,female,$HEAD2,1978-11-04,head,healthy,normal,yes,not_in_school
01KAM000000000000000000005,$H2,李明,male,$KID2,2015-06-01,son,healthy,none,yes,primary
01KAM000000000000000000006,$H3,王五,male,$HEAD3,1952-07-08,head,healthy,weak,yes,not_in_school
CSV
cat > "$T/visits.jsonl" <<JSONL
{"form":"visit","id":"01KAV000000000000000000001","parent":"$H1","fields":{"visit_date":"2026-03-02","visitors":"马磊、郑云安","purpose":"regular","findings":"住房安全\n饮水正常"}}
{"form":"visit","id":"01KAV000000000000000000002","parent":"$H2","fields":{"visit_date":"2026-05-17","visitors":"马磊","purpose":"monitoring","sudden_event":"none"}}

{"form":"visit","id":"01KAV000000000000000000003","parent":"$H3","fields":{"visit_date":"2026-10-09","visitors":"郑云安","purpose":"delivery","place_note":null}}
JSONL

# ---- import ----
run "$FC" --dir "$A" import "$T/hh.csv"
is "import of households (CSV) exits 0" "$rc" 0
like "it says how many were added" "$out" 'imported 3 records \(3 added, 0 updated\)'
run "$FC" --dir "$A" import "$T/members.csv" --form member
is "import of members (CSV, --form member) exits 0" "$rc" 0
like "six members added" "$out" 'imported 6 records \(6 added, 0 updated\)'
run "$FC" --dir "$A" import "$T/visits.jsonl"
is "import of visits (JSON Lines, blank line skipped) exits 0" "$rc" 0
like "three visits added" "$out" 'imported 3 records \(3 added, 0 updated\)'
run "$FC" --dir "$A" show $H2
like "a quoted CSV cell keeps its comma and quotes" "$out" 'head_name: 李四, 小名"阿四"'
like "calculated fields are computed on import (net income)" "$out" 'net_income: 22000'
like "member count follows the imported members" "$out" 'member_count: 2'
run "$FC" --dir "$A" show 01KAV000000000000000000001
like "a JSON newline survives, escaped" "$out" 'findings: 住房安全\\n饮水正常'
like "a default is filled for a field the file leaves out" "$("$FC" --dir "$A" show 01KAM000000000000000000001)" 'member_status: present'

# Re-import with a changed value updates the same records.
sed 's/,12000,/,15000,/' "$T/hh.csv" > "$T/hh2.csv"
run "$FC" --dir "$A" import "$T/hh2.csv"
is "re-import exits 0" "$rc" 0
like "and updates instead of adding" "$out" 'imported 3 records \(0 added, 3 updated\)'
like "the new value is stored" "$("$FC" --dir "$A" show $H1)" 'wage_income: 15000'
# A partial file (id and one column) updates just that field.
printf 'id,village_group\n%s,第9村民小组\n' $H3 > "$T/partial.csv"
run "$FC" --dir "$A" import "$T/partial.csv" --form household
is "a partial update (id + one column) exits 0" "$rc" 0
like "the one field changed" "$("$FC" --dir "$A" show $H3)" 'village_group: 第9村民小组'
like "the rest stayed" "$("$FC" --dir "$A" show $H3)" 'head_name: 王五'
# Read-only fields (the review state) are the app's: a file cannot approve.
printf 'id,review_state,review_by\n%s,approved,secretary-x\n' $H3 > "$T/approve.csv"
run "$FC" --dir "$A" import "$T/approve.csv" --form household
is "a file carrying a review state imports (exit 0)" "$rc" 0
like "but the card is not approved by it" "$("$FC" --dir "$A" show $H3)" 'review_state: submitted'
# Without --form, the columns decide.
printf 'id,parent,visit_date,visitors,purpose\n01KAV000000000000000000004,%s,2026-11-01,马磊,review\n' $H1 > "$T/v.csv"
run "$FC" --dir "$A" import "$T/v.csv"
is "a visit CSV without --form is recognised by its columns" "$rc" 0

# ---- export ----
run "$FC" --dir "$A" export
is "export (defaults: household, csv, stdout) exits 0" "$rc" 0
like "the header starts id,parent then the form's fields" "$out" '^id,parent,province,city,county,township,village,village_code,'
is "one line per household plus the header" "$("$FC" --dir "$A" export | wc -l)" 4
is "member export has 7 lines" "$("$FC" --dir "$A" export --form member | wc -l)" 7
run "$FC" --dir "$A" export --form visit --format jsonl
is "jsonl export exits 0" "$rc" 0
is "one JSON object per visit" "$(printf '%s\n' "$out" | grep -c '^{"form":"visit","id":"01KAV')" 4
ok "every jsonl line parses as JSON" python3 -c '
import json,sys
for l in open(sys.argv[1]): json.loads(l)' <("$FC" --dir "$A" export --form visit --format jsonl)
run "$FC" --dir "$A" export --form member --format xlsx -o "$T/members.xlsx"
is "xlsx export exits 0" "$rc" 0
ok "the xlsx is a zip holding a worksheet" python3 -c '
import zipfile,sys
z=zipfile.ZipFile(sys.argv[1]); assert "xl/worksheets/sheet1.xml" in z.namelist()
s=z.read("xl/worksheets/sheet1.xml").decode()
assert "姓名" in s and "Name" in s, "bilingual header"
assert s.count("<row ") == 7, s.count("<row ")' "$T/members.xlsx"
ok "unzip -l lists the workbook" bash -c "unzip -l '$T/members.xlsx' | grep -q xl/workbook.xml"
run "$FC" --dir "$A" export --form member -o "$T/out/none.csv"
is "export into a missing directory exits 1" "$rc" 1
"$FC" --dir "$A" export -o "$T/hh-out.csv"
ok "-o writes the file" test -s "$T/hh-out.csv"
ok "-o leaves no temporary file behind" bash -c "! ls '$T'/hh-out.csv.tmp.* 2>/dev/null"
run "$FC" --dir "$A" export --format pdf
is "an unknown format is a usage error (exit 2)" "$rc" 2
run "$FC" --dir "$A" export --form nosuch
is "an unknown form exits 1" "$rc" 1
like "and names the forms there are" "$out" "unknown form 'nosuch'"

# ---- round trip into a fresh data directory ----
for k in household member visit; do
	"$FC" --dir "$A" export --form $k -o "$T/rt-$k.csv"
done
for k in household member visit; do
	run "$FC" --dir "$B" import "$T/rt-$k.csv" --form $k
	is "round trip: import of exported $k exits 0" "$rc" 0
done
for k in household member visit; do
	ok "round trip: $k export is byte-for-byte the same" \
		cmp <("$FC" --dir "$A" export --form $k) <("$FC" --dir "$B" export --form $k)
done
ok "round trip: canonical text of a household is identical" \
	cmp <("$FC" --dir "$A" show $H2) <("$FC" --dir "$B" show $H2)
C=$T/c
"$FC" --dir "$C" init --role cadre --name cadre-li --village 522701105201 --lang en >/dev/null 2>&1
for k in household member visit; do "$FC" --dir "$A" export --form $k --format jsonl; done > "$T/all.jsonl"
run "$FC" --dir "$C" import "$T/all.jsonl"
is "round trip through one mixed JSON Lines file exits 0" "$rc" 0
for k in household member visit; do
	ok "jsonl round trip: $k export is the same" \
		cmp <("$FC" --dir "$A" export --form $k) <("$FC" --dir "$C" export --form $k)
done

# A demo village (every field the forms have, members left, visits) round
# trips too.
run "$FC" --dir "$T/demo" demo --households 15
is "demo --households 15 exits 0" "$rc" 0
E=$T/demo-copy
"$FC" --dir "$E" init --role cadre --name cadre-li --village 522701105201 --lang en >/dev/null 2>&1
for k in household member visit; do "$FC" --dir "$T/demo" export --form $k --format jsonl; done > "$T/demo.jsonl"
run "$FC" --dir "$E" import "$T/demo.jsonl"
is "the demo village imports into a fresh directory" "$rc" 0
# Review decisions are not data an import may set (a file cannot approve
# its own cards): compare everything but the review fields.
noreview() { sed -E 's/"review_[a-z]+":"([^"\\]|\\.)*",?//g'; }
for k in household member visit; do
	ok "demo round trip: $k export is the same (review fields aside)" \
		cmp <("$FC" --dir "$T/demo" export --form $k --format jsonl | noreview) \
		    <("$FC" --dir "$E" export --form $k --format jsonl | noreview)
done
like "an imported card awaits review on the new device" "$("$FC" --dir "$E" export --format jsonl | head -1)" '"review_state":"submitted"'


# ---- bad input: exit 1, FILE:LINE message, nothing written ----
snapshot() {
	for k in household member visit; do "$FC" --dir "$A" export --form $k; done
}
before=$(snapshot)
# bad NAME FILE PATTERN [import options...]
bad() {
	local name=$1 file=$2 pat=$3
	shift 3
	run "$FC" --dir "$A" import "$file" "$@"
	is "$name: exit 1" "$rc" 1
	like "$name: message" "$out" "$pat"
	is "$name: store unchanged" "$(snapshot)" "$before"
}
GOOD="$H1,贵州省,平桥村,522701105201,第1村民小组,张三,$HEAD1,general,lifted,illness,funds,99999,8000,3000,A,no,yes,no,health,2015"

printf '%s,colour\n%s,red\n' "$HCOLS" "$GOOD" > "$T/b1.csv"
bad "unknown column" "$T/b1.csv" "b1.csv:1: unknown column 'colour'"

printf 'province,village,head_name,head_id_number,household_type,poverty_status,main_cause,housing_grade,relocated,safe_water,sells_online\n贵州省,平桥村,赵六,%s,general,lifted,funds,A,no,yes,no\n' "$HEAD1" > "$T/b2.csv"
bad "missing required column" "$T/b2.csv" 'b2.csv:1: missing required column\(s\) for household records: village_code'

printf '%s\n%s\n%s,x\n' "$HCOLS" "$GOOD" "$GOOD" > "$T/b3.csv"
bad "extra cell" "$T/b3.csv" 'b3.csv:3: 21 cells, header has 20'
printf '%s\n%s\n01KAH000000000000000000009,贵州省\n' "$HCOLS" "$GOOD" > "$T/b3b.csv"
bad "missing cells" "$T/b3b.csv" 'b3b.csv:3: 2 cells, header has 20'

printf '%s\n%s\n%s,"unterminated\n' "$HCOLS" "$GOOD" "${GOOD%,*}" > "$T/b4.csv"
bad "broken quoting" "$T/b4.csv" 'b4.csv:3: '

printf '%s\n%s\n' "$HCOLS" "${GOOD/张三/$'\xff\xfe'}" > "$T/b5.csv"
bad "invalid UTF-8" "$T/b5.csv" 'b5.csv:2: .*UTF-8'

{ head -1 "$T/visits.jsonl"; printf '{"form":"visit","id":"01KAV000000000000000000009","parent":"%s","fields":{"visit_da' "$H1"; } > "$T/b6.jsonl"
bad "truncated JSON line" "$T/b6.jsonl" 'b6.jsonl:2: invalid JSON at column [0-9]+: .*cut off'
printf '{"form":"visit","id":"01KAV000000000000000000009","parent":"%s","fields":{"visit_date":"2026-01-01","visitors":"x","purpose":"regular",}}\n' "$H1" > "$T/b6b.jsonl"
bad "invalid JSON" "$T/b6b.jsonl" 'b6b.jsonl:1: invalid JSON'
printf '{"form":"visit","id":"01KAV000000000000000000009","parent":"%s","fields":{"visit_date":"2026-01-01","weather":"rain"}}\n' "$H1" > "$T/b6c.jsonl"
bad "unknown JSON field" "$T/b6c.jsonl" 'b6c.jsonl:1: record 01KAV000000000000000000009 field weather: unknown field'
printf '{"form":"visit","id":"01KAV000000000000000000009","parent":"%s","fields":{"visit_date":{"y":2026}}}\n' "$H1" > "$T/b6d.jsonl"
bad "JSON object as a value" "$T/b6d.jsonl" 'b6d.jsonl:1: record 01KAV000000000000000000009 field visit_date: expected a string'

printf '%s\n%s\n' "$HCOLS" "${GOOD/%,2015/,abc}" > "$T/b7.csv"
bad "wrong type" "$T/b7.csv" "b7.csv:2: record $H1 field id_year: "
printf '%s\n%s\n' "$HCOLS" "${GOOD/,general,/,rich,}" > "$T/b7b.csv"
bad "not a choice" "$T/b7b.csv" "b7b.csv:2: record $H1 field household_type: "
printf '%s\n%s\n' "$HCOLS" "${GOOD/$HEAD1/522701196503120410}" > "$T/b7c.csv"
bad "ID number check digit" "$T/b7c.csv" "b7c.csv:2: record $H1 field head_id_number: "

printf '%s\n%s\n' "$HCOLS" "${GOOD/,522701105201,/,5227ab,}" > "$T/b8.csv"
bad "constraint failure" "$T/b8.csv" "b8.csv:2: record $H1 field village_code: "
printf '%s\n%s\n' "$HCOLS" "${GOOD/,99999,/,-5,}" > "$T/b8b.csv"
bad "negative income (constraint)" "$T/b8b.csv" "b8b.csv:2: record $H1 field wage_income: "
printf '%s\n%s\n' "$HCOLS" "${GOOD/,张三,/,,}" > "$T/b8c.csv"
bad "required value empty" "$T/b8c.csv" "b8c.csv:2: record $H1 field head_name: "

printf '%s\n01KAM000000000000000000009,01KAH00000000000000000000X,赵七,male,%s,1965-03-12,son,healthy,normal,yes,not_in_school\n' "$MCOLS" "$HEAD1" > "$T/b9.csv"
bad "member of a missing household" "$T/b9.csv" 'b9.csv:2: record 01KAM000000000000000000009 field parent: household 01KAH00000000000000000000X does not exist' --form member
printf '%s\n01KAM000000000000000000009,,赵七,male,%s,1965-03-12,son,healthy,normal,yes,not_in_school\n' "$MCOLS" "$HEAD1" > "$T/b9b.csv"
bad "member without parent" "$T/b9b.csv" 'b9b.csv:2: record 01KAM000000000000000000009 field parent: missing' --form member
# A household refused earlier in the same file, then its member.
{
	printf '{"form":"household","id":"01KAH000000000000000000009","fields":{"village_code":"x"}}\n'
	printf '{"form":"member","id":"01KAM000000000000000000009","parent":"01KAH000000000000000000009","fields":{"name":"赵七"}}\n'
} > "$T/b10.jsonl"
bad "member whose household was refused earlier in the file" "$T/b10.jsonl" 'b10.jsonl:2: record 01KAM000000000000000000009 field parent: household 01KAH000000000000000000009 was refused on line 1'

# A good row then a bad one: the good one must not be written either.
printf '%s\n%s\n%s\n' "$HCOLS" "$GOOD" "${GOOD/$H1,/01KAH000000000000000000008,}" | sed '3s/,A,/,Z,/' > "$T/b11.csv"
bad "one bad row rolls back the good ones" "$T/b11.csv" 'b11.csv:3: record 01KAH000000000000000000008 field housing_grade: '
ok "the good row's new value is not there" bash -c "! '$FC' --dir '$A' show $H1 | grep -q 'wage_income: 99999'"

printf '%s\n%s\n%s\n' "$HCOLS" "$GOOD" "$GOOD" > "$T/b12.csv"
bad "the same id twice in a file" "$T/b12.csv" "b12.csv:3: record $H1: the same id is already on line 2"

{
	echo "$HCOLS"
	for i in $(seq 10 79); do echo "${GOOD/$H1,/01KAH0000000000000000000$i,}" | sed 's/,A,/,Z,/'; done
} > "$T/b13.csv"
bad "many bad rows: 50 listed, the rest counted" "$T/b13.csv" '\.\.\. and 20 more errors'
is "exactly 50 problem lines are listed" "$(printf '%s\n' "$out" | grep -c '^.*b13.csv:[0-9]*: record')" 50

run "$FC" --dir "$A" import "$T/no-such-file.csv"
is "a missing file exits 1" "$rc" 1
like "and names it" "$out" 'no-such-file.csv: cannot open'
run "$FC" --dir "$A" import
is "import without a file is a usage error (exit 2)" "$rc" 2

# Warnings do not block: a birth date that differs from the one in the ID
# number imports with a warning.
printf 'id,parent,name,sex,id_number,birth_date,relationship,health,labour_ability,medical_insurance\n01KAM000000000000000000001,%s,张三,male,%s,1965-03-13,head,chronic,weak,yes\n' $H1 "$HEAD1" > "$T/w.csv"
run "$FC" --dir "$A" import "$T/w.csv" --form member
is "an import with only warnings exits 0" "$rc" 0
like "the warning is printed with file, line, record and field" "$out" 'w.csv:2: warning: record 01KAM000000000000000000001 field birth_date: '
run "$FC" --dir "$A" check
is "check is clean after all of this" "$rc" 0
exit 0
