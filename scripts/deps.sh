#!/bin/sh
# deps.sh — make sure the Debian packages fieldcard needs to build and test
# are here. As root, installs what is missing with apt-get; otherwise prints
# the exact command and fails. Plain POSIX sh, and it names make itself, so
# a machine without make can start with `sh scripts/deps.sh` (as root).
# Installs use --no-install-recommends, so every package the build and the
# tests need is named here (lighttpd-mod-openssl: HTTPS in the transport tests;
# clang-14 and libclang-rt-14-dev: libFuzzer for the fuzz targets).
set -u
PKGS="gcc make pkg-config libncurses-dev libsqlite3-dev libgit2-dev libsodium-dev
libcmocka-dev libxlsxwriter-dev libjansson-dev libzip-dev libexpat1-dev gettext
git tmux openssh-server openssh-client
lighttpd lighttpd-mod-openssl fcgiwrap socat locales procps time openssl sqlite3
python3 unzip iproute2 ca-certificates clang-14 libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "fieldcard: installing missing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "fieldcard: apt-get failed; run: apt-get install -y$missing" >&2; exit 1; }
	exit 0
fi
echo "fieldcard: missing Debian packages. Run as root:" >&2
echo "  sudo apt-get install -y$missing" >&2
exit 1
