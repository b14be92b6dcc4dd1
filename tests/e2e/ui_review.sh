#!/bin/bash
# ui_review.sh — a cadre submits a card; the first secretary sees it in the
# review queue as a diff against the last approved version and returns it
# with a comment; the cadre then sees the comment on home, in the list and
# on the card. One data directory whose role is switched in the store's
# settings (meta 'role'), as two devices would after a sync.
. tests/lib.sh
. tests/e2e/ui.inc
command -v sqlite3 >/dev/null || { echo "not ok 1 - sqlite3 (Debian package sqlite3) is needed to switch roles"; exit 1; }
D=$T/village
ok "init" make_dir "$D"
"$FC" --dir "$D" import tests/e2e/households.csv --form household >/dev/null 2>&1
hid=$(households_csv "$D" | awk -F, '$11=="王小明"{print $1}')
ok "household imported" test -n "$hid"
role() { sqlite3 "$D/fieldcard.db" "UPDATE meta SET value='$1' WHERE key='role'"; }
review_of() { sqlite3 "$D/fieldcard.db" "SELECT state, comment FROM reviews WHERE household='$1'" 2>/dev/null; }

# The cadre submits the card.
ui_start "$D"
ok "home" ui_wait "(cadre)"
ui_keys r
ok "review refused to a cadre" ui_wait "the review queue is for the first secretary"
ui_keys Enter
ok "list" ui_wait "王小明"
ui_keys Enter
ok "card" ui_wait "Review: "
ui_keys S
ok "submit asks" ui_wait "Submit this card to the first secretary for review?"
ui_keys y
ok "submitted" ui_wait "Review: submitted"
ui_keys q q q
ok "cadre quits" ui_exited

# The first secretary returns it with a comment.
role secretary
ui_start "$D"
ok "secretary's home" ui_wait "(secretary)"
ui_keys r
ok "review queue" ui_wait "Cards waiting for review: "
ok "the card is queued" ui_wait "HM-001         王小明"
ok "diff against the (never) approved version" ui_wait "Changes (never approved before"
ok "diff shows a field" ui_wait "Head's name: '' -> 王小明"
ui_keys r
ok "asks for a comment" ui_wait "Comment for the cadre:"
ui_type '收入未填写，请补充'
ui_keys Enter
ok "returned" ui_wait "returned 王小明 to the cadre"
ok "no longer queued" ui_gone "> HM-001         王小明"
like "store: returned with the comment" "$(review_of "$hid")" "returned.*收入未填写，请补充"
ui_keys q q
ok "secretary quits" ui_exited

# The cadre sees the comment.
role cadre
ui_start "$D"
ok "home lists the returned card" ui_wait "Returned by review (1): fix and submit again"
ok "with its comment" ui_wait "HM-001     王小明: 收入未填写，请补充"
ui_keys Down Enter
ok "the card shows the comment" ui_wait "Returned by review: 收入未填写，请补充"
ui_keys Escape
ok "home again" ui_wait "Returned by review (1)"
ui_keys Up Enter
ok "the list" ui_wait "households: 2"
ok "list shows the comment for the returned card" ui_wait "Returned: 收入未填写，请补充"
ui_keys q q
ok "cadre quits" ui_exited
is "exit status 0" "${ui_status:-}" 0
is "nothing on stderr" "$(cat "$T/ui.stderr" 2>/dev/null)" ""
