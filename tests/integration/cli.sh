# cli.sh — the command-line contract (CLI.md): init, set, show, check, review,
# form check; exit codes and messages that name record and field.
. tests/lib.sh
D=$T/dev

run "$FC" --dir "$D" init --role cadre --name cadre-zhang --village 522701105201 --lang en
is "init exits 0" "$rc" 0
like "init prints the allowed-signers line" "$out" 'cadre-zhang namespaces="git" ssh-ed25519 AAAA'
ok "private key is mode 0600" test "$(stat -c %a "$D/keys/id_ed25519")" = 600
ok "ledger is a bare git repository" git --git-dir="$D/ledger.git" rev-parse --is-bare-repository
ok "ssh-keygen reads the key" ssh-keygen -y -f "$D/keys/id_ed25519"
run "$FC" --dir "$D" init --role cadre --name x --village 522701105201
is "init twice is refused with exit 1" "$rc" 1
like "and says the directory already holds data" "$out" 'already holds fieldcard data'
run "$FC" --dir "$T/other" init --role mayor --name x --village 1
is "a wrong role is a usage error (exit 2)" "$rc" 2
run "$FC" --dir "$D" frobnicate
is "an unknown command exits 2" "$rc" 2

ID1=$(make_id 52270119650312041)
cat > "$T/hh.csv" <<CSV
id,village_code,village,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online
01JDE5M0000000000000000001,522701105201,石门村,5227011052010001,张三,$ID1,贵州省,lifted,general,illness,B,no,yes,no
CSV
run "$FC" --dir "$D" import "$T/hh.csv"
is "import of one household exits 0" "$rc" 0
HH=01JDE5M0000000000000000001
run "$FC" --dir "$D" show $HH
is "show exits 0" "$rc" 0
like "show prints the canonical header" "$out" '^form: household '
like "show prints the head's name" "$out" 'head_name: 张三'
run "$FC" --dir "$D" set $HH head_phone=13800138000
is "set a valid phone exits 0" "$rc" 0
like "show has the new phone" "$("$FC" --dir "$D" show $HH)" 'head_phone: 13800138000'
run "$FC" --dir "$D" set $HH head_phone=12345
is "set an invalid phone exits 1" "$rc" 1
like "the message names record and field" "$out" "record $HH field head_phone"
like "the old phone is still there" "$("$FC" --dir "$D" show $HH)" 'head_phone: 13800138000'
run "$FC" --dir "$D" set $HH no_such_field=1
is "an unknown field exits 1" "$rc" 1
like "and names the field" "$out" "unknown field 'no_such_field'"
run "$FC" --dir "$D" set $HH net_income=5
is "a calculated field cannot be typed (exit 1)" "$rc" 1
run "$FC" --dir "$D" show 01JN0SVCHRECRD000000000000
is "show of a missing record exits 1" "$rc" 1
run "$FC" --dir "$D" check
is "check on a clean store exits 0" "$rc" 0
run "$FC" --dir "$D" review $HH --approve
is "a cadre cannot review (exit 1)" "$rc" 1
run "$FC" --dir "$D" form check forms/household
is "form check of the shipped household form exits 0" "$rc" 0
printf 'type,name,label::zh\nbogus,x,X\n' > "$T/survey.csv"
run "$FC" --dir "$D" form check "$T/survey.csv"
is "form check of a bad form exits 1" "$rc" 1
like "and names file and line" "$out" 'survey.csv:2: '
exit 0
