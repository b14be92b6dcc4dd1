#!/bin/bash
# ui_old_field.sh — an error that no field of the form can carry (here a
# value in a field the form no longer has, as an older form version leaves
# it) blocks saving with a message that names the field and the reason,
# instead of "fix the fields marked !" with nothing marked.
. tests/lib.sh
. tests/e2e/ui.inc
D=$T/cadre
ok "init" make_dir "$D"
"$FC" --dir "$D" import tests/e2e/households.csv --form household >/dev/null 2>&1
H=$(households_csv "$D" | grep 王小明 | cut -d, -f1)
ok "the household is there" test -n "$H"
# What an older form version left in the store: a value in a field the
# current form does not have.
sqlite3 "$D/fieldcard.db" "UPDATE records SET canonical = canonical || 'old_field: 1' || char(10) WHERE id = '$H';"
like "the record carries the old field" "$("$FC" --dir "$D" show "$H")" "old_field: 1"

ui_start "$D"
ok "home" ui_wait "522701105201"
ui_keys Enter
ok "list" ui_wait "王小明"
ui_keys Enter
ok "card" ui_wait "[Card]"
ui_keys e
ok "edit form" ui_wait "Household card: 王小明"
ui_keys F2
ok "saving is refused, naming the field and the reason" \
	ui_wait "not saved: old_field: field old_field is not in form household"
ok "still in the form" ui_wait "Household card: 王小明"
like "the record is unchanged" "$("$FC" --dir "$D" show "$H")" "old_field: 1"
ui_keys Escape
ok "nothing was changed, so Esc leaves at once" ui_wait "[Card]"
ui_keys q q q
ok "program ends (no draft open, so no question)" ui_exited
is "exit status 0" "${ui_status:-}" 0
echo "1..$_tap_n"
[ "$_tap_fail" -eq 0 ]
