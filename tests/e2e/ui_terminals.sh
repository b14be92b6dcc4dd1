#!/bin/bash
# ui_terminals.sh — hostile terminals (issue 16): sizes 40×10, 20×5 and
# 1×1; a storm of 100 resizes in a second; TERM=vt100, dumb, an unknown
# name and none; stdin closed or not a terminal; SIGHUP mid-form (the SSH
# session drops: the draft is kept) and SIGTERM. Each gives a clear message
# or draws what fits, never crashes (ASan would say so on stderr), and
# leaves the terminal as it was (the pane's shell reads a line again).
. tests/lib.sh
. tests/e2e/ui.inc
D=$T/d
make_dir "$D"
"$FC" --dir "$D" import tests/e2e/households.csv >/dev/null 2>&1
asan_clean() { ! grep -qE 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error' "$T/ui.stderr" 2>/dev/null; }
: > "$T/ui.stderr"

# ---- sizes ----
ui_start "$D" || exit 1
ok "80×24: home draws" ui_wait "fieldcard"
for size in 40x10 20x5 1x1 80x24; do
	tm resize-window -t ui -x "${size%x*}" -y "${size#*x}" 2>/dev/null
	sleep 0.3
	if [ "$size" = 40x10 ] || [ "$size" = 80x24 ]; then
		ok "$size: the screen draws" ui_wait "fieldcard"
	elif [ "$size" = 20x5 ]; then
		ok "$size: says the size it needs" ui_wait "need 40"
	else
		ok "$size: still running" test -n "$(ui_pid)"
	fi
	wide=$(ui_screen | awk -v w="${size%x*}" 'length($0) > w' | wc -l)
	is "$size: nothing wider than the terminal" "$wide" 0
done
# ---- a storm: 100 resizes in about a second ----
t0=$(date +%s%N)
for i in $(seq 1 100); do
	tm resize-window -t ui -x $((40 + i % 60)) -y $((10 + i % 20)) 2>/dev/null &
	sleep 0.01
done
wait
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tm resize-window -t ui -x 80 -y 24
ok "after 100 resizes in $ms ms the UI still runs" test -n "$(ui_pid)"
ok "... and draws the home screen at 80×24" ui_wait "fieldcard"
ui_keys q
ui_exited
is "q then quits (exit 0)" "$ui_status" 0
ok "no sanitizer report" asan_clean

# ---- TERM ----
for term in dumb no-such-terminal ""; do
	out=$(env TERM="$term" script -qec "$FC --dir $D" /dev/null 2>&1 </dev/null | tr -d '\r')
	rc=$(env TERM="$term" script -qec "$FC --dir $D; echo rc=\$?" /dev/null 2>/dev/null </dev/null | tr -d '\r' | sed -n 's/.*rc=//p')
	echo "# TERM='$term': $(echo "$out" | head -1)"
	like "TERM='$term': a clear message" "$out" "cannot start the text UI: .*(TERM is not set|TERM=$term)"
	is "TERM='$term': exit 1, no crash" "$rc" 1
done
ui_start "$D" || exit 1
ok "TERM=vt100 (the tests' own): home draws" ui_wait "fieldcard"
ui_keys q
ui_exited

# ---- stdin closed, or not a terminal ----
run "$FC" --dir "$D" <&-
echo "# stdin closed: $out"
like "stdin closed: a clear message" "$out" "needs a terminal"
is "... exit 2" "$rc" 2
run "$FC" --dir "$D" </dev/null
like "stdin not a terminal: a clear message" "$out" "needs a terminal"
run bash -c "echo q | '$FC' --dir '$D'"
like "stdin a pipe: the same" "$out" "needs a terminal"

# ---- SIGHUP and SIGTERM mid-form ----
# The pane's shell saves the terminal settings before and after the UI.
stty_start() {
	tm kill-server 2>/dev/null
	for i in $(seq 100); do tm list-sessions >/dev/null 2>&1 || break; sleep 0.05; done
	rm -f "$T/ui.rc" "$T/stty.before" "$T/stty.after"
	tm new-session -d -s ui -x 80 -y 24 \
		"stty -g > $T/stty.before; env TERM=vt100 LANG=C.UTF-8 LC_ALL= $FC --dir $D 2>>$T/ui.stderr; echo \$? > $T/ui.rc; stty -g > $T/stty.after; sleep 600"
}
for sig in HUP TERM; do
	stty_start
	ok "SIG$sig: home" ui_wait "522701105201"
	ui_keys Enter
	ui_wait "李四" >/dev/null
	ui_keys Down Enter
	ui_wait "李四  village" >/dev/null
	ui_keys Tab n
	ok "SIG$sig: a member form is open" ui_wait "Member"
	ui_type "信号$sig"
	ui_wait "信号$sig" >/dev/null
	kill -$sig "$(ui_pid)"
	ui_exited
	is "SIG$sig: the UI stops with 128+signal" "$ui_status" $((128 + $(kill -l $sig)))
	ok "SIG$sig: the draft keeps what was typed" bash -c "sqlite3 '$D/fieldcard.db' 'select canonical from drafts' | grep -q '信号$sig'"
	for i in $(seq 40); do [ -s "$T/stty.after" ] && break; sleep 0.05; done
	is "SIG$sig: the terminal's settings are restored" "$(cat "$T/stty.after" 2>/dev/null)" "$(cat "$T/stty.before")"
	ok "SIG$sig: no sanitizer report" asan_clean
	sqlite3 "$D/fieldcard.db" 'delete from drafts'
done
echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
