#!/bin/bash
# ui_keys_split.sh — a key sent as an escape sequence (PageDown/PageUp,
# arrows, Home/End, F1, F2; CSI "ESC [" and SS3 "ESC O" forms) does the same
# when its bytes arrive in pieces with gaps, as over SSH on a slow link, as
# when they arrive together; a lone Esc still goes back; a sequence the UI
# does not know does nothing and says so. Under TERM=vt100, xterm and screen.
. tests/lib.sh
. tests/e2e/ui.inc
# The gap a slow SSH link makes, which the UI must take (it waits 300 ms
# for the byte after ESC, 1 s for later ones: read_escape in ui_core.c).
GAP=${UI_SPLIT_GAP:-0.2}
D=$T/cadre
ok "init" make_dir "$D"
"$FC" --dir "$D" import tests/e2e/households.csv --form household >/dev/null 2>&1
id=$(households_csv "$D" | grep ',HM-001,' | cut -d, -f1)
ok "HM-001 imported" test -n "$id"

# ui_split PIECE...: send each piece (hex bytes, e.g. "1b 5b") on its own,
# GAP apart: the waiting is the point of this test. The gaps are timed by
# the tmux server (run-shell -d) in one command, since a shell sleep and a
# new tmux client per piece would stretch them on a busy machine.
ui_split() {
	local args=() p
	for p in "$@"; do
		[ ${#args[@]} -eq 0 ] || args+=(";" run-shell -d "$GAP" ";")
		# shellcheck disable=SC2206 # one argument per byte
		args+=(send-keys -t ui -H $p)
	done
	tm "${args[@]}"
}
# pieces "1b|5b|36 7e": the notation of the tables below, "|" between pieces.
pieces() { local P; IFS='|' read -ra P <<<"$1"; ui_split "${P[@]}"; }

# focus_text: the form's focus line without its row (which field has focus).
focus_text() { ui_screen | grep -E '^>' | head -1; }
# at_field LABEL: until the form's focus is on the field LABEL.
at_field() { ui_wait_re "^>.?\\*?$1 "; }
ui_wait_re() {
	local i=0
	while [ $i -lt $((UI_TIMEOUT * 20)) ]; do
		ui_screen | grep -qE -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "# timed out waiting for /$1/"
	ui_screen | sed 's/^/#   | /'
	return 1
}
# wait_focus TEXT: until the focus line is TEXT.
wait_focus() {
	local i=0
	while [ $i -lt $((UI_TIMEOUT * 20)) ]; do
		[ "$(focus_text)" == "$1" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "# focus is: $(focus_text)"
	echo "# expected: $1"
	return 1
}

# same_as_whole WHOLE BACK SPLIT NAME: press the tmux key WHOLE (bytes
# together) and note where the focus goes, BACK to return, then SPLIT (the
# same key in pieces) must land on the same field, and BACK again.
same_as_whole() {
	local start moved
	start=$(focus_text)
	ui_step "$1" || { ok "$4: the whole key moves the focus" false; return; }
	moved=$(focus_text)
	ui_step "$2" && wait_focus "$start" || { ok "$4: back where it started" false; return; }
	pieces "$3"
	ok "$4 in pieces: focus moves as with the whole key" wait_focus "$moved"
	ui_step "$2"
}

# round TERM ARROW HOME END F1 F2 PGDN PGUP: one session under TERM. ARROW
# is the introducer of the cursor keys (5b: CSI, 4f: SS3); the rest are
# the pieces of those keys.
round() {
	local term=$1 a=$2 home=$3 end=$4 f1=$5 f2=$6 pgdn=$7 pgup=$8 city
	ui_start "$D" TERM="$term"
	ok "$term: home" ui_wait "522701105201"
	ui_keys Enter
	ok "$term: list" ui_wait "王小明"
	pieces "$end"
	ok "$term: End in pieces selects the last household" ui_wait "> HM-002"
	pieces "$home"
	ok "$term: Home in pieces selects the first" ui_wait "> HM-001"
	ui_keys Enter
	ok "$term: card" ui_wait "[Card]"
	pieces "1b|$a|43"
	ok "$term: Right in pieces shows the next section" ui_wait "[Members]"
	pieces "1b|$a|44"
	ok "$term: Left in pieces goes back to the card" ui_wait "[Card]"
	ui_keys e
	ok "$term: form" ui_wait "Household card: 王小明"
	ok "$term: focus starts on Province" at_field Province
	same_as_whole Down Up "1b|$a|42" "$term: Down"
	same_as_whole PageDown PageUp "$pgdn" "$term: PageDown"
	ui_step PageDown
	same_as_whole Up Down "1b|$a|41" "$term: Up"
	same_as_whole PageUp PageDown "$pgup" "$term: PageUp"
	ui_step PageUp
	ok "$term: back on Province" at_field Province
	ui_step Down
	ok "$term: on City" at_field City
	# Type "ity", Home, "C-", End, TERM, Left, Left, "-": for vt100 the
	# field must read C-ityvt1-00 if each key moved the cursor.
	city="C-ity${term%??}-${term: -2}"
	ui_keys C-u
	ui_type "ity"
	pieces "$home"
	ui_type "C-"
	pieces "$end"
	ui_type "$term"
	pieces "1b|$a|44"
	pieces "1b|$a|44"
	ui_type "-"
	ok "$term: Home, End and Left in pieces move the cursor in the field" \
		ui_wait_re "^>.?City.* ${city}\$"
	# A sequence not known here: nothing typed, nothing done, and said so.
	ui_split 1b 5b "39 39" 7e
	ok "$term: an unknown sequence says so" ui_wait "key not known here (Esc [99~): nothing done"
	like "$term: and types nothing" "$(focus_text)" "City.* ${city}\$"
	pieces "$f1"
	ok "$term: F1 in pieces opens help" ui_wait "Keys of this screen"
	ui_keys Escape
	ok "$term: a lone Esc leaves help" ui_gone "Keys of this screen"
	ok "$term: back in the form" ui_wait "Household card: 王小明"
	pieces "$f2"
	ok "$term: F2 in pieces saves" ui_wait "[Card]"
	ok "$term: saved said" ui_wait "saved"
	like "$term: the record has the city" "$("$FC" --dir "$D" show "$id")" "city: ${city}"
	ui_keys Escape
	ok "$term: a lone Esc goes back to the list" ui_wait "households: 2"
	ui_keys Escape
	ok "$term: and to home" ui_gone "households: 2"
	ui_keys q
	ok "$term: program ends" ui_exited
	is "$term: exit status 0" "${ui_status:-}" 0
}

# vt100 knows neither PageDown nor Home/End; screen and tmux send ~ forms.
round vt100 4f "1b|5b|31|7e" "1b|5b|34|7e" "1b|4f|50" "1b|4f|51" "1b|5b|36|7e" "1b|5b|35|7e"
round xterm 5b "1b|5b|48" "1b|5b|46" "1b|5b|31|31|7e" "1b|5b|31|32|7e" "1b|5b 36 7e" "1b|5b 35 7e"
round screen 4f "1b|4f|48" "1b|4f|46" "1b|4f|50" "1b|5b|31|32|7e" "1b 5b 36|7e" "1b 5b|35 7e"
is "nothing on stderr" "$(cat "$T/ui.stderr" 2>/dev/null)" ""
