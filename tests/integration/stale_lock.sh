# stale_lock.sh — a sync killed while libgit2 held a ref's lock file left
# "<ref>.lock" behind, and every later sync failed on it for ever ("ref
# moved: expected X, found X"; found by the fresh-root run of sync_kill.sh).
# Every fieldcard writer now holds the ledger's writer lock
# (ledger.git/fieldcard.lock), so the lock files it finds are a dead
# writer's and are removed; a live writer makes the next one wait, then
# say so plainly. Also the county repository's own refs.
. tests/lib.sh
D=$T/dev C=$T/dev.county.git S=$T/dev.county
G() { git --git-dir="$C" "$@"; }

run "$FC" --dir "$D" demo --households 5
is "demo exits 0" "$rc" 0
run "$FC" --dir "$D" sync
is "first sync exits 0" "$rc" 0
principal=$(git --git-dir="$D/ledger.git" for-each-ref --format='%(refname)' refs/heads/batches | head -1)
hh=$("$FC" --dir "$D" export --format csv 2>/dev/null | sed -n 2p | cut -d, -f1)

# What a SIGKILL between libgit2's lock and rename leaves.
: >"$D/ledger.git/$principal.lock"
: >"$D/ledger.git/packed-refs.lock"
run "$FC" --dir "$D" set "$hh" head_phone=13900002222
is "an edit saves" "$rc" 0
run "$FC" --dir "$D" sync
is "sync after a dead writer's lock files exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
ok "the stale ref lock is gone" test ! -e "$D/ledger.git/$principal.lock"
ok "the stale packed-refs lock is gone" test ! -e "$D/ledger.git/packed-refs.lock"
like "the edit reached the county" "$(G show "$principal:$(G ls-tree -r --name-only "$principal" | grep "/$hh/household")")" 'head_phone: 13900002222'
is "nothing pending" "$(sqlite3 "$D/fieldcard.db" 'select count(*) from pending')" 0

# A live writer: another process holds the writer lock.
run "$FC" --dir "$D" set "$hh" head_phone=13900003333
# exec: the pid is the holder itself, so killing it frees the lock
bash -c 'exec 8>>"$0"; flock 8; exec sleep 30' "$D/ledger.git/fieldcard.lock" &
holder=$!
sleep 0.5
t0=$(date +%s)
run "$FC" --dir "$D" sync
t1=$(date +%s)
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
ok "sync beside a live writer fails" test "$rc" -ne 0
like "saying another fieldcard process is writing" "$out" 'another fieldcard process is writing'
like "and that nothing was changed" "$out" 'nothing was changed'
ok "it waited for the other writer first (about 10 s)" test $((t1 - t0)) -ge 9
is "the edit is still pending" "$(sqlite3 "$D/fieldcard.db" 'select count(*) from pending')" 1
run "$FC" --dir "$D" sync
is "once the other writer is gone, sync exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
is "nothing pending after it" "$(sqlite3 "$D/fieldcard.db" 'select count(*) from pending')" 0

# The county's store side: a dead writer's lock on main in the county repo.
: >"$C/refs/heads/main.lock"
run "$FC" --dir "$S" merge --all
is "county merge after a dead writer's lock on main exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
ok "main's stale lock is gone" test ! -e "$C/refs/heads/main.lock"
like "main has the edit" "$(G show "main:$(G ls-tree -r --name-only main | grep "/$hh/household")")" 'head_phone: 13900003333'
exit $_tap_fail
