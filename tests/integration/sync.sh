#!/bin/bash
# sync.sh — the whole `fieldcard sync` between two devices and a county
# repository: init-county, enroll, signed changesets on batches/<principal>
# that stock `git verify-commit` accepts, forms and keys reaching devices,
# no object of another village on a device, an unreachable remote (exit 4,
# nothing touched), and a rerun that duplicates nothing. Over a path here
# and over git daemon, so the same flow is seen on a network link.
. tests/lib.sh
. tests/integration/servers.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0
export FIELDCARD_NOW=2026-11-23T10:00:00Z

C=$T/county.git S=$T/staff A=$T/a B=$T/b
VA=522701105201 VB=522701105202

run "$FC" --dir "$S" init-county "$C" --name county-wang --county 522701
is "init-county exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
ok "county repository is a plain bare repository" test "$(git --git-dir="$C" rev-parse --is-bare-repository)" = true
ok "it holds the shipped forms" git --git-dir="$C" cat-file -e main:forms/household/survey.csv
like "roster names the county principal" "$(git --git-dir="$C" show main:keys/roster)" "county-wang	county	\*"
git --git-dir="$C" show main:keys/allowed_signers >"$T/signers0"
ok "first commit signed by the county key (stock git)" \
	git --git-dir="$C" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/signers0" verify-commit main

"$FC" --dir "$A" init --role cadre --name cadre-a --village $VA --remote "$C" >/dev/null 2>&1
"$FC" --dir "$B" init --role cadre --name cadre-b --village $VB --remote "$C" >/dev/null 2>&1
run "$FC" --dir "$S" enroll "$A/keys/id_ed25519.pub" --principal cadre-a --role cadre --village $VA
is "enroll device A exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
run "$FC" --dir "$S" enroll "$B/keys/id_ed25519.pub" --principal cadre-b --role cadre --village $VB
is "enroll device B exits 0" "$rc" 0
like "A's key is on main" "$(git --git-dir="$C" show main:keys/allowed_signers)" "cadre-a namespaces=\"git\" ssh-ed25519 "
is "village ref A holds main's keys subtree (same object)" \
	"$(git --git-dir="$C" rev-parse villages/$VA:keys)" "$(git --git-dir="$C" rev-parse main:keys)"
is "village ref has one parent line of its own (never main)" \
	"$(git --git-dir="$C" rev-list --parents -1 villages/$VA | wc -w)" 2
like "village commit names the main commit it was cut from" \
	"$(git --git-dir="$C" log -1 --format=%B villages/$VA)" "Fieldcard-Main: $(git --git-dir="$C" rev-parse main)"

household() { # dir id village code name idnumber
	cat >"$T/hh-$2.csv" <<-CSV
	id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
	$2,$3,石门村,$4,$5,$6,贵州省,lifted,general,illness,B,no,yes,no
	CSV
	"$FC" --dir "$1" import "$T/hh-$2.csv" >/dev/null 2>&1
}
HA=01JDE5M0000000000000000001
HB=01JDE5M0000000000000000002
household "$A" $HA $VA 5227011052010001 张三 "$(make_id 52270119650312041)"
household "$B" $HB $VB 5227011052020001 李四 "$(make_id 52270119700101042)"

run "$FC" --dir "$A" sync
is "device A sync exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
like "sync shows its steps" "$out" "sync: signing 1 changed record"
like "a push to a path shows real bytes and a rate" "$out" "sending: [0-9]+/[0-9]+ objects, [1-9][0-9.]* (B|KiB), [1-9][0-9.]* (B|KiB|MiB)/s"
like "a fetch from a path shows real bytes" "$out" "receiving: [0-9]+/[0-9]+ objects, [1-9][0-9.]* (B|KiB)"
ok "county has batches/cadre-a" git --git-dir="$C" show-ref -q --verify refs/heads/batches/cadre-a
git --git-dir="$C" show main:keys/allowed_signers >"$T/signers"
run git --git-dir="$C" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/signers" verify-commit \
	"$(git --git-dir="$C" rev-list --no-merges -1 batches/cadre-a)"
is "stock git verify-commit accepts the changeset" "$rc" 0
like "a Good git signature for cadre-a" "$out" 'Good "git" signature for cadre-a'
ok "the record file is at its place" git --git-dir="$C" cat-file -e "batches/cadre-a:$(hdir $VA $HA)/household"
like "the changeset names principal and device" "$(git --git-dir="$C" log --no-merges -1 --format=%B batches/cadre-a)" \
	"Fieldcard-Principal: cadre-a"

run "$FC" --dir "$B" sync
is "device B sync exits 0" "$rc" 0
ok "forms reached device B's data directory" test -f "$B/forms/household/survey.csv"
like "keys reached device A (B's key cut into A's village)" \
	"$(git --git-dir="$A/ledger.git" show refs/remotes/county/villages/$VA:keys/allowed_signers)" "cadre-b namespaces"

# A device holds no object of another village.
BBLOB=$(git --git-dir="$C" rev-parse "batches/cadre-b:$(hdir $VB $HB)/household")
ok "device A lacks B's record object" bash -c "! git --git-dir='$A/ledger.git' cat-file -e $BBLOB 2>/dev/null"
is "no path of another village in device A's ledger" \
	"$(git --git-dir="$A/ledger.git" rev-list --objects --all | grep -c "villages/$VB\|^[0-9a-f]* $VB$")" 0
is "no path of another village in device B's ledger" \
	"$(git --git-dir="$B/ledger.git" rev-list --objects --all | grep -c "villages/$VA\|^[0-9a-f]* $VA$")" 0

# Idempotent: a second sync adds nothing; an edit adds exactly one changeset.
n1=$(git --git-dir="$C" rev-list --count batches/cadre-a)
run "$FC" --dir "$A" sync
is "sync with nothing new exits 0" "$rc" 0
is "and adds no commit" "$(git --git-dir="$C" rev-list --count batches/cadre-a)" "$n1"
"$FC" --dir "$A" set $HA head_phone=13800138000 >/dev/null 2>&1
run "$FC" --dir "$A" sync
is "sync after an edit exits 0" "$rc" 0
is "one new changeset" "$(git --git-dir="$C" rev-list --count batches/cadre-a)" "$((n1 + 1))"
like "the county sees the edit" "$(git --git-dir="$C" show "batches/cadre-a:$(hdir $VA $HA)/household")" \
	"head_phone: 13800138000"

# Unreachable remote: exit 4, a plain message, nothing touched.
"$FC" --dir "$A" set $HA head_phone=13900139000 >/dev/null 2>&1
before=$(git --git-dir="$C" rev-parse batches/cadre-a)
dead=$(srv_free_port)
run "$FC" --dir "$A" sync --remote "git://127.0.0.1:$dead/county.git"
is "unreachable remote exits 4" "$rc" 4
like "with the plain message" "$out" "could not reach the county repository at git://127.0.0.1:$dead/county.git: .*nothing was lost, run sync again later"
is "the county is untouched" "$(git --git-dir="$C" rev-parse batches/cadre-a)" "$before"
like "the edit is still on the device" "$("$FC" --dir "$A" show $HA)" "head_phone: 13900139000"

# The same over git daemon: the pending edit goes once.
srv_git_daemon "$T"
run "$FC" --dir "$A" sync --remote "git://127.0.0.1:$GITD_PORT/county.git"
is "sync over git:// exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
like "the village did not move, so the county's refs are read once and nothing is fetched" "$out" \
	"nothing new from git://127.0.0.1:$GITD_PORT/county.git"
like "a push over git:// shows real bytes and a rate" "$out" "sending: [0-9]+/[0-9]+ objects, [1-9][0-9.]* (B|KiB), [1-9][0-9.]* (B|KiB|MiB)/s"
ok "the server's progress chatter is not repeated line by line" test "$(echo "$out" | grep -c '%')" -le 4
like "the county has the edit made while offline" \
	"$(git --git-dir="$C" show "batches/cadre-a:$(hdir $VA $HA)/household")" "head_phone: 13900139000"
is "committed once (no duplicate changeset)" \
	"$(git --git-dir="$C" rev-list --no-merges --count batches/cadre-a)" \
	"$(git --git-dir="$A/ledger.git" rev-list --no-merges --count batches/cadre-a)"
# After the county merges a batch, the village commit links it (the
# principal holds that one village), so the device's next fetch brings
# back only the county's commit, not the device's own records again.
"$FC" --dir "$S" merge --all >/dev/null 2>&1
ok "the village commit links cadre-a's merged batch" \
	git --git-dir="$C" merge-base --is-ancestor batches/cadre-a "villages/$VA"
run "$FC" --dir "$A" sync --remote "git://127.0.0.1:$GITD_PORT/county.git"
is "the sync after the merge exits 0" "$rc" 0
got=$(echo "$out" | sed -n 's/.*receiving: [0-9]*\/\([0-9]*\) objects.*/\1/p' | tail -1)
ok "and receives a handful of objects, not its records again (got ${got:-0})" test "${got:-0}" -le 6
is "it had nothing to send, so it opened no push connection" "$(echo "$out" | grep -c 'sending')" 0
is "it takes the village commit as it is: no merge commit" \
	"$(git --git-dir="$A/ledger.git" rev-parse refs/heads/batches/cadre-a)" "$(git --git-dir="$C" rev-parse "villages/$VA")"
"$FC" --dir "$A" set $HA head_phone=13755556666 >/dev/null 2>&1
run "$FC" --dir "$A" sync --remote "git://127.0.0.1:$GITD_PORT/county.git"
is "the next edit goes on top of it" "$rc" 0
run "$FC" --dir "$S" merge --all
like "and the county merges it" "$out" "cadre-a: merged, 0 conflict"
like "main has the edit" "$(git --git-dir="$C" show "main:$(hdir $VA $HA)/household")" "head_phone: 13755556666"

# A principal of two villages: its batch holds both, so no village commit
# links it, and a device of one village still gets nothing of the other.
AB=$T/ab
"$FC" --dir "$AB" init --role cadre --name cadre-ab --village $VA,$VB --remote "$C" >/dev/null 2>&1
"$FC" --dir "$S" enroll "$AB/keys/id_ed25519.pub" --principal cadre-ab --role cadre --village $VA,$VB >/dev/null 2>&1
"$FC" --dir "$AB" sync >/dev/null 2>&1
"$FC" --dir "$AB" set $HA head_phone=13711112222 >/dev/null 2>&1
"$FC" --dir "$AB" set $HB head_phone=13722223333 >/dev/null 2>&1
run "$FC" --dir "$AB" sync
is "the two-village device syncs" "$rc" 0
run "$FC" --dir "$S" merge --all
like "its batch is merged" "$out" "cadre-ab: merged"
ok "no village commit links the two-village batch" \
	bash -c "! git --git-dir='$C' merge-base --is-ancestor batches/cadre-ab villages/$VA"
"$FC" --dir "$A" sync >/dev/null 2>&1
like "device A has the edit of the two-village principal" "$("$FC" --dir "$A" show $HA)" "head_phone: 13711112222"
is "and still no object of village B" \
	"$(git --git-dir="$A/ledger.git" rev-list --objects --all | grep -c "villages/$VB\|^[0-9a-f]* $VB$")" 0
ok "county repository intact" git --git-dir="$C" fsck --no-progress --no-dangling

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
