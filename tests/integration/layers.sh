# layers.sh — the build refuses a file that includes a layer above its own
# or a library header outside its one layer, naming the file, line and
# include (scripts/layers.sh; docs/DESIGN.md "Layers"). Runs on a copy of
# the tree, so the checkout is never touched.
. tests/lib.sh
S=$T/src
mkdir -p "$S"
cp -r app sync include scripts "$S/"
# the flags the Makefile passes, if any (none: every build checks cycles)
flags=$(sed -n 's/^LAYERS_FLAGS ?= *//p' Makefile)

run sh "$S/scripts/layers.sh" $flags
is "the tree as it is passes" "$rc" 0

# core (buf.c) reaching up into the sync layer (desk.h)
sed -i '0,/#include "fieldcard\/buf.h"/s//#include "fieldcard\/buf.h"\n#include "fieldcard\/desk.h"/' "$S/app/core/buf.c"
line=$(grep -n 'fieldcard/desk.h' "$S/app/core/buf.c" | cut -d: -f1)
run sh "$S/scripts/layers.sh" $flags
is "an include that goes up fails" "$rc" 1
like "and names the file, the line and the include" "$out" "app/core/buf.c:$line: includes fieldcard/desk.h \(layer sync\) from layer core"
cp app/core/buf.c "$S/app/core/buf.c"

# libgit2 outside the ledger, SQLite outside the store
sed -i '0,/#include <stdio.h>/s//#include <stdio.h>\n#include <git2.h>/' "$S/sync/merge.c"
run sh "$S/scripts/layers.sh" $flags
is "git2.h outside sync/ledger fails" "$rc" 1
like "naming the ledger as its only place" "$out" "sync/merge.c:[0-9]+: includes <git2.h>; only the ledger"
cp sync/merge.c "$S/sync/merge.c"

# libgit2's names outside the ledger, even without git2.h: in prose they are
# fine, in code they fail
cat >>"$S/sync/merge.c" <<'EOF'
/* merge.c never calls git_merge_trees (see DESIGN.md) */
static const char *why_not = "git_merge_trees reads every entry"; // git_tree_walk neither
EOF
run sh "$S/scripts/layers.sh" $flags
is "a git_ name in a comment or a string passes" "$rc" 0
echo 'static int stray_init(void) { return git_libgit2_init(); }' >>"$S/sync/merge.c"
line=$(grep -n 'stray_init' "$S/sync/merge.c" | cut -d: -f1)
run sh "$S/scripts/layers.sh" $flags
is "a libgit2 call outside sync/ledger fails" "$rc" 1
like "naming the file, the line and the name" "$out" "sync/merge.c:$line: uses git_libgit2_init; only the ledger"
cp sync/merge.c "$S/sync/merge.c"
sed -i 's/^typedef struct transport_stats {/typedef struct git_oid_like { int x; } git_oid_like;\ntypedef struct transport_stats {/' \
	"$S/include/fieldcard/transport.h"
run sh "$S/scripts/layers.sh" $flags
like "a public header of the ledger may not name one either" "$out" \
	"include/fieldcard/transport.h:[0-9]+: uses git_oid_like"
cp include/fieldcard/transport.h "$S/include/fieldcard/transport.h"
sed -i '0,/#include <stdio.h>/s//#include <stdio.h>\n#include <sqlite3.h>/' "$S/app/model/app.c"
run sh "$S/scripts/layers.sh" $flags
like "sqlite3.h outside the store fails" "$out" "app/model/app.c:[0-9]+: includes <sqlite3.h>; only the store"
cp app/model/app.c "$S/app/model/app.c"

# two modules of one layer including each other (record.c back into form.h)
sed -i '0,/#include "fieldcard\/record.h"/s//#include "fieldcard\/form.h"\n#include "fieldcard\/record.h"/' "$S/app/form/record.c"
run sh "$S/scripts/layers.sh" $flags
is "an include cycle fails" "$rc" 1
like "and names the modules on it" "$out" "cycle:.*(form|record)"
cp app/form/record.c "$S/app/form/record.c"

# a source left outside the layer folders
echo 'int stray;' >"$S/app/stray.c"
run sh "$S/scripts/layers.sh" $flags
like "a source outside every layer folder fails" "$out" "app/stray.c: not in a layer folder"
rm "$S/app/stray.c"

# the build itself stops on it
sed -i '0,/#include "fieldcard\/buf.h"/s//#include "fieldcard\/buf.h"\n#include "fieldcard\/ui.h"/' "$S/app/core/buf.c"
cp Makefile "$S/"
mkdir -p "$S/po" "$S/forms"
run make -C "$S" --no-print-directory MODE=release BUILD="$T/build" "$T/build/release/layers.ok"
ok "make stops at the layer check" test "$rc" -ne 0
like "make names the file and the include" "$out" "app/core/buf.c:[0-9]+: includes fieldcard/ui.h \(layer ui\)"
ok "no layers stamp is left behind" test ! -e "$T/build/release/layers.ok"
exit $_tap_fail
