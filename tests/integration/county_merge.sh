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
# A device whose value lost at the county keeps a device-side conflict
# until sync.c takes its merged tip as the base (see the report): its
# syncs still push and exit 3 with "conflict(s) need a person".
sync_any() { run "$FC" --dir "$1" sync; like "$2" "$rc" "^(0|3)$"; }
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
like "main holds A1's field" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/household)" "head_phone: 13800138000"
like "main holds A2's field" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/household)" "housing_grade: C"
run sgit verify-commit main
is "stock git verify-commit accepts the merge on main" "$rc" 0
like "signed by the county principal" "$out" 'Good "git" signature for county-wang'
sync_ok "$A1" "A1 syncs again"
like "A1 receives A2's edit on its next sync" "$("$FC" --dir "$A1" show $H1)" "housing_grade: C"

# ---- members added on two devices never conflict ----
sync_ok "$A2" "A2 syncs"
M1=01JDE5M0000000000000000101 M2=01JDE5M0000000000000000102
member "$A1" $M1 $H1 刘芳 "$(make_id 52270119900101062)" spouse
member "$A2" $M2 $H1 张丽 "$(make_id 52270120100101062)" daughter
sync_ok "$A1" "A1 syncs a new member"
sync_ok "$A2" "A2 syncs another new member"
merge_all
is "members added on two devices: merge exits 0" "$rc" 0; say 0
ok "both members are on main" git --git-dir="$C" cat-file -e "main:$(hdir $VA $H1)/members/$M1"
ok "(the second one too)" git --git-dir="$C" cat-file -e "main:$(hdir $VA $H1)/members/$M2"

# ---- a member left on one side, edited on the other: a conflict ----
sync_ok "$A1" "A1 receives both members"
sync_ok "$A2" "A2 receives both members"
"$FC" --dir "$A1" set $M1 member_status=left left_reason=moved >/dev/null 2>&1
"$FC" --dir "$A2" set $M1 health=chronic >/dev/null 2>&1
sync_ok "$A1" "A1 marks the member left"
sync_ok "$A2" "A2 edits the member"
merge_all
is "member left on one side and edited on the other: merge exits 3" "$rc" 3
run "$FC" --dir "$S" conflicts
like "the conflict names the member record" "$out" "$M1	"
run "$FC" --dir "$S" resolve $M1 "$(awk -F'\t' -v m=$M1 '$1==m{print $2; exit}' <<<"$out")" --ours
is "resolve --ours settles it" "$rc" 0; say 0
like "main keeps the member as left" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/members/$M1)" "member_status: left"
# ---- the same field set to different values: a conflict ----
sync_ok "$A1" "A1 syncs before the conflicting edit"
sync_ok "$A2" "A2 syncs before the conflicting edit"
"$FC" --dir "$A1" set $H1 head_phone=13911112222 >/dev/null 2>&1
"$FC" --dir "$A2" set $H1 head_phone=13733334444 >/dev/null 2>&1
sync_ok "$A1" "A1 syncs its phone"
sync_any "$A2" "A2 syncs a different phone"
merge_all
is "the same field set to different values: merge exits 3" "$rc" 3
like "merge names the conflict" "$out" "conflict $H1 head_phone"
like "main keeps the value merged first" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/household)" "head_phone: 13911112222"
run "$FC" --dir "$S" conflicts
is "conflicts exits 3 while one is open" "$rc" 3
like "conflicts lists record, field, base, ours, theirs and both principals" "$out" \
	"$H1	head_phone	13800138000	13911112222	13733334444	cadre-a1	cadre-a2"
run "$FC" --dir "$S" resolve $H1 head_phone --theirs
is "resolve --theirs exits 0" "$rc" 0; say 0
like "main holds the chosen value" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/household)" "head_phone: 13733334444"
run sgit verify-commit main
is "the resolution is a signed commit stock git accepts" "$rc" 0
like "its message names the conflict" "$(git --git-dir="$C" log -1 --format=%s main)" "Resolve $H1 head_phone: theirs"
run "$FC" --dir "$S" conflicts
ok "the conflict is gone from the list" bash -c "! grep -q head_phone <<<'$out'"
like "the county's own show gives the resolved value at once" "$("$FC" --dir "$S" show $H1)" "head_phone: 13733334444"
is "... and its history names the resolution" \
	"$(sqlite3 "$S/fieldcard.db" "select new || ' ' || who from audit where record_id='$H1' and field='head_phone' order by seq desc limit 1")" \
	"13733334444 county-wang"
sync_ok "$A2" "A2 syncs after the resolution"
like "A2 has the resolved value" "$("$FC" --dir "$A2" show $H1)" "head_phone: 13733334444"
sync_ok "$A1" "A1, whose value lost, syncs cleanly after the resolution"
like "A1 now has the county's decision" "$("$FC" --dir "$A1" show $H1)" "head_phone: 13733334444"
run "$FC" --dir "$A1" conflicts
ok "A1 has no open conflict left" bash -c "! grep -q head_phone <<<'$out'"
run "$FC" --dir "$A1" sync
is "and its next sync sends nothing back (exit 0)" "$rc" 0

# ---- a typed resolution is checked as a typed save is ----
sync_ok "$A2" "A2 syncs before the floor area edits"
"$FC" --dir "$A1" set $H1 floor_area=90 >/dev/null 2>&1
"$FC" --dir "$A2" set $H1 floor_area=95 >/dev/null 2>&1
sync_ok "$A1" "A1 syncs a floor area"
sync_any "$A2" "A2 syncs another floor area"
merge_all
like "the floor area is a conflict" "$out" "conflict $H1 floor_area"
M0=$(git --git-dir="$S/ledger.git" rev-parse main) C0=$(git --git-dir="$C" rev-parse main)
run "$FC" --dir "$S" resolve $H1 floor_area --value -5
is "resolve --value -5 (the form refuses it) exits 1" "$rc" 1
like "... with the field's own message" "$out" "record $H1 field floor_area: .*Area must be between 0 and 2000"
is "... the county's main did not move" "$(git --git-dir="$C" rev-parse main)" "$C0"
is "... nor did the desk's own" "$(git --git-dir="$S/ledger.git" rev-parse main)" "$M0"
run "$FC" --dir "$S" conflicts
like "... and the conflict is still open" "$out" "$H1	floor_area	"
run "$FC" --dir "$S" resolve $H1 head_name --value "  "
like "a field with no open conflict is refused as before" "$out" "no open conflict on field head_name"
run "$FC" --dir "$S" resolve $H1 floor_area --value 120
is "a good typed value resolves (exit 0)" "$rc" 0; say 0
like "main holds it" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/household)" "floor_area: 120"
like "the county's own show gives it at once" "$("$FC" --dir "$S" show $H1)" "floor_area: 120"
run "$FC" --dir "$S" check
is "the county's check is clean" "$rc" 0; say 0
sync_any "$A1" "A1 syncs after the typed resolution"
like "A1 receives the typed value" "$("$FC" --dir "$A1" show $H1)" "floor_area: 120"
sync_any "$A2" "A2 syncs after the typed resolution"
run "$FC" --dir "$S" merge --all
like "so the county's main keeps the decision" "$(git --git-dir="$C" show main:$(hdir $VA $H1)/household)" "head_phone: 13733334444"


# ---- duplicates: the same head ID number in two villages ----
IDD=$(make_id 52270119800808043)
household "$B" $HB $VB 5227011052020001 李四 "$IDD"
"$FC" --dir "$A2" set $H2 head_id_number="$IDD" >/dev/null 2>&1
run "$FC" --dir "$A2" sync
run "$FC" --dir "$B" sync
is "device B syncs its household" "$rc" 0; say 0
merge_all
like "the merge flags a possible duplicate" "$out" "1 duplicate\(s\)"
run "$FC" --dir "$S" conflicts
is "conflicts exits 3 while a duplicate flag is open" "$rc" 3
like "conflicts lists both households with the masked ID" "$out" "($HB	$H2|$H2	$HB)	522701\*+0434?"
ok "the full ID number is not printed" bash -c "! grep -q '$IDD' <<<'$out'"
run "$FC" --dir "$S" resolve $HB id_number --duplicate-of $H2
is "resolve --duplicate-of exits 0" "$rc" 0; say 0
like "it says what was decided" "$out" "marked $HB as a duplicate of $H2"
like "the decision is on main" "$(git --git-dir="$C" show main:county/duplicates)" "$HB	$H2	duplicate"
run sgit verify-commit main
is "the decision is a signed commit" "$rc" 0
run "$FC" --dir "$S" conflicts
ok "the flag is no longer listed" bash -c "! grep -q '$HB' <<<'$out'"
run "$FC" --dir "$S" resolve $HB id_number --clear
is "clearing a decided flag: nothing open, exit 1" "$rc" 1
like "with a plain message" "$out" "no open duplicate flag on household $HB"
run "$FC" --dir "$S" resolve $HB id_number
is "resolve without a decision is a usage error" "$rc" 2
like "usage names the duplicate options" "$out" "--duplicate-of OTHER"

# ---- duplicates: a member's ID number in another household ----
M3=01JDE5M0000000000000000103
member "$B" $M3 $HB 张丽 "$(make_id 52270120100101062)" daughter
run "$FC" --dir "$B" sync
is "device B syncs a member who is also in village A" "$rc" 0; say 0
merge_all
like "the merge flags the member's ID number found in another household" "$out" "1 duplicate\(s\)"
run "$FC" --dir "$S" conflicts
like "conflicts lists the two households" "$out" "($HB	$H1|$H1	$HB)	522701\*+"
run "$FC" --dir "$S" resolve $HB id_number --clear
is "a person clears the flag (different people after all)" "$rc" 0; say 0
like "the cleared decision is on main" "$(git --git-dir="$C" show main:county/duplicates)" "cleared"

# ---- forged batches are refused, naming commit and reason ----
git clone -q "$C" "$T/forge"
forge() { # branch message [git options...]
	local br=$1 m=$2; shift 2
	(cd "$T/forge" && git fetch -q origin && git checkout -q -B f "origin/$br" &&
		f=${FF:-$(hdir $FV $FH)/household} && mkdir -p "$(dirname "$f")" && echo "head_phone: 1" >>"$f" && git add -A &&
		git "$@" commit -q -m "$m" -m "Fieldcard-Principal: ${br#batches/}" &&
		git push -q "$URL" "f:$br") >/dev/null 2>&1
}
refused() { # branch pattern description
	local old
	run "$FC" --dir "$S" batches
	like "$3: batches says so" "$out" "${1#batches/} .*$2"
	run "$FC" --dir "$S" merge "$1"
	is "$3: merge exits 3" "$rc" 3
	like "$3: the report names the commit and the reason" "$out" "$1 refused: commit [0-9a-f]{7}.*$2"
}
restore() { git --git-dir="$C" update-ref "refs/heads/$1" "$2"; }
FV=$VB FH=$HB
OLD=$(git --git-dir="$C" rev-parse batches/cadre-b)
forge batches/cadre-b "unsigned forgery"
M0=$(git --git-dir="$C" rev-parse main)
refused batches/cadre-b "unsigned" "an unsigned commit made with stock git"
is "main did not move" "$(git --git-dir="$C" rev-parse main)" "$M0"
restore batches/cadre-b "$OLD"
ssh-keygen -q -t ed25519 -N '' -C stray -f "$T/stray"
forge batches/cadre-b "stray key" -c gpg.format=ssh -c user.signingkey="$T/stray" -c commit.gpgsign=true
refused batches/cadre-b "unknown key" "a commit signed with a stray key"
restore batches/cadre-b "$OLD"
OLDA=$(git --git-dir="$C" rev-parse batches/cadre-a2)
forge batches/cadre-a2 "village A edits village B" -c gpg.format=ssh -c user.signingkey="$A2/keys/id_ed25519" -c commit.gpgsign=true
refused batches/cadre-a2 "out of scope" "cadre-a2 (village A) changing a file of village B"
like "the report names the path outside the villages" "$out" "$(hdir $VB $HB)/household"
restore batches/cadre-a2 "$OLDA"
FF=villages/$VA/notes forge batches/cadre-a2 "a stray file" -c gpg.format=ssh -c user.signingkey="$A2/keys/id_ed25519" -c commit.gpgsign=true
refused batches/cadre-a2 "not a record path" "a file in a village folder that is not a record"
like "the report names the stray file" "$out" "villages/$VA/notes"
restore batches/cadre-a2 "$OLDA"

# ---- a revoked principal: keys/roster changed by a county commit ----
(cd "$T/forge" && git fetch -q origin && git checkout -q -B k origin/main &&
	sed -i "s/^cadre-b\t\(.*\)$/cadre-b\t\1\trevoked/" keys/roster && git add -A &&
	git -c gpg.format=ssh -c user.signingkey="$S/keys/id_ed25519" -c commit.gpgsign=true \
		commit -q -m "Revoke cadre-b" -m "Fieldcard-Principal: county-wang" &&
	git push -q "$URL" k:main) >/dev/null 2>&1
like "the roster marks cadre-b revoked" "$(git --git-dir="$C" show main:keys/roster)" "cadre-b	cadre	$VB	revoked"
"$FC" --dir "$B" set $HB head_phone=13500135000 >/dev/null 2>&1
run "$FC" --dir "$B" sync
run "$FC" --dir "$S" batches
like "a revoked principal's batch is refused" "$out" "cadre-b .*principal cadre-b is revoked in keys/roster"
run "$FC" --dir "$S" merge batches/cadre-b
is "merging it exits 3" "$rc" 3
run "$FC" --dir "$S" verify
is "verify of the whole history exits 0" "$rc" 0; say 0
like "verify counts the commits it checked" "$out" "[0-9]+ commit\(s\) verified"

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
