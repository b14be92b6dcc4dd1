#!/bin/bash
# fresh-root.sh [--keep] [--work DIR] [--suite NAME] [COMMIT]
# fresh-root.sh --work DIR --rerun 'bash tests/integration/NAME.sh'
#
# Proves that `make test` passes on a fresh Debian machine (issue 9). As root:
# builds a minimal Debian root with debootstrap (variant minbase) from the apt
# mirror this machine is configured with (read now from its apt sources, so no
# host name lives in the repo), copies in a clean clone of COMMIT (default:
# HEAD of the repository this script sits in), mounts what the test servers
# need, and runs inside, with nothing else installed first:
#     sh scripts/deps.sh && make test
# The make test step runs under flock $FC_TEST_LOCK (default /tmp/fc-test.lock),
# the lock that serialises test suites on a shared machine. Prints the time
# of each phase and the suite's last line; exits with make test's status.
#   --work DIR   work dir (default: a new /tmp/fc-fresh.XXXXXX); DIR/root is
#                the root, DIR/*.log and DIR/test-log/ the logs (always kept)
#   --keep       keep DIR/root after the run (rerun single tests inside it)
#   --suite S    Debian suite (default: the one in this machine's apt sources)
#   --rerun CMD  in a kept DIR/root: mount, run CMD in /src with the test
#                environment tests/run.sh sets (under the lock), unmount
# Not part of `make test`: it downloads ~300 MB and takes 10-20 min.
set -u
keep=0 work="" suite="" rev=HEAD rerun=""
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--work) work=$2; shift ;;
	--suite) suite=$2; shift ;;
	--rerun) rerun=$2 keep=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fresh-root: unknown option $1" >&2; exit 2 ;;
	*) rev=$1 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "fresh-root: run as root (debootstrap, chroot, mount)" >&2; exit 2; }
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || exit 2
commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}") || exit 2

# The first Debian archive in the apt sources (deb822 or one-line format),
# skipping -updates/-security suites: "URI SUITE".
mirror_line() {
	local f=/etc/apt/sources.list.d/debian.sources
	if [ -f "$f" ]; then
		awk 'function flush() { if (deb && uri != "" && !done) for (i = 1; i <= ns; i++)
				if (s[i] !~ /-/) { print uri, s[i]; done = 1; break }
				deb = 0; uri = ""; ns = 0 }
			/^[ \t]*$/ { flush(); next } /^[ \t]*#/ { next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { ns = 0; for (i = 2; i <= NF; i++) s[++ns] = $i }
			END { flush() }' "$f"
	fi
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) !~ /-/) print $i, $(i + 1) }'
}
read -r mirror msuite < <(mirror_line | head -1)
[ -n "${mirror:-}" ] || { echo "fresh-root: no Debian mirror found in /etc/apt sources" >&2; exit 2; }
suite=${suite:-$msuite}

work=${work:-$(mktemp -d /tmp/fc-fresh.XXXXXX)}
mkdir -p "$work" && work=$(cd "$work" && pwd)
R=$work/root
if [ -n "$rerun" ]; then
	[ -d "$R/src/build/asan" ] || { echo "fresh-root: no built root in $R to rerun in" >&2; exit 2; }
elif [ -e "$R" ]; then
	echo "fresh-root: $R exists; remove it or choose another --work" >&2; exit 2
fi

mounted=()
cleanup() {
	local p i
	trap - EXIT INT TERM
	[ -n "$bgpid" ] && kill -TERM -- "-$bgpid" 2>/dev/null
	# Servers the tests left running inside would keep the mounts busy.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
	done
	mounted=()
	if [ "$keep" = 0 ] && [ -d "$R" ]; then
		# Never delete through a mount (the root's /dev is the host's devtmpfs).
		if grep -q " $R/" /proc/mounts; then
			echo "fresh-root: something is still mounted under $R; not removing it" >&2
		else
			rm -rf --one-file-system "$R"
		fi
	fi
}
trap cleanup EXIT
trap 'echo "fresh-root: interrupted" >&2; exit 130' INT TERM

t0=$SECONDS
# Long steps run in the background in a process group of their own: bash
# runs a trap (INT, TERM) only between commands, `wait` is one it can leave
# at once, and cleanup then ends that group (a flock still waiting too).
bgpid=""
bg() { setsid "$@" & bgpid=$!; wait $bgpid; }
# locked LOG CMD...: CMD (output also to LOG) holding the test lock on fd 9,
# which CMD does not inherit, so a server a test leaks cannot keep it held.
locked() {
	bg bash -c 'exec 9>>"$0" && flock 9 || exit 2; echo "fresh-root: $(date +%T) lock taken"
		log=$1; shift; "$@" 9>&- 2>&1 | tee "$log" 9>&-; exit ${PIPESTATUS[0]}' "$lock" "$@"
}
phase() { echo "fresh-root: $1: $(($SECONDS - $2)) s"; }

if [ -z "$rerun" ]; then
	command -v debootstrap >/dev/null || {
		echo "fresh-root: installing debootstrap on this machine"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	} || { echo "fresh-root: cannot install debootstrap" >&2; exit 2; }

	echo "fresh-root: debootstrap --variant=minbase $suite into $R (log: $work/debootstrap.log)"
	t=$SECONDS
	bg debootstrap --variant=minbase "$suite" "$R" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -5 "$work/debootstrap.log" >&2; echo "fresh-root: debootstrap failed" >&2; exit 2; }
	phase "root built" $t

	# What a fresh installed machine has and debootstrap does not make: this
	# machine's apt sources (updates and security too), DNS, a localhost line.
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources "$R/etc/apt/sources.list.d/"
		rm -f "$R/etc/apt/sources.list"
	fi
	cp -L /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null
	[ -s "$R/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"

	git clone -q --no-checkout "$repo" "$R/src" && git -C "$R/src" checkout -q --detach "$commit" ||
		{ echo "fresh-root: cannot clone $commit" >&2; exit 2; }
	echo "fresh-root: /src is a clean clone at $(git -C "$R/src" log -1 --format='%h %s' | cut -c1-70)"
fi

# Kernel file systems: ps/pgrep need /proc, tmux and ssh need ptys (/dev/pts,
# its own instance: since Linux 4.7 /dev/ptmx opens the pts/ beside it),
# sshd needs /run; shm for POSIX shared memory. /tmp stays the root's own
# directory, on disk as on a fresh Debian 12.
mnt() { mount "$@" && mounted+=("${@: -1}"); }
mnt -t proc -o nosuid,nodev,noexec proc "$R/proc" &&
	mnt -t sysfs -o nosuid,nodev,noexec,ro sys "$R/sys" &&
	mnt -t devtmpfs -o mode=0755,nosuid udev "$R/dev" &&
	mnt -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$R/dev/pts" &&
	mnt -t tmpfs -o mode=1777,nosuid,nodev shm "$R/dev/shm" &&
	mnt -t tmpfs -o mode=0755,nosuid,nodev run "$R/run" ||
	{ echo "fresh-root: mount failed" >&2; exit 2; }
chmod 1777 "$R/tmp"

# A clean environment, as a root login on a fresh machine would have.
in_root=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	HOME=/root USER=root LOGNAME=root TERM=${TERM:-xterm} LANG=C.UTF-8 chroot "$R")
lock=${FC_TEST_LOCK:-/tmp/fc-test.lock}
if [ -n "$rerun" ]; then
	# The variables tests/run.sh exports for every test.
	env="export FIELDCARD_BIN=/src/build/asan/fieldcard FIELDCARD_FORMS=/src/forms \
		FIELDCARD_LOCALEDIR=/src/build/locale LSAN_OPTIONS=suppressions=/src/tests/lsan.supp \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 CMOCKA_MESSAGE_OUTPUT=TAP"
	locked "$work/rerun.log" "${in_root[@]}" bash -c "cd /src && $env && $rerun"
	exit
fi
echo "fresh-root: sh scripts/deps.sh (log: $work/deps.log)"
t=$SECONDS
bg "${in_root[@]}" sh -c 'cd /src && sh scripts/deps.sh' >"$work/deps.log" 2>&1 ||
	{ tail -20 "$work/deps.log" >&2; echo "fresh-root: deps.sh failed" >&2; exit 1; }
phase "deps.sh" $t

echo "fresh-root: $(date +%T) make test, waiting for flock $lock (log: $work/make-test.log)"
t=$SECONDS
locked "$work/make-test.log" "${in_root[@]}" sh -c 'cd /src && make test'
rc=$?
phase "make test (with the wait for the lock)" $t
rm -rf "$work/test-log" && cp -r "$R/src/build/test-log" "$work/test-log" 2>/dev/null
phase "total" $t0
grep -E '^failed: ' "$work/make-test.log"
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/make-test.log" | tail -1 ||
	echo "fresh-root: make test printed no 'N passed, N failed' line (exit $rc)"
[ "$keep" = 1 ] && echo "fresh-root: root kept in $R"
exit "$rc"
