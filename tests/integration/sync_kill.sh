#!/bin/bash
# sync_kill.sh — a sync cut at any point and run again loses nothing and
# sends nothing twice (issue 4, "Poor links"). A device with pending edits
# syncs over git daemon behind a slow proxy (tests/netproxy.c); each round
# `fieldcard sync` is killed with SIGKILL after a different delay spread
# over a whole sync (commit, fetch, merge, store, push), then run again until
# it completes, and the county merges the batch so the next round also has
# a village commit to fetch and merge. Then: the git daemon killed mid-push,
# and the connection cut by the proxy under `fieldcard sync` itself.
# Afterwards the county holds each round's changeset exactly once, every
# edit is on its batches/<principal> tip, the store has nothing pending and
# `fieldcard check` passes.
. tests/lib.sh
. tests/integration/servers.sh
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0

srv_helpers || { echo "not ok 1 - helpers build"; exit 1; }
D=$T/dev C=$T/dev.county.git S=$T/dev.county
V=522701105201
G() { git --git-dir="$C" "$@"; }
pending() { sqlite3 "$D/fieldcard.db" 'select count(*) from pending'; }
mine() { G log --no-merges --author=cadre-li --format=%H refs/heads/batches/cadre-li | wc -l; }

run "$FC" --dir "$D" demo --households 20
is "demo exits 0" "$rc" 0
"$FC" --dir "$D" sync >/dev/null 2>&1
"$FC" --dir "$S" merge --all >/dev/null 2>&1
srv_git_daemon "$T"
mapfile -t HHS < <(households_in "$C" "refs/heads/villages/$V:villages/$V")
# ~4 KB/s and 30 ms each way: a sync takes a few seconds, so a kill can land
# in each of its steps.
srv_proxy "$GITD_PORT" -b 4000 -d 30
URL=git://127.0.0.1:$PROXY_PORT/dev.county.git
run "$FC" --dir "$D" sync --remote "$URL"
is "first sync through the slow link exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
START=$(mine)

# edit ROUND: five households get a phone number naming the round.
edit() {
	local k
	for k in 0 1 2 3 4; do
		"$FC" --dir "$D" set "${HHS[$(( ($1 * 5 + k) % ${#HHS[@]} ))]}" \
			head_phone=$(printf '1390000%02d%02d' "$1" "$k") >/dev/null 2>&1 || return 1
	done
}
# settle: run sync until it completes (at most 5 tries).
settle() {
	local i
	for i in 1 2 3 4 5; do
		run "$FC" --dir "$D" sync --remote "$URL"
		[ "$rc" = 0 ] && return 0
		echo "# rerun $i: exit $rc: $(echo "$out" | tail -1)"
	done
	return 1
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# bg_sync LOG: start a sync in the background ($pid).
bg_sync() { : >"$1"; "$FC" --dir "$D" sync --remote "$URL" >"$1" 2>&1 & pid=$!; }
# wait_for LOG PATTERN: until a line matches or the sync ended.
wait_for() {
	while kill -0 "$pid" 2>/dev/null && ! grep -q "$2" "$1"; do sleep 0.01; done
}
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# One round watched: when each step starts on this link.
edit 0
bg_sync "$T/timed.log"
t0=$(now_ms)
declare -A at
for s in signing fetching merging bringing sending done; do
	wait_for "$T/timed.log" "^sync: $s"
	at[$s]=$(( $(now_ms) - t0 ))
done
wait "$pid"
is "a watched round completes" "$?" 0
FETCH_MS=$(( at[merging] - at[fetching] )) PUSH_MS=$(( at[done] - at[sending] ))
echo "# steps start at (ms): $(for s in signing fetching merging bringing sending done; do printf '%s=%s ' $s "${at[$s]}"; done)"
"$FC" --dir "$S" merge --all >/dev/null 2>&1
ROUNDS=1

# Ten kills spread over the steps: STEP-PATTERN:EXTRA-MS (the kill lands
# EXTRA ms after the step's line appears).
KILLS=("start:150" "signing:0" "fetching:0" "fetching:$((FETCH_MS / 2))" "merging:0"
	"bringing:0" "sending:0" "sending:$((PUSH_MS / 3))" "sending:$((PUSH_MS * 2 / 3))"
	"sending:$((PUSH_MS * 9 / 10))")
declare -A last
for k in 0 1 2 3 4; do last[${HHS[$k]}]=13900000$(printf %02d $k); done
for r in $(seq 1 10); do
	edit "$r" || echo "# edit $r failed"
	for k in 0 1 2 3 4; do last[${HHS[$(( (r * 5 + k) % ${#HHS[@]} ))]}]=$(printf '1390000%02d%02d' "$r" "$k"); done
	ROUNDS=$((ROUNDS + 1))
	kill=${KILLS[$((r - 1))]}
	bg_sync "$T/killed.$r"
	[ "${kill%%:*}" = start ] || wait_for "$T/killed.$r" "^sync: ${kill%%:*}"
	sleep_ms "${kill##*:}"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "# round $r: killed at $kill, last step: $(grep '^sync:' "$T/killed.$r" | tail -1)"
	ok "round $r: sync after the kill completes" settle
	"$FC" --dir "$S" merge --all >/dev/null 2>&1
done

is "each round's changeset is on the county exactly once" "$(( $(mine) - START ))" "$ROUNDS"
is "nothing pending on the device" "$(pending)" 0
bad=0
for h in "${!last[@]}"; do
	G show "refs/heads/batches/cadre-li:$(hdir $V $h)/household" | grep -q "^head_phone: ${last[$h]}$" ||
		{ echo "# $h lacks head_phone ${last[$h]}"; bad=$((bad + 1)); }
done
is "every edit is on the county's batches/cadre-li tip" "$bad" 0
bad=0
for h in "${!last[@]}"; do
	"$FC" --dir "$D" show "$h" | grep -q "^head_phone: ${last[$h]}$" || bad=$((bad + 1))
done
is "and in the device's store" "$bad" 0
run "$FC" --dir "$D" check
is "fieldcard check exits 0" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | tail -5 | sed 's/^/# /'

# --- the server dies mid-push ---
srv_stop proxy
srv_proxy "$GITD_PORT" -b 1500
URL=git://127.0.0.1:$PROXY_PORT/dev.county.git
edit 11
for k in 0 1 2 3 4; do last[${HHS[$(( (11 * 5 + k) % ${#HHS[@]} ))]}]=$(printf '1390000%02d%02d' 11 "$k"); done
ROUNDS=$((ROUNDS + 1))
before=$(G rev-parse refs/heads/batches/cadre-li)
"$FC" --dir "$D" sync --remote "$URL" >"$T/push.log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q 'sync: sending' "$T/push.log" && break; sleep 0.05; done
sleep 0.3
srv_kill gitd
wait "$pid"
rc=$?
ok "a server killed mid-push: sync fails (exit $rc), it does not hang" test "$rc" -ne 0
like "... and says so plainly" "$(tail -1 "$T/push.log")" "could not reach|nothing was lost|push"
after=$(G rev-parse refs/heads/batches/cadre-li)
ok "... the county ref is the old tip or the new one, never half" \
	bash -c "[ '$after' = '$before' ] || git --git-dir='$D/ledger.git' merge-base --is-ancestor $before $after"
ok "... county repository intact" git --git-dir="$C" fsck --no-progress --no-dangling
srv_git_daemon "$T"
srv_stop proxy
srv_proxy "$GITD_PORT"
URL=git://127.0.0.1:$PROXY_PORT/dev.county.git
ok "server back: sync completes" settle
is "... the changeset arrived once" "$(( $(mine) - START ))" "$ROUNDS"

# --- the connection cut under fieldcard sync ---
edit 12
for k in 0 1 2 3 4; do last[${HHS[$(( (12 * 5 + k) % ${#HHS[@]} ))]}]=$(printf '1390000%02d%02d' 12 "$k"); done
ROUNDS=$((ROUNDS + 1))
srv_stop proxy
srv_proxy "$GITD_PORT" -c 1500
URL=git://127.0.0.1:$PROXY_PORT/dev.county.git
run "$FC" --dir "$D" sync --remote "$URL"
is "every connection cut after 1500 bytes: exit 4" "$rc" 4
like "... with the plain message" "$out" "nothing was lost, run sync again later"
is "... nothing pending is lost (committed locally)" "$(pending)" 0
srv_stop proxy
srv_proxy "$GITD_PORT"
URL=git://127.0.0.1:$PROXY_PORT/dev.county.git
ok "link back: sync completes" settle
is "... every changeset on the county exactly once" "$(( $(mine) - START ))" "$ROUNDS"
bad=0
for h in "${!last[@]}"; do
	G show "refs/heads/batches/cadre-li:$(hdir $V $h)/household" | grep -q "^head_phone: ${last[$h]}$" || bad=$((bad + 1))
done
is "... every edit on the county's tip" "$bad" 0
run "$FC" --dir "$S" merge --all
is "the county merges it all" "$rc" 0
run "$FC" --dir "$D" check
is "fieldcard check exits 0 at the end" "$rc" 0
ok "county repository intact at the end" git --git-dir="$C" fsck --no-progress --no-dangling

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
