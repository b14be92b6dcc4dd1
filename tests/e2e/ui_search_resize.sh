#!/bin/bash
# ui_search_resize.sh — `/` search finds a household by part of its name and
# by ID number; resized to 60×20 and 40×10 the list is still drawn, with the
# selection kept and nothing wider than the terminal; below 40×10 (30×8) the
# size message shows instead of a broken screen, and keys do nothing there;
# back at 80×24 the list is whole again.
. tests/lib.sh
. tests/e2e/ui.inc
D=$T/cadre
ok "init" make_dir "$D"
{
	head -1 tests/e2e/households.csv
	tail -n +2 tests/e2e/households.csv
	for i in $(seq 10 60); do
		echo "贵州省,花茂村,522701105201,HM-0$i,村民$i,$(id_with_check 5201011970010100$((i % 10))),general,not_lifted,illness,A,no,yes,no"
	done
} > "$T/many.csv"
"$FC" --dir "$D" import "$T/many.csv" --form household >/dev/null 2>"$T/import.err"
is "53 households imported" "$(households_csv "$D" | grep -c '^01')" 53

ui_start "$D"
ok "home" ui_wait "522701105201"
ui_keys Enter
ok "list with 53 households" ui_wait "households: 53"
ui_keys /
ui_type '小明'
ok "search by part of a name" ui_wait "households: 1"
s=$(ui_screen)
like "the match is 王小明" "$s" "HM-001 +王小明"
[[ "$s" == *"李四"* ]] && ok "others hidden" false || ok "others hidden" true
ui_keys C-u
ok "clearing the search shows all" ui_wait "households: 53"
ui_type '198503152226'
ok "search by ID number" ui_wait "households: 1"
like "the match is 李四" "$(ui_screen)" "HM-002 +李四"
ui_keys Enter Enter
ok "the card opens from the search" ui_wait "HM-002  李四"
ui_keys Escape Escape
ok "Esc clears the search" ui_wait "households: 53"

# Scroll far down: rows come in windows from the store.
for i in $(seq 1 52); do ui_keys Down; done
ok "last household reachable" ui_wait "> HM-060"

# fits W: every line of the screen is at most W columns wide.
fits() { [ "$(ui_screen | wc -L)" -le "$1" ]; }
tm resize-window -t ui -x 60 -y 20
ok "60×20: the list is still drawn" ui_wait "households: 53"
ok "60×20: selection kept" ui_wait "> HM-060"
ok "60×20: nothing wider than 60 columns" fits 60
tm resize-window -t ui -x 40 -y 10
ok "40×10: the list is still drawn" ui_wait "> HM-060"
ok "40×10: nothing wider than 40 columns" fits 40
tm resize-window -t ui -x 30 -y 8
ok "30×8: size message" ui_wait "terminal too small: need 40×10"
ok "30×8: current size shown" ui_wait "now 30×8"
ui_keys Down Enter
tm resize-window -t ui -x 80 -y 24
ok "80×24: list again" ui_wait "households: 53"
ok "selection kept" ui_wait "> HM-060"
ok "key line back" ui_wait "? help"
ui_keys Escape q
ok "program ends" ui_exited
is "exit status 0" "${ui_status:-}" 0
is "nothing on stderr" "$(cat "$T/ui.stderr" 2>/dev/null)" ""
