#!/bin/bash
# arm64.sh [test] — the aarch64 build (the ARM boards cadres carry), made
# with Debian's cross toolchain and the :arm64 -dev packages, and with
# `test`, the unit tests and the CLI integration tests run under qemu-user
# (`make arm64-test`). Like scripts/deps.sh it installs what is missing as
# root (dpkg --add-architecture arm64, apt-get) and otherwise prints the
# command. libgit2-dev is not co-installable across architectures in
# Debian 12 (installing libgit2-dev:arm64 removes the amd64 one), so only
# the arm64 runtime libgit2-1.5 is installed, with the amd64 package's
# headers (the same for every architecture) and a link and .pc file of
# our own under build/arm64/sysroot.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
A=build/arm64
SYS=$ROOT/$A/sysroot
CROSS="gcc-aarch64-linux-gnu qemu-user-static"
ARM="libsqlite3-dev:arm64 libsodium-dev:arm64 libncurses-dev:arm64 libcmocka-dev:arm64
libxlsxwriter-dev:arm64 libjansson-dev:arm64 libzip-dev:arm64 libexpat1-dev:arm64 libgit2-1.5:arm64"
missing=""
for p in $CROSS $ARM; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "fieldcard: missing for the arm64 build. Run as root:" >&2
		echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "fieldcard: installing for the arm64 build:$missing"
	export DEBIAN_FRONTEND=noninteractive
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "fieldcard: apt-get failed; run: apt-get install -y$missing" >&2; exit 1; }
fi
scripts/deps.sh || exit 1
mkdir -p "$SYS/lib" "$SYS/pkgconfig"
ln -sf /usr/lib/aarch64-linux-gnu/libgit2.so.1.5 "$SYS/lib/libgit2.so"
cat > "$SYS/pkgconfig/libgit2.pc" <<PC
Name: libgit2
Description: libgit2 1.5 for aarch64 (runtime package, amd64 headers)
Version: $(dpkg-query -W -f='${Version}' libgit2-1.5:arm64 | sed 's/+.*//')
Cflags: -I/usr/include
Libs: -L$SYS/lib -lgit2
PC
export PKG_CONFIG_LIBDIR=$SYS/pkgconfig:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
UNITS=$(ls tests/unit/test_*.c | sed 's,tests/unit/\(.*\)\.c,'$A'/release/tests/\1,')
make --no-print-directory -j2 MODE=release BUILD=$A CC=aarch64-linux-gnu-gcc \
	$A/release/fieldcard $UNITS build/locale/zh_CN/LC_MESSAGES/fieldcard.mo || exit 1
file "$A/release/fieldcard" | sed 's/^/  /'
[ "${1:-}" = test ] || exit 0

# qemu-user runs each arm64 binary; the loader and libraries are the
# :arm64 packages' (multiarch paths), so no -L is needed.
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
cat > "$ROOT/$A/fieldcard" <<SH
#!/bin/sh
exec $QEMU $ROOT/$A/release/fieldcard "\$@"
SH
chmod +x "$ROOT/$A/fieldcard"
export FIELDCARD_FORMS=$ROOT/forms FIELDCARD_LOCALEDIR=$ROOT/build/locale CMOCKA_MESSAGE_OUTPUT=TAP
LOG=$ROOT/$A/test-log
mkdir -p "$LOG"
pass=0 fail=0
count() { # name log rc
	local p f
	p=$(grep -cE '^ok ' "$2"); f=$(grep -cE '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	printf 'arm64 %-34s %4d passed %4d failed\n' "$1" "$p" "$f"
	grep -E '^not ok ' "$2" | sed 's/^/    /' | head -10
}
for t in $A/release/tests/test_*; do
	[ -x "$t" ] || continue  # not the compiler's .d files
	n=$(basename "$t")
	timeout 1200 "$QEMU" "$t" >"$LOG/$n.log" 2>&1
	count "$n" "$LOG/$n.log" $?
done
# The CLI integration tests (no UI, no benchmarks), the program under qemu.
for t in ${ARM64_TESTS:-cli import_export checks report rebuild review county_merge county_dups signing layers}; do
	[ -f "tests/integration/$t.sh" ] || continue
	FIELDCARD_BIN=$ROOT/$A/fieldcard timeout 1800 bash "tests/integration/$t.sh" >"$LOG/$t.log" 2>&1
	count "integration/$t" "$LOG/$t.log" $?
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
