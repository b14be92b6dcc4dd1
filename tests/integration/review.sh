# review.sh — a first secretary returns a card with a comment and the cadre
# sees it after the next sync; the cadre fixes and resubmits; the secretary
# approves. Decisions travel as signed edits of the household record, over a
# bare repository on a "USB stick".
. tests/lib.sh
export FIELDCARD_NOW=2026-11-23T10:00:00Z
C=$T/stick/county.git S=$T/staff A=$T/cadre W=$T/sec V=522701105201
mkdir -p "$T/stick"
"$FC" --dir "$S" init-county "$C" --name county-wang --county 522701 >/dev/null 2>&1
"$FC" --dir "$A" init --role cadre --name cadre-a --village $V --remote "$C" --lang en >/dev/null 2>&1
"$FC" --dir "$W" init --role secretary --name sec-wu --village $V --remote "$C" --lang en >/dev/null 2>&1
"$FC" --dir "$S" enroll "$A/keys/id_ed25519.pub" --principal cadre-a --role cadre --village $V >/dev/null 2>&1
run "$FC" --dir "$S" enroll "$W/keys/id_ed25519.pub" --principal sec-wu --role secretary --village $V
is "a secretary is enrolled for the village" "$rc" 0

HH=01JDE5M0000000000000000001
cat >"$T/hh.csv" <<CSV
id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
$HH,$V,石门村,5227011052010001,张三,$(make_id 52270119650312041),贵州省,lifted,general,illness,B,no,yes,no
CSV
"$FC" --dir "$A" import "$T/hh.csv" >/dev/null 2>&1
like "a card saved by the cadre is submitted for review" "$("$FC" --dir "$A" show $HH)" 'review_state: submitted'
run "$FC" --dir "$A" sync
is "cadre syncs" "$rc" 0
run "$FC" --dir "$S" merge --all
is "county merges the cadre's batch" "$rc" 0
run "$FC" --dir "$W" sync
is "secretary syncs" "$rc" 0
like "the secretary has the submitted card" "$("$FC" --dir "$W" show $HH)" 'head_name: 张三'

run "$FC" --dir "$W" review $HH --return
is "returning without a comment is refused (usage)" "$rc" 2
run "$FC" --dir "$W" review $HH --return --comment "缺少户主电话"
is "the secretary returns the card with a comment" "$rc" 0
run "$FC" --dir "$W" sync
is "secretary sends the decision" "$rc" 0
run "$FC" --dir "$S" merge --all
is "county merges the secretary's batch" "$rc" 0
run "$FC" --dir "$A" sync
is "cadre syncs again" "$rc" 0
card=$("$FC" --dir "$A" show $HH)
like "the cadre's card is returned" "$card" 'review_state: returned'
like "with the secretary's comment" "$card" 'review_comment: 缺少户主电话'
like "naming who returned it" "$card" 'review_by: sec-wu'
run "$FC" --dir "$A" set $HH review_state=approved
is "a cadre cannot approve by editing the review field" "$rc" 1

"$FC" --dir "$A" set $HH head_phone=13800138000 >/dev/null 2>&1
like "fixing the card keeps it returned until resubmitted" "$("$FC" --dir "$A" show $HH)" 'review_comment: 缺少户主电话'
run "$FC" --dir "$A" review $HH --submit
is "the cadre resubmits" "$rc" 0
card=$("$FC" --dir "$A" show $HH)
like "resubmitted: state submitted" "$card" 'review_state: submitted'
like "and the comment is cleared" "$card" $'review_comment:\n'
"$FC" --dir "$A" sync >/dev/null 2>&1
is "the changeset message counts the fields it changes (phone, state, comment, reviewer)" \
	"$(git --git-dir="$C" log --no-merges -1 --format=%s batches/cadre-a)" "cadre-a: 4 fields in 1 record of 1 household"
"$FC" --dir "$S" merge --all >/dev/null 2>&1
"$FC" --dir "$W" sync >/dev/null 2>&1
run "$FC" --dir "$W" review $HH --approve
is "the secretary approves" "$rc" 0
"$FC" --dir "$W" sync >/dev/null 2>&1
"$FC" --dir "$S" merge --all >/dev/null 2>&1
"$FC" --dir "$A" sync >/dev/null 2>&1
card=$("$FC" --dir "$A" show $HH)
like "the cadre sees the approval" "$card" 'review_state: approved'
like "with the fixed phone" "$card" 'head_phone: 13800138000'
git --git-dir="$C" show main:keys/allowed_signers >"$T/signers"
like "stock git shows the approval signed by the secretary" \
	"$(git --git-dir="$C" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/signers" log --show-signature -1 batches/sec-wu 2>&1)" \
	'Good "git" signature for sec-wu'
exit 0
