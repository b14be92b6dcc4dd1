#!/bin/bash
# hostile_remote.sh — bad input from a remote (issue 4): the county's
# villages/<code> ref of a device's village is made to bring, one at a time,
# an unsigned commit, a commit whose content was changed under a copied
# signature, a commit signed by an unknown key, malformed record files (bad
# header, invalid UTF-8, a record at another record's path), paths outside
# villages/<code> (evil/x, another village), a path with "..", and an
# oversized file. The commits are made with stock git (signed with the
# county's own key where the signature must pass, so that the later checks
# are reached). For each, `fieldcard sync` exits 3 with a report naming the
# commit (short oid) and the reason, and nothing on the device changes: the
# export of every record, a record's `show`, the device branch and the
# village commit it merged last.
. tests/lib.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0

D=$T/dev C=$T/dev.county.git S=$T/dev.county
V=522701105201 VB=522701105202
G() { git --git-dir="$C" "$@"; }

run "$FC" --dir "$D" demo --households 12
is "demo exits 0" "$rc" 0
"$FC" --dir "$D" sync >/dev/null 2>&1
"$FC" --dir "$S" merge --all >/dev/null 2>&1
run "$FC" --dir "$D" sync
is "device synced with its merged village" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'

V0=$(G rev-parse "refs/heads/villages/$V")
H=$(households_in "$C" "$V0:villages/$V" | head -1)
M=$(G ls-tree --name-only "$V0:$(hdir $V $H)/members" | head -1)
HH=$(G show "$V0:$(hdir $V $H)/household")
CWHEN="@$(G log -1 --format=%ct "$V0") +0000"
export GIT_AUTHOR_NAME=county-wang GIT_AUTHOR_EMAIL=county-wang@county.fieldcard
export GIT_COMMITTER_NAME=county-wang GIT_COMMITTER_EMAIL=county-wang@county.fieldcard
export GIT_AUTHOR_DATE=$CWHEN GIT_COMMITTER_DATE=$CWHEN
MSG="villages/$V: crafted

Fieldcard-Principal: county-wang
Fieldcard-Device: county"

snapshot() { # everything a person sees of the device's data
	local f
	for f in household member visit; do "$FC" --dir "$D" export --form $f --format jsonl 2>&1; done
	"$FC" --dir "$D" show "$H" 2>&1
	git --git-dir="$D/ledger.git" rev-parse refs/heads/batches/cadre-li "refs/fieldcard/merged/villages/$V"
}
BEFORE=$(snapshot)
like "the snapshot holds the records" "$BEFORE" "\"id\":\"$H\""

# tree_with PATH CONTENT-FILE: V0's tree with one file put (index-based;
# git refuses odd paths there, see tree_raw).
tree_with() {
	local blob idx=$T/idx
	blob=$(G hash-object -w "$2")
	rm -f "$idx"
	GIT_INDEX_FILE=$idx G read-tree "$V0"
	GIT_INDEX_FILE=$idx G update-index --add --cacheinfo "100644,$blob,$1"
	GIT_INDEX_FILE=$idx G write-tree
}
# tree_raw NAME CONTENT-FILE: V0's tree with an entry NAME (anything, even
# "..") added to villages/$V, built with mktree as a hostile server would.
tree_raw() {
	local blob vt vs rt
	blob=$(G hash-object -w "$2")
	vt=$( (G ls-tree "$V0:villages/$V"; printf '100644 blob %s\t%s\n' "$blob" "$1") | G mktree)
	vs=$( (G ls-tree "$V0:villages" | grep -v "	$V\$"; printf '040000 tree %s\t%s\n' "$vt" "$V") | G mktree)
	rt=$( (G ls-tree "$V0" | grep -v '	villages$'; printf '040000 tree %s\tvillages\n' "$vs") | G mktree)
	echo "$rt"
}
signed() { # TREE [KEY]: a commit on V0 signed with KEY (default the county's)
	G -c gpg.format=ssh -c user.signingkey="${2:-$S/keys/id_ed25519}" commit-tree "$1" -p "$V0" -S -m "$MSG"
}

# attempt NAME COMMIT REASON-REGEX [CULPRIT]: the village ref brings COMMIT;
# sync refuses, naming CULPRIT (default COMMIT) and the reason.
attempt() {
	local name=$1 c=$2 why=$3 short
	short=$(G rev-parse --short=7 "${4:-$c}")
	G update-ref "refs/heads/villages/$V" "$c"
	run "$FC" --dir "$D" sync
	is "$name: sync exits 3" "$rc" 3
	echo "$out" | grep fieldcard: | sed 's/^/# /'
	like "$name: the report names commit $short and the reason" "$out" "commit $short[0-9a-f]*:? .*$why"
	is "$name: nothing on the device changed" "$(snapshot)" "$BEFORE"
	G update-ref "refs/heads/villages/$V" "$V0"
}

# A change that would be fine if properly signed: a new phone number.
printf '%s\n' "$HH" | sed 's/^head_phone: .*/head_phone: 13000000000/' >"$T/phone"
GOODTREE=$(tree_with "$(hdir $V $H)/household" "$T/phone")

attempt "unsigned commit" "$(G commit-tree "$GOODTREE" -p "$V0" -m "$MSG")" "unsigned|not signed|no signature"

GOOD=$(signed "$GOODTREE")
ok "the county key signs a commit stock git accepts (control)" \
	bash -c "git --git-dir='$C' show '$V0:keys/allowed_signers' >'$T/allowed' && \
	git --git-dir='$C' -c gpg.format=ssh -c gpg.ssh.allowedSignersFile='$T/allowed' verify-commit $GOOD 2>/dev/null"
printf '%s\n' "$HH" | sed 's/^head_phone: .*/head_phone: 13999999999/' >"$T/phone2"
OTHER=$(tree_with "$(hdir $V $H)/household" "$T/phone2")
TAMPERED=$(G cat-file commit "$GOOD" | sed "s/^tree .*/tree $OTHER/" | G hash-object -t commit -w --stdin)
attempt "content changed under a copied signature" "$TAMPERED" "bad signature"

ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/stranger"
attempt "signed by an unknown key" "$(signed "$GOODTREE" "$T/stranger")" "unknown key"

printf '%s\n' "$HH" | sed '1s/.*/garbage header/' >"$T/badhdr"
attempt "record with a bad header" "$(signed "$(tree_with "$(hdir $V $H)/household" "$T/badhdr")")" \
	"malformed record: $(hdir $V $H)/household:1:"

printf '%s\n' "$HH" | sed 's/^head_name: .*/head_name: \xff\xfe/' >"$T/badutf"
attempt "record with invalid UTF-8" "$(signed "$(tree_with "$(hdir $V $H)/household" "$T/badutf")")" \
	"malformed record: $(hdir $V $H)/household:[0-9]+: invalid UTF-8"

G show "$V0:$(hdir $V $H)/members/$M" >"$T/member"
attempt "a member record put in the household's place" \
	"$(signed "$(tree_with "$(hdir $V $H)/household" "$T/member")")" "holding a member record"

attempt "a path outside villages/" "$(signed "$(tree_with evil/x "$T/phone")")" "evil/x, outside that village"

attempt "a path in another village" \
	"$(signed "$(tree_with "villages/$VB/01JDE5M0000000000000000009/household" "$T/phone")")" \
	"villages/$VB/01JDE5M0000000000000000009/household, outside that village"

attempt "a path with .." "$(signed "$(tree_raw .. "$T/phone")")" "villages/$V/\.\., outside that village"

attempt "a household outside the folders its id names" \
	"$(signed "$(tree_with "villages/$V/_/_/$H/household" "$T/phone")")" "villages/$V/_/_/$H/household, which is not a record path"

attempt "a household in the old unsharded layout" \
	"$(signed "$(tree_with "villages/$V/$H/household" "$T/phone")")" "villages/$V/$H/household, which is not a record path"

attempt "a stray file in the village folder" "$(signed "$(tree_with "$(hdir $V $H)/notes" "$T/phone")")" \
	"not a record path"

head -c 1100000 /dev/zero | tr '\0' 'x' >"$T/big"
attempt "an oversized file" "$(signed "$(tree_with "$(hdir $V $H)/visits/01JDE5M0000000000000000099" "$T/big")")" \
	"of 1100000 bytes"

# A bad commit under a good one: the report names the bad one, not the tip.
BAD=$(signed "$(tree_with evil/x "$T/phone")")
TIP=$(G -c gpg.format=ssh -c user.signingkey="$S/keys/id_ed25519" commit-tree "$BAD^{tree}" -p "$BAD" -S -m "$MSG")
attempt "a bad commit under a good tip (named, not the tip)" "$TIP" "evil/x" "$BAD"

# After all that, the honest village ref still syncs.
run "$FC" --dir "$D" sync
is "the village ref restored: sync exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
G update-ref "refs/heads/villages/$V" "$GOOD"
run "$FC" --dir "$D" sync
is "a good county commit merges (control)" "$rc" 0
like "its change reaches the store" "$("$FC" --dir "$D" show "$H")" "head_phone: 13000000000"
# A refused village does not hold back the device's own changes.
"$FC" --dir "$D" set "$H" head_phone=13111111111 >/dev/null 2>&1
G update-ref "refs/heads/villages/$V" "$BAD"
run "$FC" --dir "$D" sync
is "a pending edit with a refused village: exit 3" "$rc" 3
like "... it says the own changes were sent" "$out" "your own changes were sent all the same"
like "... the edit reached the county" "$(G show "batches/cadre-li:$(hdir $V $H)/household")" "head_phone: 13111111111"
ok "... and nothing of the bad commit is on the device branch" \
	bash -c "! git --git-dir='$D/ledger.git' cat-file -e batches/cadre-li:evil/x 2>/dev/null"
G update-ref "refs/heads/villages/$V" "$V0"

# A form from the county that does not load: the device keeps the forms it
# has (and can still open its data and sync); a good form change is taken.
formsum() { (cd "$D/forms" && find . -type f | sort | xargs md5sum); }
on_good() { # PATH FILE: GOOD's tree with one file put, committed on GOOD, signed by the county
	local idx=$T/idx2 blob tree
	blob=$(G hash-object -w "$2")
	rm -f "$idx"
	GIT_INDEX_FILE=$idx G read-tree "$GOOD"
	GIT_INDEX_FILE=$idx G update-index --add --cacheinfo "100644,$blob,$1"
	tree=$(GIT_INDEX_FILE=$idx G write-tree)
	G -c gpg.format=ssh -c user.signingkey="$S/keys/id_ed25519" commit-tree "$tree" -p "$GOOD" -S -m "$MSG"
}
G update-ref "refs/heads/villages/$V" "$GOOD"
"$FC" --dir "$D" sync >/dev/null 2>&1
FORMS0=$(formsum)
ok "the device has the county's forms" test -n "$FORMS0"
G show "$GOOD:forms/household/survey.csv" >"$T/survey"
echo "bogus_type,broken,坏,Broken,,,,,,,,,," >>"$T/survey"
G update-ref "refs/heads/villages/$V" "$(on_good forms/household/survey.csv "$T/survey")"
run "$FC" --dir "$D" sync
is "a broken form from the county: sync still exits 0" "$rc" 0
like "... and says the new forms have an error, naming file and line" "$out" \
	"new forms have an error.*survey.csv:[0-9]+: .*bogus_type"
is "... the forms in use are unchanged" "$(formsum)" "$FORMS0"
ok "... no half-written forms are left" test ! -e "$D/forms.new"
run "$FC" --dir "$D" show "$H"
is "... the device still opens its data" "$rc" 0
G show "$GOOD:forms/household/survey.csv" | sed 's/^text,head_name,户主姓名,/text,head_name,户主姓名（全名）,/' >"$T/survey2"
G update-ref "refs/heads/villages/$V" "$(on_good forms/household/survey.csv "$T/survey2")"
run "$FC" --dir "$D" sync
is "a good form change: sync exits 0" "$rc" 0
ok "... and the device takes it" grep -q '户主姓名（全名）' "$D/forms/household/survey.csv"
G update-ref "refs/heads/villages/$V" "$V0"

ok "county repository intact" git --git-dir="$C" fsck --no-progress --no-dangling 2>/dev/null

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
