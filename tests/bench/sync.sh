#!/bin/bash
# sync.sh — benchmarks of `fieldcard sync` (issue 4), run by run.sh with FC
# (a release fieldcard) and W (a scratch directory) set:
#
#  (a) bytes on the wire and seconds for a sync of 40 edited households by
#      a device holding one village of 1,000, in a county of 10 and then 100
#      villages (10,000 and 100,000 households), over git:// (git daemon on
#      loopback) through tests/netproxy.c, which counts the bytes each way.
#      "send" is the sync that signs and pushes the 40; "back" is the next
#      sync after the county merged them (the village commit brings them
#      back, plus the device's merge pushed). Households are picked spread
#      over the village (a prime stride), as a day's visits are. Then (a1)
#      one edited household at 100 villages: the least a sync costs.
#  (b) seconds and bytes for the first sync of a new device of that village
#      of 1,000 households, on loopback.
#
# How the county is made big quickly: one village of 1,000 households comes
# from `fieldcard demo`, synced and merged as usual; the other villages of
# main are that village's subtree under other codes (the same objects), with
# a villages/<code> ref and a batches/<principal> ref each, so the refs a
# server advertises (which a device receives on every connection) are those
# of a real county of that size. A device never reads another village's
# objects, so sharing them changes nothing it pays for.
# Each figure is the median of 3 runs.
set -u
: "${FC:?FC: the fieldcard binary}" "${W:?W: a scratch directory}"
export FIELDCARD_FORMS=${FIELDCARD_FORMS:-$(pwd)/forms}
export FIELDCARD_NOW=${FIELDCARD_NOW:-2026-11-23T09:00:00Z}
PER=${SYNC_BENCH_PER_VILLAGE:-1000}
B=$W/syncbench
rm -rf "$B"
mkdir -p "$B/bin"
cc -std=c11 -D_GNU_SOURCE -O2 -o "$B/bin/netproxy" tests/netproxy.c || exit 1

D=$B/dev C=$B/dev.county.git S=$B/dev.county
V=522701105201
G() { git --git-dir="$C" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}
wait_port() { for _ in $(seq 100); do ss -Htln "sport = :$1" | grep -q . && return 0; sleep 0.1; done; return 1; }
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done' EXIT

s=$(now_ms)
"$FC" --dir "$D" demo --households "$PER" --lang en >/dev/null 2>&1 || { echo "demo failed"; exit 1; }
"$FC" --dir "$D" sync >/dev/null 2>&1 || { echo "first sync failed"; exit 1; }
"$FC" --dir "$S" merge --all >/dev/null 2>&1 || { echo "county merge failed"; exit 1; }
"$FC" --dir "$D" sync >/dev/null 2>&1 || { echo "second sync failed"; exit 1; }
echo "setup: a village of $PER households made, synced and merged in $(( $(now_ms) - s )) ms"
mapfile -t HHS < <(G ls-tree -r --name-only "main:villages/$V" | sed -n 's,^[^/]/[^/]/\([^/]*\)/household$,\1,p')
VT=$(G rev-parse "main:villages/$V")
VC=$(G rev-parse "refs/heads/villages/$V")
BT=$(G rev-parse refs/heads/batches/cadre-li)
export GIT_AUTHOR_NAME=county-wang GIT_AUTHOR_EMAIL=county-wang@county.fieldcard
export GIT_COMMITTER_NAME=county-wang GIT_COMMITTER_EMAIL=county-wang@county.fieldcard

# grow N: main holds N villages (ours and N-1 copies), each with its refs.
grow() {
	local n=$1 vs root c when
	vs=$( (G ls-tree "main:villages"; for i in $(seq 1 $((n - 1))); do
		printf '040000 tree %s\t%s\n' "$VT" "$((V + i))"; done) | sort -u -k4 | G mktree)
	root=$( (G ls-tree main | grep -v '	villages$'; printf '040000 tree %s\tvillages\n' "$vs") | G mktree)
	when="@$(G log -1 --format=%ct main) +0000"
	c=$(GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when G -c gpg.format=ssh \
		-c user.signingkey="$S/keys/id_ed25519" commit-tree "$root" -p main -S \
		-m "county of $n villages (benchmark)" -m "Fieldcard-Principal: county-wang
Fieldcard-Device: county")
	G update-ref refs/heads/main "$c"
	for i in $(seq 1 $((n - 1))); do
		G update-ref "refs/heads/villages/$((V + i))" "$VC"
		G update-ref "refs/heads/batches/cadre-$i" "$BT"
	done
	echo "county: $(G ls-tree "main:villages" | wc -l) villages, $(( $(G ls-tree "main:villages" | wc -l) * PER )) households, $(G for-each-ref | wc -l) refs"
}

GITD_PORT=$(free_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$GITD_PORT" --base-path="$B" --export-all \
	--enable=receive-pack "$B" >"$B/gitd.log" 2>&1 &
PIDS+=($!)
wait_port "$GITD_PORT" || { echo "git daemon did not start"; exit 1; }
rm -f "$B/proxy.port"
"$B/bin/netproxy" -l 0 -t "$GITD_PORT" -f "$B/proxy.port" -o "$B/wire" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$B/proxy.port" ] && break; sleep 0.1; done
URL=git://127.0.0.1:$(cat "$B/proxy.port")/dev.county.git

# wire_bytes: what went both ways since the count was reset (the proxy
# writes a connection's line when it closes).
wire_bytes() {
	sleep 0.3
	awk '{ up += $1; down += $2 } END { printf "%d %d\n", up, down }' "$B/wire" 2>/dev/null || echo "0 0"
}
# timed_sync DIR: "MS UP DOWN" of one sync through the proxy.
timed_sync() {
	local s e
	: >"$B/wire"
	s=$(now_ms)
	"$FC" --dir "$1" sync --remote "$URL" >"$B/sync.log" 2>&1 || { echo "sync failed:" >&2; tail -3 "$B/sync.log" >&2; }
	e=$(now_ms)
	echo "$((e - s)) $(wire_bytes)"
}

RUN=0
bench_a() {
	local r ms=() tot=() back_ms=() back=() k x
	for r in 1 2 3; do
		RUN=$((RUN + 1))
		for k in $(seq 0 39); do
			# 7919 is prime: 40 households spread over the village as a
			# day's visits are, not neighbours in id (and folder) order.
			"$FC" --dir "$D" set "${HHS[$(( (RUN * 40 + k) * 7919 % ${#HHS[@]} ))]}" \
				head_phone="$(printf '137%04d%04d' "$RUN" "$k")" >/dev/null 2>&1
		done
		read -r x up down < <(timed_sync "$D")
		ms+=("$x") tot+=($((up + down)))
		echo "  run $r send: $x ms, $up B up, $down B down"
		"$FC" --dir "$S" merge cadre-li >/dev/null 2>&1 || echo "  county merge failed"
		read -r x up down < <(timed_sync "$D")
		back_ms+=("$x") back+=($((up + down)))
		echo "  run $r back: $x ms, $up B up, $down B down"
	done
	: >"$B/wire"
	git -c protocol.version=0 ls-remote "$URL" >/dev/null 2>&1
	read -r up down < <(wire_bytes)
	echo "  one advertisement of the county's $(G for-each-ref | wc -l) refs: $down B (a sync reads one; two when it both sends and receives)"
	x=$(median "${tot[@]}")
	echo "(a) sync of 40 edited households: median $(median "${ms[@]}") ms, $x B on the wire" \
		"($((x / 40)) B per household); the next sync bringing them back: median" \
		"$(median "${back_ms[@]}") ms, $(median "${back[@]}") B ($(( $(median "${back[@]}") / 40 )) B per household)"
}

grow 10
bench_a
grow 100
bench_a
# One household, the smallest changeset: what a sync costs at the least.
RUN=$((RUN + 1))
"$FC" --dir "$D" set "${HHS[$(( RUN * 7919 % ${#HHS[@]} ))]}" head_phone=13799990000 >/dev/null 2>&1
read -r x up down < <(timed_sync "$D")
echo "(a1) sync of 1 edited household, county of 100 villages: $x ms, $up B up, $down B down"

# (b) first sync of the village to a new device.
ms=() tot=()
for r in 1 2 3; do
	N=$B/new$r
	"$FC" --dir "$N" init --role cadre --name "new-$r" --village "$V" --remote "$URL" >/dev/null 2>&1
	"$FC" --dir "$S" enroll "$N/keys/id_ed25519.pub" --principal "new-$r" --role cadre --village "$V" \
		>/dev/null 2>&1 || echo "  enroll failed"
	read -r x up down < <(timed_sync "$N")
	n=$("$FC" --dir "$N" export --form household --format csv 2>/dev/null | tail -n +2 | wc -l)
	echo "  run $r: $x ms, $up B up, $down B down, $n households on the new device"
	ms+=("$x") tot+=($((up + down)))
done
echo "(b) first sync of a village of $PER households to a new device: median $(median "${ms[@]}") ms," \
	"$(median "${tot[@]}") B on the wire"
