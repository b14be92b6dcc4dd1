#!/bin/sh
# layers.sh — fail the build when a file includes a layer above its own, when
# a library header (libgit2, SQLite, ncurses, libzip, expat) is included
# outside the one layer (or file) allowed to use it, when code outside
# sync/ledger/ (public headers included) names a libgit2 identifier
# (git_...), or when modules include each other in a cycle.
# The layers, bottom up, are the LAYERS list below; docs/DESIGN.md
# ("Layers") draws them. A header include/fieldcard/X.h belongs to the layer
# whose folder holds X.c or X_*.c; the few headers without one are named in
# HEADER_LAYERS. Prints FILE:LINE and the rule broken; exit 1 if any.
set -u
cd "$(dirname "$0")/.." || exit 2
cycles=1
[ "${1:-}" = --no-cycles ] && cycles=0

# layer name and folder, bottom first
LAYERS="core:app/core form:app/form store:app/store model:app/model
ledger:sync/ledger sync:sync report:app/report ui:app/ui cli:app/cli"
# headers with no X.c or X_*.c of their own
HEADER_LAYERS="fields:form cli:cli"

rank() { # layer name -> its position, bottom = 1
	n=0
	for l in $LAYERS; do
		n=$((n + 1))
		[ "${l%%:*}" = "$1" ] && { echo $n; return; }
	done
	echo 0
}

layer_of_dir() { # folder -> layer name
	for l in $LAYERS; do
		[ "${l#*:}" = "$1" ] && { echo "${l%%:*}"; return; }
	done
}

header_layer() { # header base name -> layer name ("" if unknown)
	for h in $HEADER_LAYERS; do
		[ "${h%%:*}" = "$1" ] && { echo "${h#*:}"; return; }
	done
	for l in $LAYERS; do
		d=${l#*:}
		for f in "$d/$1.c" "$d/$1"_*.c; do
			[ -f "$f" ] && { echo "${l%%:*}"; return; }
		done
	done
}

# module of a source: X.c, X_part.c and X_int.h are module X; a header is
# its own module
module_of() {
	b=$(basename "$1")
	b=${b%.c}; b=${b%.h}; b=${b%_int}
	for m in $(ls include/fieldcard | sed 's/\.h$//'); do
		case "$b" in "$m" | "$m"_*) echo "$m"; return ;; esac
	done
	echo "$b"
}

fail=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

check_file() { # file layer
	file=$1 layer=$2 me=$(rank "$2") mod=$(module_of "$1")
	grep -n '^[[:space:]]*#[[:space:]]*include' "$file" | while IFS=: read -r line text; do
		inc=$(echo "$text" | sed -n 's/.*[<"]\([^>"]*\)[>"].*/\1/p')
		case "$inc" in
		fieldcard/*.h)
			h=${inc#fieldcard/}; h=${h%.h}
			hl=$(header_layer "$h")
			if [ -z "$hl" ]; then
				echo "$file:$line: includes $inc, which belongs to no layer (scripts/layers.sh)"
				echo x >>"$edges.fail"
			elif [ "$(rank "$hl")" -gt "$me" ]; then
				echo "$file:$line: includes $inc (layer $hl) from layer $layer, which is below it"
				echo x >>"$edges.fail"
			fi
			[ "$h" != "$mod" ] && echo "$mod $h" >>"$edges"
			;;
		git2.h | git2/*)
			[ "$layer" = ledger ] || {
				echo "$file:$line: includes <$inc>; only the ledger (sync/ledger/) may use libgit2"
				echo x >>"$edges.fail"
			} ;;
		sqlite3.h)
			[ "$layer" = store ] || {
				echo "$file:$line: includes <$inc>; only the store (app/store/) may use SQLite"
				echo x >>"$edges.fail"
			} ;;
		zip.h | expat.h)
			[ "$file" = app/core/xlsx.c ] || {
				echo "$file:$line: includes <$inc>; only the xlsx reader (app/core/xlsx.c) may use libzip and expat"
				echo x >>"$edges.fail"
			} ;;
		curses.h | ncurses.h | ncursesw/*)
			[ "$layer" = ui ] || {
				echo "$file:$line: includes <$inc>; only the UI (app/ui/) may use ncurses"
				echo x >>"$edges.fail"
			} ;;
		esac
	done
}

rm -f "$edges.fail"
for l in $LAYERS; do
	d=${l#*:}
	for f in "$d"/*.c "$d"/*.h; do
		[ -f "$f" ] && check_file "$f" "${l%%:*}"
	done
done
for f in include/fieldcard/*.h; do
	h=$(basename "$f" .h)
	hl=$(header_layer "$h")
	[ -n "$hl" ] || { echo "$f: belongs to no layer (no $h.c or ${h}_*.c)"; fail=1; continue; }
	check_file "$f" "$hl"
done
# libgit2's names (git_...) outside the ledger, in code: a file that gets
# its types some other way than git2.h still must not touch libgit2. Comments
# and string literals are blanked first, so prose may name git_ functions.
git_names() {
	awk '
	FNR == 1 { inc = 0 }
	{
		line = $0; out = ""; n = length(line); i = 1
		if (!inc && !index(line, "/") && !index(line, "\"") && !index(line, "\047"))
			out = line
		else while (i <= n) {
			c = substr(line, i, 1); d = substr(line, i, 2)
			if (inc) { if (d == "*/") { inc = 0; i += 2 } else i++; continue }
			if (d == "/*") { inc = 1; i += 2; continue }
			if (d == "//") break
			if (c == "\"" || c == "\047") {
				q = c; i++
				while (i <= n) {
					c = substr(line, i, 1); i++
					if (c == "\\") i++
					else if (c == q) break
				}
				out = out " "; continue
			}
			out = out c; i++
		}
		if (match(out, /(^|[^A-Za-z0-9_])git_[a-z0-9_]+/)) {
			id = substr(out, RSTART, RLENGTH)
			sub(/^[^A-Za-z0-9_]/, "", id)
			print FILENAME ":" FNR ": uses " id "; only the ledger (sync/ledger/) may use libgit2"
		}
	}' "$@"
}
git_files=
for l in $LAYERS; do
	[ "${l%%:*}" = ledger ] && continue
	for f in "${l#*:}"/*.c "${l#*:}"/*.h; do
		[ -f "$f" ] && git_files="$git_files $f"
	done
done
# shellcheck disable=SC2086 # the file names hold no spaces
hits=$(git_names $git_files include/fieldcard/*.h)
[ -n "$hits" ] && { echo "$hits"; fail=1; }
# Loose sources outside the layer folders would escape the check.
for f in app/*.c sync/*.h; do
	[ -f "$f" ] && { echo "$f: not in a layer folder"; fail=1; }
done
[ -f "$edges.fail" ] && fail=1
rm -f "$edges.fail"
# tsort names every module on a cycle of includes
if [ $cycles = 1 ] && ! sort -u "$edges" | tsort >/dev/null 2>"$edges.err"; then
	echo "modules include each other in a cycle:"
	grep -v 'input contains a loop' "$edges.err" | sed 's/^tsort: /  /'
	fail=1
fi
rm -f "$edges.err"
[ $fail -eq 0 ] || { echo "layers: the rules above are broken (docs/DESIGN.md, \"Layers\")" >&2; exit 1; }
exit 0
