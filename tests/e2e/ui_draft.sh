#!/bin/bash
# ui_draft.sh — kill -9 in the middle of a form, start again, resume the
# draft with nothing lost, and save it.
. tests/lib.sh
. tests/e2e/ui.inc
D=$T/cadre
ok "init" make_dir "$D"
"$FC" --dir "$D" import tests/e2e/households.csv --form household >/dev/null 2>&1
hid=$(households_csv "$D" | awk -F, '$11=="李四"{print $1}')
ok "household imported" test -n "$hid"

ui_start "$D"
ok "home" ui_wait "522701105201"
ui_keys Enter
ok "list" ui_wait "李四"
ui_keys Down Enter
ok "card of 李四" ui_wait "李四  village"
ui_keys Tab n
ok "member form" ui_wait "Member"
ui_type '李小花'; ui_keys Tab; ui_type 2; ui_keys Tab Tab
ui_type '520101201006203322'; ui_keys Tab Tab
ok "birth date from the ID" ui_wait "2010-06-20"
ui_keys Tab; ui_type 4
ok "relationship typed" ui_wait "Daughter"
# Leave the field so the draft is written, then pull the plug.
ui_keys Tab
ok "moved on" ui_wait "> Education"
pid=$(ui_pid)
kill -9 "$pid"
ok "program killed" ui_exited
is "killed by signal 9" "${ui_status:-}" 137

ui_start "$D"
ok "drafts offered at start" ui_wait "These forms were being filled when the program last stopped."
ok "the draft names the member" ui_wait "李小花"
ui_keys Enter
ok "draft resumed" ui_wait "draft resumed"
s=$(ui_screen)
like "name kept" "$s" "Name +李小花"
like "sex kept" "$s" "Sex +Female"
like "ID number kept" "$s" "520101201006203322"
like "birth date kept" "$s" "2010-06-20"
like "relationship kept" "$s" "Relationship to the hea(d)? +Daughter"
fill() { ui_keys F2; ui_wait "error $1:" || return 1; ui_type "$2"; ui_gone "error $1:"; }
ok "school status" true
ok "health" fill "Health" 1
ok "labour" fill "Labour ability" 5
ok "medical insurance" fill "Basic medical insurance" y
ui_keys F2
ok "saved" ui_gone "Member: 李小花"
members=$("$FC" --dir "$D" export --form member --format csv 2>&1)
like "member stored with the household as parent" "$members" "$hid,李小花"
like "relationship stored" "$members" "daughter"
ui_keys q q
ok "back home" ui_wait "Open drafts: 0"
ui_keys q
ok "quit without asking: no draft left" ui_exited
is "exit status 0" "${ui_status:-}" 0
is "nothing on stderr" "$(grep -v '^$' "$T/ui.stderr" 2>/dev/null)" ""
