#!/bin/bash
# ui_form_rules.sh — a validation error shows beside its field and blocks
# saving; skip logic hides and shows a field as values change; the UI in
# Chinese (data directory setting lang=zh, no zh_CN locale needed).
. tests/lib.sh
. tests/e2e/ui.inc
D=$T/cadre
ok "init" make_dir "$D"
"$FC" --dir "$D" import tests/e2e/households.csv --form household >/dev/null 2>&1
ok "two households imported" test "$(households_csv "$D" | grep -c '^01')" -eq 2

# xterm here: PgDn is one key there (vt100 has none; the other tests use vt100).
ui_start "$D" TERM=xterm
ok "home" ui_wait "522701105201"
ui_keys Enter
ok "list" ui_wait "王小明"
ui_keys Enter
ok "card" ui_wait "[Card]"
ui_keys e
ok "edit form" ui_wait "Household card: 王小明"
# Village code must be 6 to 12 digits: make it 3.
ui_keys Tab Tab Tab Tab Tab C-u
ui_type '123'
ok "error beside the village code" ui_wait "123                        !"
ui_keys F2
ok "saving is refused" ui_wait "not saved: 1 error(s)"
ok "still in the form" ui_wait "Household card: 王小明"
is "store unchanged" "$(households_csv "$D" | grep -c ',522701105201,,HM-001,')" 1
ui_keys C-u; ui_type '522701105201'
ok "error gone" ui_gone "not saved"
# Skip logic: "E-commerce channel" shows only when sells online is yes.
ui_keys F2
ok "saved" ui_wait "[Card]"
ui_keys e
ok "edit again" ui_wait "Household card: 王小明"
# One page at a time, each waited for (see ui_step in ui.inc).
ok "sells online visible" ui_page_to "Sells online"
s=$(ui_screen)
like "channel hidden while sells online is no" "$s" "Sells online +no"
[[ "$s" == *"E-commerce channel"* ]] && ok "channel hidden" false || ok "channel hidden" true
ok "focus on sells online" ui_focus "\\*Sells online"
ui_type y
ok "channel shown when sells online is yes" ui_wait "E-commerce channel"
ui_keys F2
ok "save blocked by the now relevant required field" ui_wait "error E-commerce channel:"
ui_type 3
ui_keys F2
ok "saved with the channel" ui_wait "[Card]"
like "channel stored" "$("$FC" --dir "$D" show "$(households_csv "$D" | awk -F, 'NR==2{print $1}')")" "ecom_channel: [a-z_]+"
ui_keys e
ok "edit a third time" ui_wait "Household card: 王小明"
ok "channel there" ui_page_to "E-commerce channel"
ok "focus on sells online" ui_focus "\\*Sells online"
ui_type n
ok "channel hidden again when sells online is no" ui_gone "E-commerce channel"
ui_keys Escape
ok "leaving asks" ui_wait "Leave without saving?"
ui_keys y
ok "back on the card" ui_wait "[Card]"
ui_keys q q q
ok "quitting with a draft open asks first" ui_wait "1 draft(s) open; they are kept for next time. Quit?"
ui_keys y
ok "program ends" ui_exited

# The same data directory in Chinese.
ui_start "$D" FIELDCARD_TEST_LANG=1 LANG=zh_CN.UTF-8
ok "the kept draft is offered at start, in Chinese" ui_wait "程序上次停止时，以下表单正在填写。"
ui_keys Escape
ok "home in Chinese" ui_wait "首页"
ui_keys Enter
ok "list in Chinese" ui_wait "户主"
ui_keys Enter e
ok "form labels in Chinese" ui_wait "户主姓名"
ok "the draft of this card is resumed" ui_wait "已恢复此记录未保存的草稿"
ui_keys Escape
ok "leaving asks in Chinese" ui_wait "不保存就离开"
ui_keys y q q q
ok "quitting asks in Chinese" ui_wait "退出？"
ui_keys y
ok "program ends" ui_exited
is "exit status 0" "${ui_status:-}" 0
is "nothing on stderr" "$(cat "$T/ui.stderr" 2>/dev/null)" ""
