#!/bin/bash
# disk_trouble.sh — a disk that fills, a data directory that is read-only,
# a county repository that cannot be written (issue 16, "Disk trouble").
# Small tmpfs file systems (root and mount(8); the test says why it skips
# without them) hold a device's data directory and, apart, the county
# repository with its staff's directory; a file fills each to the byte
# before a save, an import, a sync (device side and county side) and a
# county merge. Each must fail with a message naming the path and the step,
# exit non-zero, leave the data whole (`fieldcard check`, `git fsck`), and
# complete once the space is back. Read-only: bind mounts made read-only.
. tests/lib.sh
export FIELDCARD_NOW=2026-11-23T10:00:00Z
if [ "$(id -u)" != 0 ] || ! mkdir -p "$T/probe" || ! mount -t tmpfs -o size=1m tmpfs "$T/probe" 2>/dev/null; then
	echo "ok 1 # skip needs root and mount -t tmpfs (not permitted here)"
	echo "1..1"
	exit 0
fi
umount "$T/probe"
MOUNTS=()
mnt() { # DIR SIZE: a tmpfs at DIR
	mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" && MOUNTS+=("$1")
}
on_exit 'for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done'
mnt "$T/dev" 24m && mnt "$T/cty" 24m || { echo "not ok 1 - mount tmpfs"; exit 1; }
D=$T/dev/d C=$T/cty/county.git S=$T/cty/staff
V=522701105201
H1=01JDE5M0000000000000000001
q() { "$FC" "$@" >/dev/null 2>&1; }
# fill MOUNT [FREE-BYTES]: a file takes all the space but FREE.
fill() {
	rm -f "$1/filler"
	dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null
	[ "${2:-0}" -gt 0 ] && truncate -s "-$2" "$1/filler"
	sync
}
unfill() { rm -f "$1/filler"; }
show() { echo "$out" | sed 's/^/#   | /' | head -6; }
whole() { # DIR...: check and fsck clean
	local d
	for d in "$@"; do
		"$FC" --dir "$d" check >/dev/null 2>&1 || { echo "# check $d fails"; return 1; }
		git --git-dir="$d/ledger.git" fsck --no-progress >/dev/null 2>&1 || { echo "# fsck $d"; return 1; }
	done
	git --git-dir="$C" fsck --no-progress >/dev/null 2>&1
}
rows() { # N: a CSV of N new households
	python3 - "$1" <<'PY'
import sys
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(s): return s + "10X98765432"[sum(int(c) * w for c, w in zip(s, W)) % 11]
print("id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online,measures")
for i in range(int(sys.argv[1])):
    print(f"01JDE5P000000000000000{i:04d},522701105201,石门村,52270110520{i:05d},新户{i},"
          f"{idn('5227011970%02d%02d%03d' % (1 + i % 12, 1 + i % 28, i % 1000))},贵州省,lifted,general,illness,B,no,yes,no,industry")
PY
}
count_hh() { "$FC" --dir "$D" export 2>/dev/null | tail -n +2 | wc -l; }

q --dir "$S" init-county "$C" --name county-wang --county 522701
q --dir "$D" init --role cadre --name cadre-li --village $V --remote "$C" --lang en
q --dir "$S" enroll "$D/keys/id_ed25519.pub" --principal cadre-li --role cadre --village $V
rows 1 | sed "s/01JDE5P0000000000000000000/$H1/" > "$T/one.csv"
run "$FC" --dir "$D" import "$T/one.csv"
is "setup: one household" "$rc" 0
q --dir "$D" sync
q --dir "$S" merge --all
q --dir "$D" sync
ok "setup: synced and whole" whole "$D" "$S"

# ---- the disk fills mid-import ----
rows 400 > "$T/many.csv"
fill "$T/dev" 65536
run "$FC" --dir "$D" import "$T/many.csv"
echo "# import of 400 rows, 64 KiB free: exit $rc"; show
ok "import on a full disk fails (exit $rc)" test "$rc" -ne 0
like "... saying the disk is full and naming the store" "$out" "fieldcard.db.*disk is full"
unfill "$T/dev"
is "... nothing of it was saved" "$(count_hh)" 1
ok "... the data is whole" whole "$D"
run "$FC" --dir "$D" import "$T/many.csv"
is "space back: the import completes" "$rc" 0
is "... every row once" "$(count_hh)" 401

# ---- the disk fills mid-save ----
fill "$T/dev" 0
run "$FC" --dir "$D" set $H1 head_phone=13911112222 head_name=张三丰
echo "# set on a full disk: exit $rc"; show
got=$("$FC" --dir "$D" show $H1 2>/dev/null | sed -n 's/^head_phone: //p')
if [ "$rc" = 0 ]; then
	# SQLite may find room in its write-ahead log: then the save is whole.
	is "set on a full disk found room in the log: the value is saved" "$got" 13911112222
else
	like "set on a full disk fails saying so, naming the store" "$out" "fieldcard.db.*(disk is full|refused a write)"
	is "... the old value stays" "$got" ""
fi
unfill "$T/dev"
ok "... the data is whole" whole "$D"
run "$FC" --dir "$D" set $H1 head_phone=13911113333
is "space back: set completes" "$rc" 0

# ---- the device's disk fills mid-sync ----
fill "$T/dev" 0
run "$FC" --dir "$D" sync
echo "# sync with the device's disk full: exit $rc"; show
ok "sync on a full device fails (exit $rc)" test "$rc" -ne 0
like "... saying the disk is full and where" "$out" "(ledger.git|fieldcard.db|$T/dev).*disk is full|disk is full.*($T/dev)"
unfill "$T/dev"
ok "... the data is whole" whole "$D" "$S"
run "$FC" --dir "$D" sync
is "space back: sync completes" "$rc" 0
is "... nothing pending" "$(sqlite3 "$D/fieldcard.db" 'select count(*) from pending')" 0

# ---- the county repository's disk fills mid-sync (the push) ----
q --dir "$D" set $H1 head_phone=13911114444
fill "$T/cty" 0
run "$FC" --dir "$D" sync
echo "# sync with the county's disk full: exit $rc"; show
ok "sync to a full county repository fails, not as offline (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 4
like "... saying the disk is full, naming the county repository" "$out" "county.git.*disk is full|disk is full.*county.git"
unfill "$T/cty"
ok "... both sides whole" whole "$D" "$S"
run "$FC" --dir "$D" sync
is "space back: sync completes" "$rc" 0
ok "... the county has the edit" bash -c "git --git-dir='$C' show 'batches/cadre-li:$(hdir $V $H1)/household' | grep -q 'head_phone: 13911114444'"

# ---- the county's disk fills mid-merge ----
fill "$T/cty" 0
run "$FC" --dir "$S" merge --all
echo "# merge with the county's disk full: exit $rc"; show
ok "merge on a full county disk fails (exit $rc)" test "$rc" -ne 0
like "... saying the disk is full" "$out" "disk is full"
unfill "$T/cty"
ok "... the county is whole" whole "$S"
run "$FC" --dir "$S" merge --all
is "space back: merge completes" "$rc" 0
ok "... main has the edit" bash -c "git --git-dir='$C' show 'main:$(hdir $V $H1)/household' | grep -q 'head_phone: 13911114444'"

# ---- a read-only data directory ----
mkdir -p "$T/ro"
mount --bind "$D" "$T/ro" && mount -o remount,bind,ro "$T/ro" && MOUNTS+=("$T/ro")
run "$FC" --dir "$T/ro" set $H1 head_phone=13911115555
echo "# set in a read-only data directory: exit $rc"; show
ok "set in a read-only data directory fails (exit $rc)" test "$rc" -ne 0
like "... saying it cannot be written, naming it" "$out" "$T/ro.*(read-only|cannot be written|cannot write)"
run "$FC" --dir "$T/ro" sync
echo "# sync from a read-only data directory: exit $rc"; show
ok "sync from a read-only data directory fails (exit $rc)" test "$rc" -ne 0
like "... naming it" "$out" "$T/ro"
umount "$T/ro"
ok "... the data is whole" whole "$D"

# ---- an unwritable county repository ----
q --dir "$D" set $H1 head_phone=13911116666
mkdir -p "$T/rocty"
mount --bind "$T/cty" "$T/rocty" && mount -o remount,bind,ro "$T/rocty" && MOUNTS+=("$T/rocty")
run "$FC" --dir "$D" sync --remote "$T/rocty/county.git"
echo "# sync to a read-only county repository: exit $rc"; show
ok "sync to an unwritable county repository fails (exit $rc)" test "$rc" -ne 0
like "... naming it and saying it cannot be written" "$out" "rocty/county.git.*(read-only|cannot|Read-only)|(read-only|cannot write|Read-only).*rocty"
is "... the edit is committed locally, nothing lost" "$(sqlite3 "$D/fieldcard.db" 'select count(*) from pending')" 0
umount "$T/rocty"
run "$FC" --dir "$D" sync
is "the county writable again: sync completes" "$rc" 0
ok "... both sides whole" whole "$D" "$S"
echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
