#!/bin/bash
# rebuild.sh — `fieldcard check --rebuild`: the store rebuilt from the
# ledger gives the same records byte for byte (export of every form before
# and after); with changes not yet synced it refuses (exit 1, says to sync
# first, changes nothing). A broken store: `check` reports it; what a cadre
# does then (DESIGN.md "Durability", sync/sync_rebuild.c):
#     mv DIR/fieldcard.db DIR/fieldcard.db.broken   (and its -wal, -shm)
#     : > DIR/fieldcard.db                           (an empty store)
#     fieldcard --dir DIR check --rebuild
# which brings back the records and the device's settings from the ledger
# (principal, role, villages, device, remote), so sync goes on as before.
# Only changes saved after the last sync are lost with the broken store.
. tests/lib.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0

D=$T/dev C=$T/dev.county.git S=$T/dev.county
run "$FC" --dir "$D" demo --households 15
is "demo exits 0" "$rc" 0
run "$FC" --dir "$D" sync
is "sync exits 0" "$rc" 0
"$FC" --dir "$S" merge --all >/dev/null 2>&1
run "$FC" --dir "$D" sync
is "sync after the county merge exits 0" "$rc" 0

exports() {
	local f
	for f in household member visit; do
		"$FC" --dir "$D" export --form $f --format csv 2>&1
		"$FC" --dir "$D" export --form $f --format jsonl 2>&1
	done
}
H=$(households_in "$C" "refs/heads/batches/cadre-li:villages/522701105201" | head -1)
BEFORE=$(exports)
SHOW=$("$FC" --dir "$D" show "$H")
like "the export holds the demo records" "$BEFORE" "$H"

run "$FC" --dir "$D" check --rebuild
is "check --rebuild exits 0" "$rc" 0
like "it says how many records it rebuilt" "$out" "rebuilt [0-9]+ records from the ledger"
is "every form's export is byte-identical after the rebuild" "$(exports)" "$BEFORE"
is "show of a household is the same" "$("$FC" --dir "$D" show "$H")" "$SHOW"

# Pending changes: refused, nothing changed.
"$FC" --dir "$D" set "$H" head_phone=13712345678 >/dev/null 2>&1
PENDING=$(exports)
run "$FC" --dir "$D" check --rebuild
is "with a change not synced, check --rebuild exits 1" "$rc" 1
like "... and says to sync first" "$out" "not in the ledger yet; run .fieldcard sync. first"
is "... nothing changed" "$(exports)" "$PENDING"
run "$FC" --dir "$D" sync
is "sync exits 0" "$rc" 0
run "$FC" --dir "$D" check --rebuild
is "after the sync the rebuild exits 0" "$rc" 0
is "... and keeps the change" "$(exports)" "$PENDING"
like "... visible in show" "$("$FC" --dir "$D" show "$H")" "head_phone: 13712345678"

# A broken store.
NCOMMITS=$(git --git-dir="$C" rev-list --count refs/heads/batches/cadre-li)
truncate -s 16384 "$D/fieldcard.db"
rm -f "$D/fieldcard.db-wal" "$D/fieldcard.db-shm"
run "$FC" --dir "$D" check
ok "check on a truncated store fails (exit $rc)" test "$rc" -ne 0
like "... and names the problem" "$out" "fieldcard.db.*(malformed|corrupt|not a database)"
run "$FC" --dir "$D" sync
ok "sync refuses to work on it (exit $rc)" test "$rc" -ne 0
is "... and sends nothing" "$(git --git-dir="$C" rev-list --count refs/heads/batches/cadre-li)" "$NCOMMITS"

mv "$D/fieldcard.db" "$D/fieldcard.db.broken"
: >"$D/fieldcard.db"
run "$FC" --dir "$D" check --rebuild
is "check --rebuild on an empty store in its place exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
like "it recovers the settings from the ledger" "$out" \
	"recovered the settings from the ledger: cadre-li, cadre of village\(s\) 522701105201, device [0-9A-Z]+, remote $C"
is "every form's export is as before the breakage" "$(exports)" "$PENDING"
is "the device's settings are back" "$(sqlite3 "$D/fieldcard.db" "select group_concat(key || '=' || value, ' ') from meta where key in ('principal','role','villages') order by key")" \
	"principal=cadre-li role=cadre villages=522701105201"
"$FC" --dir "$D" set "$H" head_phone=13800000001 >/dev/null 2>&1
run "$FC" --dir "$D" sync
is "sync after the recovery exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
is "... one new changeset, nothing sent twice" \
	"$(git --git-dir="$C" rev-list --count refs/heads/batches/cadre-li)" "$((NCOMMITS + 1))"
like "... carrying the new edit" "$(git --git-dir="$C" show "refs/heads/batches/cadre-li:$(hdir 522701105201 $H)/household")" \
	"head_phone: 13800000001"
run git --git-dir="$C" log -1 --format=%B refs/heads/batches/cadre-li
like "... from the same device as before" "$out" "Fieldcard-Device: $(sqlite3 "$D/fieldcard.db.broken" "select value from meta where key='device'" 2>/dev/null || echo '[0-9A-Z]+')"
run "$FC" --dir "$D" check
is "check exits 0 at the end" "$rc" 0

# One step: check --rebuild alone moves a damaged store aside and rebuilds.
BEFORE=$(exports)
truncate -s 8192 "$D/fieldcard.db"
rm -f "$D/fieldcard.db-wal" "$D/fieldcard.db-shm"
run "$FC" --dir "$D" check --rebuild
is "check --rebuild alone recovers a damaged store (exit 0)" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
like "... saying where the damaged store went" "$out" "moved the damaged store aside to .*fieldcard.db.broken-"
ok "... which is kept, not deleted" bash -c 'compgen -G "$1" >/dev/null' _ "$D/fieldcard.db.broken-*"
is "... with every record back" "$(exports)" "$BEFORE"

# A revoked device: refused after a rebuild as before it. County staff
# mark cadre-li revoked in keys/roster (a county-signed commit made with
# stock git), and an enrolment cuts the village again so that the device
# receives the roster.
git clone -q "$C" "$T/forge" 2>/dev/null
(cd "$T/forge" && sed -i "s/^cadre-li\t\(.*\)$/cadre-li\t\1\trevoked/" keys/roster && git add -A &&
	git -c user.name=county-wang -c user.email=county-wang@example.org -c gpg.format=ssh \
		-c user.signingkey="$S/keys/id_ed25519" -c commit.gpgsign=true \
		commit -q -m "Revoke cadre-li" -m "Fieldcard-Principal: county-wang" &&
	git push -q origin HEAD:main) >/dev/null 2>&1
like "the roster marks cadre-li revoked" "$(git --git-dir="$C" show main:keys/roster)" "cadre-li	cadre	522701105201	revoked"
ssh-keygen -q -t ed25519 -N '' -C zhao@laptop -f "$T/zhao"
run "$FC" --dir "$S" enroll "$T/zhao.pub" --principal cadre-zhao --role cadre --village 522701105201
is "enrolling another device of the village exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
"$FC" --dir "$D" set "$H" head_phone=13800000002 >/dev/null 2>&1
"$FC" --dir "$D" sync >/dev/null 2>&1
like "the device receives the roster that revokes it" \
	"$(git --git-dir="$D/ledger.git" show refs/heads/batches/cadre-li:keys/roster)" "cadre-li	cadre	522701105201	revoked"
run "$FC" --dir "$S" batches
like "before a rebuild the county refuses the revoked device's batch" "$out" "cadre-li .*principal cadre-li is revoked in keys/roster"
mv "$D/fieldcard.db" "$D/fieldcard.db.revoked"
rm -f "$D/fieldcard.db-wal" "$D/fieldcard.db-shm"
: >"$D/fieldcard.db"
run "$FC" --dir "$D" check --rebuild
is "check --rebuild of the revoked device exits 1" "$rc" 1
like "... saying the roster revokes it" "$out" "keys/roster of batches/cadre-li marks cadre-li revoked"
is "... and recovers no settings" "$(sqlite3 "$D/fieldcard.db" "select count(*) from meta where key in ('principal','role','villages')" 2>/dev/null || echo 0)" "0"
run "$FC" --dir "$S" batches
like "after the rebuild the county still refuses the batch" "$out" "cadre-li .*principal cadre-li is revoked in keys/roster"

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
