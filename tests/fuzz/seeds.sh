#!/bin/bash
# seeds.sh FIELDCARD OUT — the seed corpus of every fuzz target, made from
# the shipped forms, the test data and a small demo (3 households synced and
# merged by the county, so that its ledger holds record files, signed
# commits, a roster and allowed signers). OUT/TARGET/ gets a few files each;
# tests/fuzz/run.sh adds tests/fuzz/regressions/TARGET/ to them. Made again
# only when the forms or this script change (OUT/.stamp).
set -eu
FC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
OUT=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
F=$ROOT/forms
STAMP=$OUT/.stamp
if [ -f "$STAMP" ] && [ -z "$(find "$F" "$ROOT/tests/data" "$0" -newer "$STAMP" -print -quit)" ]; then
	exit 0
fi
echo "  SEEDS   $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
W=$(mktemp -d /tmp/fieldcard-seeds.XXXXXX)
trap 'rm -rf "$W"' EXIT
export FIELDCARD_FORMS=$F FIELDCARD_NOW=2026-11-23T10:00:00Z
seed() { mkdir -p "$OUT/$1"; cat > "$OUT/$1/$2"; }
nul() { printf '\0'; }

# form: survey NUL choices NUL settings
for d in "$F"/household "$ROOT"/tests/data/forms/*; do
	{ cat "$d/survey.csv"; nul; cat "$d/choices.csv"; nul; cat "$d/settings.csv"; } |
		seed form "$(basename "$d")"
done
# rules, compare kinds: the shipped files
seed rules shipped < "$F/rules.csv"
head -3 "$F/rules.csv" | seed rules short

# expr: every expression of the shipped form, one a file
python3 - "$F/household/survey.csv" "$OUT/expr" <<'PY'
import csv, os, sys
os.makedirs(sys.argv[2], exist_ok=True)
seen = set()
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    for col in ("relevant", "constraint", "calculation", "default"):
        v = (row.get(col) or "").strip()
        if v and v not in seen:
            seen.add(v)
            open(os.path.join(sys.argv[2], "e%03d" % len(seen)), "w", encoding="utf-8").write(v)
PY

# A demo, synced and merged, for what travels in a ledger.
D=$W/demo
"$FC" --dir "$D" demo --households 3 --lang en >/dev/null 2>&1
"$FC" --dir "$D" sync >/dev/null 2>&1
"$FC" --dir "$D.county" merge --all >/dev/null 2>&1 || true
C=$D.county.git
G() { git --git-dir="$C" "$@"; }
n=0
for p in $(G ls-tree -r --name-only main | grep '^villages/' | head -12); do
	n=$((n + 1))
	G show "main:$p" | seed record "r$n"
done
G show main:keys/roster | seed roster county
G show main:keys/allowed_signers | seed signers county
printf 'cadre-li\tcadre\t522701105201,522701105202\ncounty\tcounty\t*\nold\tcadre\t522701105201\trevoked\n# note\n' |
	seed roster made
k=0
for c in $(G rev-list --all | head -6); do
	k=$((k + 1))
	G cat-file commit "$c" | sed -n '/^gpgsig /,/END SSH SIGNATURE/p' | sed 's/^gpgsig //; s/^ //' |
		seed sshsig "s$k"
done
head -1 "$D/keys/id_ed25519.pub" | seed sshsig pubkey
cp "$D/keys/id_ed25519" "$W/plain"
seed keyfile openssh < "$W/plain"
# A sealed key, its Argon2 cost lowered to the least the loader takes (1
# pass, 8 KiB) so that the fuzzer can afford it: the passphrase no longer
# opens it, but everything before the secretbox is the loader's to read.
printf 'fuzz' > "$W/pass"
"$FC" --dir "$W/sealed" init --role cadre --name cadre-s --village 522701105201 \
	--passphrase-file "$W/pass" >/dev/null 2>&1
python3 - "$W/sealed/keys/id_ed25519" > "$W/cheap" <<'PY'
import base64, struct, sys
text = open(sys.argv[1]).read()
lines = text.split("\n")
b = [i for i, l in enumerate(lines) if l.startswith("-----BEGIN")][0]
e = [i for i, l in enumerate(lines) if l.startswith("-----END")][0]
blob = bytearray(base64.b64decode("".join(lines[b + 1:e])))
at = len(b"fieldcard-sealed-key-v1\0") + 4 + len(b"argon2id13")
blob[at:at + 8] = struct.pack(">II", 1, 8)
body = base64.b64encode(bytes(blob)).decode()
sys.stdout.write("\n".join(lines[:b + 1] + [body[i:i + 70] for i in range(0, len(body), 70)] + lines[e:]))
PY
seed keyfile sealed-cheap < "$W/cheap"

# import: FORMAT BYTE then the file (0 csv, 1 jsonl, 2 either; 4 = kind household)
"$FC" --dir "$D" export --form household --format csv > "$W/h.csv"
"$FC" --dir "$D" export --form member --format csv > "$W/m.csv"
"$FC" --dir "$D" export --form household --format jsonl > "$W/h.jsonl"
{ printf '\004'; cat "$W/h.csv"; } | seed import household.csv
{ printf '\000'; cat "$W/m.csv"; } | seed import member.csv
{ printf '\001'; cat "$W/h.jsonl"; } | seed import household.jsonl
{ printf '\002'; cat "$ROOT/tests/e2e/households.csv"; } | seed import e2e.csv

# compare: LIST NUL compare.csv
ids=$(python3 - "$W/h.csv" "$W/m.csv" <<'PY'
import csv, sys
out = []
for p in sys.argv[1:]:
    for row in csv.DictReader(open(p, encoding="utf-8")):
        v = row.get("head_id_number") or row.get("id_number") or ""
        if v:
            out.append(v)
print(" ".join(out[:6]))
PY
)
{ echo "姓名,身份证号,登记日期"; for i in $ids; do echo "某人,$i,2026-01-02"; done; } > "$W/list.csv"
{ cat "$W/list.csv"; nul; cat "$F/compare.csv"; } | seed compare with-kinds
seed compare list-only < "$W/list.csv"

# xlsx: the export as libxlsxwriter writes it, and the same parts stored
# (not deflated) so that mutations reach the XML
if "$FC" --dir "$D" export --form household --format xlsx -o "$W/h.xlsx" >/dev/null 2>&1; then
	seed xlsx export < "$W/h.xlsx"
	python3 - "$W/h.xlsx" "$W/stored.xlsx" <<'PY'
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED) as dst:
    for i in src.infolist():
        dst.writestr(i.filename, src.read(i.filename))
PY
	seed xlsx stored < "$W/stored.xlsx"
fi

# conflicts: BASE NUL OURS NUL THEIRS, lines of one household's file
H=01KAC0000000000000000000H1
{
	printf '%s\thead_name\t张三\t张叁\t张三丰\n' $H
	nul
	printf '%s\thead_name\t张三\t张叁\t张三丰\n%s\twage_income\t1\t2\\t3\t4\\n5\n' $H $H
	nul
	printf '%s\t_deleted\t\tyes\t\n%s\thead_name\t张三\t李\\\\四\t张三丰\n' $H $H
} | seed conflicts three
printf '%s\tnet_income\t1\t2\t3\n' $H | seed conflicts one
touch "$STAMP"
