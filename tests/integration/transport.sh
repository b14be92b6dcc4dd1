#!/bin/bash
# transport.sh — fetch and push (sync/ledger/transport.c) through every kind of
# link against real servers on loopback: a bare repository by path and
# file:// (the USB stick), git daemon, sshd with a pinned host key, smart
# HTTP and HTTPS behind lighttpd; then the bad days: an unreachable remote,
# a server killed mid-push, a link cut mid-fetch, a slow lossy link.
. tests/lib.sh
. tests/integration/servers.sh
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org

# libgit2 1.5 leaks a little per SSH connection; the suppressions name its
# entry point, which only a slow (full) unwind sees.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0
srv_helpers || { echo "not ok 1 - build test helpers"; exit 1; }
export XFER_DELAY_MS=100

SRV=$T/srv
mkdir -p "$SRV"
git init -q --bare "$SRV/county.git"
git -C "$SRV/county.git" config http.receivepack true

# commit_on REPO REF SIZE NAME: a commit on REF (parent = REF if it exists)
# adding a file NAME of SIZE random bytes (incompressible, so it takes time
# on a slow link).
commit_on() {
	local repo=$1 ref=$2 size=$3 name=$4 blob tree parent=()
	blob=$(head -c "$size" /dev/urandom | git -C "$repo" hash-object -w --stdin)
	if git -C "$repo" rev-parse -q --verify "$ref" >/dev/null; then
		parent=(-p "$(git -C "$repo" rev-parse "$ref")")
		tree=$( (git -C "$repo" ls-tree "$ref"; printf '100644 blob %s\t%s\n' "$blob" "$name") | git -C "$repo" mktree)
	else
		tree=$(printf '100644 blob %s\t%s\n' "$blob" "$name" | git -C "$repo" mktree)
	fi
	git -C "$repo" update-ref "$ref" "$(git -C "$repo" commit-tree "$tree" "${parent[@]}" -m "add $name")"
}

# A device: its bare ledger and data directory with a transport key (made
# once; asking again gives the same device).
device() {
	local d=$T/dev-$1
	mkdir -p "$d/keys"
	[ -d "$d/ledger.git" ] || git init -q --bare "$d/ledger.git"
	[ -f "$d/keys/transport_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C "device-$1" -f "$d/keys/transport_ed25519"
	echo "$d"
}

ref_of() { git -C "$1" rev-parse -q --verify "$2" 2>/dev/null || echo none; }

commit_on "$SRV/county.git" refs/heads/villages/520101 2000 household-a
commit_on "$SRV/county.git" refs/heads/villages/520999 2000 other-village
VREF=$(ref_of "$SRV/county.git" refs/heads/villages/520101)
SPEC='+refs/heads/villages/520101:refs/remotes/county/villages/520101'

# round NAME URL: fetch the village, make a batch on top, push it back.
round() {
	local name=$1 url=$2 d
	d=$(device "$name")
	run "$XFER" fetch "$d/ledger.git" "$url" "$d" "$SPEC"
	is "$name: fetch exits 0" "$rc" 0
	[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /' | tail -5
	is "$name: village ref fetched" "$(ref_of "$d/ledger.git" refs/remotes/county/villages/520101)" "$VREF"
	is "$name: other village not fetched" "$(git -C "$d/ledger.git" cat-file -t \
		"$(ref_of "$SRV/county.git" refs/heads/villages/520999)" 2>/dev/null)" ""
	git -C "$d/ledger.git" update-ref "refs/heads/batches/$name" "$VREF"
	commit_on "$d/ledger.git" "refs/heads/batches/$name" 3000 "change-$name"
	run "$XFER" push "$d/ledger.git" "$url" "$d" "refs/heads/batches/$name"
	is "$name: push exits 0" "$rc" 0
	[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /' | tail -5
	is "$name: county has the batch" "$(ref_of "$SRV/county.git" "refs/heads/batches/$name")" \
		"$(ref_of "$d/ledger.git" "refs/heads/batches/$name")"
	like "$name: progress reported" "$out" "push [0-9]+/[0-9]+ objects, [0-9]+ bytes"
}

# ---- the USB stick: a path and file:// ----
round path "$SRV/county.git"
round file "file://$SRV/county.git"

# ---- git daemon ----
srv_git_daemon "$SRV"
round git "git://127.0.0.1:$GITD_PORT/county.git"

# ---- ssh ----
srv_sshd
SSH_URL="ssh://$SSHD_USER@127.0.0.1:$SSHD_PORT$SRV/county.git"
d=$(device ssh-unpinned)
srv_sshd_allow "$d/keys/transport_ed25519.pub"
run "$XFER" fetch "$d/ledger.git" "$SSH_URL" "$d" "$SPEC"
is "ssh: unknown host key refused (exit 1)" "$rc" 1
like "ssh: message says how to pin" "$out" "host key of \[127.0.0.1\]:$SSHD_PORT is not pinned: add .*known_hosts"
is "ssh: nothing fetched from an unpinned host" "$(ref_of "$d/ledger.git" refs/remotes/county/villages/520101)" none

XFER_TRUST_FIRST=1 run "$XFER" fetch "$d/ledger.git" "$SSH_URL" "$d" "$SPEC"
is "ssh: trust on first contact when the setting asks" "$rc" 0
is "ssh: first contact pins the server's key" "$(cat "$d/keys/known_hosts")" "$SSHD_KNOWN"

d=$(device ssh-wrongpin)
srv_sshd_allow "$d/keys/transport_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -f "$T/impostor"
echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/impostor.pub")" >"$d/keys/known_hosts"
XFER_TRUST_FIRST=1 run "$XFER" fetch "$d/ledger.git" "$SSH_URL" "$d" "$SPEC"
is "ssh: a different host key is refused even with trust-first" "$rc" 1
like "ssh: message names the pinned file" "$out" "is not the one pinned in .*known_hosts"

d=$(device ssh-stranger)
echo "$SSHD_KNOWN" >"$d/keys/known_hosts"
run timeout 60 "$XFER" fetch "$d/ledger.git" "$SSH_URL" "$d" "$SPEC"
is "ssh: a key the server does not know is refused, no endless retry" "$rc" 1
like "ssh: message names the transport key" "$out" "transport_ed25519.pub"

# The real round: pinned by the county's line, key authorised.
d=$(device ssh)
echo "$SSHD_KNOWN" >"$d/keys/known_hosts"
srv_sshd_allow "$d/keys/transport_ed25519.pub"
round ssh "$SSH_URL"

# ---- smart HTTP and HTTPS ----
srv_http "$SRV"
round http "http://127.0.0.1:$HTTP_PORT/git/county.git"
srv_stop http
srv_http "$SRV" tls
d=$(device https-untrusted)
run env SSL_CERT_FILE=/nonexistent "$XFER" fetch "$d/ledger.git" "https://localhost:$HTTP_PORT/git/county.git" "$d" "$SPEC"
isnt_zero=$([ "$rc" != 0 ] && echo yes || echo no)
is "https: a certificate nobody vouches for is refused" "$isnt_zero" yes
export SSL_CERT_FILE=$HTTP_CA
round https "https://localhost:$HTTP_PORT/git/county.git"
unset SSL_CERT_FILE
srv_stop http

# ---- unreachable remote ----
d=$(device offline)
commit_on "$d/ledger.git" refs/heads/batches/offline 100 offline-change
before=$(git -C "$d/ledger.git" for-each-ref)
dead=$(srv_free_port)
XFER_ATTEMPTS=2 run "$XFER" push "$d/ledger.git" "git://127.0.0.1:$dead/county.git" "$d" refs/heads/batches/offline
is "offline: unreachable git:// exits 4" "$rc" 4
like "offline: plain message" "$out" "could not reach the county repository at git://127.0.0.1:$dead/county.git: .*; nothing was lost, run sync again later"
XFER_ATTEMPTS=1 run "$XFER" fetch "$d/ledger.git" "ssh://git@127.0.0.1:$dead/x.git" "$d" "$SPEC"
is "offline: unreachable ssh:// exits 4" "$rc" 4
XFER_ATTEMPTS=1 run "$XFER" fetch "$d/ledger.git" "http://127.0.0.1:$dead/git/county.git" "$d" "$SPEC"
is "offline: unreachable http:// exits 4" "$rc" 4
run "$XFER" push "$d/ledger.git" "/media/no-stick-here/county.git" "$d" refs/heads/batches/offline
is "offline: USB stick not plugged in exits 4" "$rc" 4
like "offline: message names the path" "$out" "could not reach the county repository at /media/no-stick-here/county.git"
is "offline: local data untouched" "$(git -C "$d/ledger.git" for-each-ref)" "$before"
is "offline: county untouched" "$(ref_of "$SRV/county.git" refs/heads/batches/offline)" none

# ---- not a fast-forward ----
d=$T/dev-path
git -C "$d/ledger.git" update-ref refs/heads/batches/path "$VREF"
commit_on "$d/ledger.git" refs/heads/batches/path 100 rewritten
county_before=$(ref_of "$SRV/county.git" refs/heads/batches/path)
run "$XFER" push "$d/ledger.git" "$SRV/county.git" "$d" refs/heads/batches/path
is "non-fast-forward push refused (exit 3)" "$rc" 3
is "non-fast-forward: county branch unchanged" "$(ref_of "$SRV/county.git" refs/heads/batches/path)" "$county_before"

# ---- server killed mid-push ----
srv_git_daemon "$SRV"
srv_proxy "$GITD_PORT" -b 40000
d=$(device killed)
git -C "$d/ledger.git" update-ref refs/heads/batches/killed "$VREF"
commit_on "$d/ledger.git" refs/heads/batches/killed 400000 big-1
commit_on "$d/ledger.git" refs/heads/batches/killed 1000 small-2
XFER_ATTEMPTS=1 "$XFER" push "$d/ledger.git" "git://127.0.0.1:$PROXY_PORT/county.git" "$d" \
	refs/heads/batches/killed >"$T/killed.out" 2>&1 &
xpid=$!
sleep 2
srv_kill gitd
wait $xpid
is "killed mid-push: exit 4" "$?" 4
like "killed mid-push: says nothing was lost" "$(cat "$T/killed.out")" "nothing was lost"
is "killed mid-push: county ref not half-written" "$(ref_of "$SRV/county.git" refs/heads/batches/killed)" none
ok "killed mid-push: county repository intact" git -C "$SRV/county.git" fsck --no-progress --no-dangling
srv_stop proxy
srv_git_daemon "$SRV"
run "$XFER" push "$d/ledger.git" "git://127.0.0.1:$GITD_PORT/county.git" "$d" refs/heads/batches/killed
is "killed mid-push: rerun completes" "$rc" 0
is "killed mid-push: county has the whole batch" "$(ref_of "$SRV/county.git" refs/heads/batches/killed)" \
	"$(ref_of "$d/ledger.git" refs/heads/batches/killed)"
is "killed mid-push: nothing twice (commit count)" \
	"$(git -C "$SRV/county.git" rev-list --count refs/heads/batches/killed)" \
	"$(git -C "$d/ledger.git" rev-list --count refs/heads/batches/killed)"
run "$XFER" push "$d/ledger.git" "git://127.0.0.1:$GITD_PORT/county.git" "$d" refs/heads/batches/killed
is "killed mid-push: pushing again is a no-op" "$rc" 0

# ---- the held push connection drops before the push ----
# sync reads the county's refs on the push connection and keeps it open
# while it fetches and merges; if the link drops meanwhile, the push goes
# again on a new connection.
srv_proxy "$GITD_PORT"
d=$(device held)
"$XFER" fetch "$d/ledger.git" "git://127.0.0.1:$GITD_PORT/county.git" "$d" "$SPEC" >/dev/null 2>&1
git -C "$d/ledger.git" update-ref refs/heads/batches/held "$VREF"
commit_on "$d/ledger.git" refs/heads/batches/held 3000 held-change
rm -f "$T/hold"
XFER_HOLD_FILE=$T/hold "$XFER" session "$d/ledger.git" "git://127.0.0.1:$PROXY_PORT/county.git" "$d" \
	refs/heads/villages/520101 refs/heads/batches/held >"$T/held.out" 2>"$T/held.err" &
xpid=$!
for _ in $(seq 100); do grep -q '^open' "$T/held.out" && break; sleep 0.1; done
is "held: the push connection shows the village tip" "$(cat "$T/held.out")" "open refs/heads/villages/520101 $VREF"
pkill -KILL -P "${_srv_pid[proxy]}" # the proxy's connection processes: the link drops, the proxy stays
touch "$T/hold"
wait $xpid
is "held: the push completes after the drop" "$?" 0
like "held: it says it pushed again" "$(cat "$T/held.err")" "did not take the push; pushing again"
is "held: the county has the batch" "$(ref_of "$SRV/county.git" refs/heads/batches/held)" \
	"$(ref_of "$d/ledger.git" refs/heads/batches/held)"
srv_stop proxy

# ---- link cut mid-fetch ----
commit_on "$SRV/county.git" refs/heads/villages/520101 300000 household-big
VREF=$(ref_of "$SRV/county.git" refs/heads/villages/520101)
srv_proxy "$GITD_PORT" -c 20000
d=$(device cut)
XFER_ATTEMPTS=2 run "$XFER" fetch "$d/ledger.git" "git://127.0.0.1:$PROXY_PORT/county.git" "$d" "$SPEC"
is "cut mid-fetch: exit 4 after retries" "$rc" 4
like "cut mid-fetch: retry was announced" "$out" "trying again in"
is "cut mid-fetch: no ref moved" "$(ref_of "$d/ledger.git" refs/remotes/county/villages/520101)" none
is "cut mid-fetch: no partial pack left" "$(find "$d/ledger.git/objects/pack" -name 'tmp*' | wc -l)" 0
srv_stop proxy
run "$XFER" fetch "$d/ledger.git" "git://127.0.0.1:$GITD_PORT/county.git" "$d" "$SPEC"
is "cut mid-fetch: rerun completes" "$rc" 0
is "cut mid-fetch: ref arrives" "$(ref_of "$d/ledger.git" refs/remotes/county/villages/520101)" "$VREF"
ok "cut mid-fetch: ledger intact" git -C "$d/ledger.git" fsck --no-progress --no-dangling

# ---- slow lossy link: 300 ms, 64 kbit/s, connections dropped ----
srv_proxy "$GITD_PORT" -d 300 -b 8000 -p 30 -s 11
d=$(device lossy)
start=$(date +%s)
XFER_ATTEMPTS=10 XFER_DELAY_MS=200 run "$XFER" fetch "$d/ledger.git" "git://127.0.0.1:$PROXY_PORT/county.git" "$d" "$SPEC"
is "lossy: fetch completes" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /' | tail -8
is "lossy: village arrives whole" "$(ref_of "$d/ledger.git" refs/remotes/county/villages/520101)" "$VREF"
git -C "$d/ledger.git" update-ref refs/heads/batches/lossy "$VREF"
commit_on "$d/ledger.git" refs/heads/batches/lossy 20000 lossy-change
XFER_ATTEMPTS=10 XFER_DELAY_MS=200 run "$XFER" push "$d/ledger.git" "git://127.0.0.1:$PROXY_PORT/county.git" "$d" refs/heads/batches/lossy
is "lossy: push completes" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /' | tail -8
is "lossy: county has the batch" "$(ref_of "$SRV/county.git" refs/heads/batches/lossy)" \
	"$(ref_of "$d/ledger.git" refs/heads/batches/lossy)"
echo "# lossy link round took $(($(date +%s) - start)) s"
ok "county repository intact at the end" git -C "$SRV/county.git" fsck --no-progress --no-dangling

echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
