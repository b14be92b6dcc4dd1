#!/bin/sh
# run-demo.sh BIN — open the text UI on the demo (made on first use in
# ./demo-data, with its county repository beside it in ./demo-data.county.git).
set -e
BIN=${1:-build/release/fieldcard}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${FIELDCARD_DEMO_DIR:-$ROOT/demo-data}
export FIELDCARD_FORMS=${FIELDCARD_FORMS:-$ROOT/forms}
export FIELDCARD_LOCALEDIR=${FIELDCARD_LOCALEDIR:-$ROOT/build/locale}
if [ ! -f "$DIR/fieldcard.db" ]; then
	rm -rf "$DIR" "$DIR.county" "$DIR.county.git"
	"$BIN" --dir "$DIR" demo
fi
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "make run: the demo is ready in $DIR; open it from a terminal: $BIN --dir $DIR" >&2
	exit 0
fi
exec "$BIN" --dir "$DIR"
