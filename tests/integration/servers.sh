# servers.sh — real git servers on loopback for the sync tests, started and
# stopped by the test itself on free ports, everything under $T. Source it
# after tests/lib.sh. Provides:
#
#   srv_helpers                 build tests/netproxy.c and tests/xfer_tool.c
#                               into $T/bin ($NETPROXY, $XFER)
#   srv_git_daemon ROOT         git daemon (receive-pack on)  -> $GITD_PORT
#   srv_sshd                    sshd, own host key, key auth  -> $SSHD_PORT,
#                               $SSHD_KNOWN (known_hosts line), srv_sshd_allow PUBFILE
#   srv_http ROOT [tls]         lighttpd + git http-backend   -> $HTTP_PORT
#                               (tls: self-signed for "localhost", CA in $HTTP_CA)
#   srv_proxy TARGET_PORT OPTS  netproxy in front of a port   -> $PROXY_PORT
#   srv_stop NAME               stop one (gitd, sshd, http, proxy)
# Every server is stopped when the test exits.
SRV_DIR=$T/servers
mkdir -p "$SRV_DIR"
declare -A _srv_pid

# A TCP port nobody listens on (checked against ss; the race with other
# tests is narrow and the start functions wait for their own port).
srv_free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# Wait until something listens on port $1 (up to 10 s).
srv_wait_port() {
	local i
	for i in $(seq 100); do
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	echo "# nothing listens on port $1" >&2
	return 1
}

# Start "$@" in its own process group, remembered under name $1. One
# already running under that name is stopped first: forgetting its pid
# would leave it running after the test (transport.sh starts gitd twice).
_srv_spawn() {
	local name=$1; shift
	srv_stop "$name"
	setsid "$@" >"$SRV_DIR/$name.log" 2>&1 &
	_srv_pid[$name]=$!
}

srv_stop() {
	local pid=${_srv_pid[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM -- "-$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "_srv_pid[$1]"
	return 0
}

# Kill a server at once, all its processes (a server dying mid-transfer).
srv_kill() {
	local pid=${_srv_pid[$1]:-}
	[ -n "$pid" ] || return 0
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "_srv_pid[$1]"
	return 0
}

_srv_stop_all() {
	local n
	for n in "${!_srv_pid[@]}"; do srv_stop "$n"; done
}
on_exit _srv_stop_all

srv_helpers() {
	local root=${SRV_ROOT:-$(pwd)} flags
	mkdir -p "$T/bin"
	flags="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -I$root/include"
	cc $flags -o "$T/bin/netproxy" "$root/tests/netproxy.c" || return 1
	# xfer_tool links only what transport.c needs, so it builds even while
	# other modules are still missing.
	cc ${flags/-Werror/} -fsanitize=address,undefined -o "$T/bin/xfer_tool" "$root/tests/xfer_tool.c" \
		"$root/sync/ledger/transport.c" "$root/sync/ledger/ledger_lock.c" "$root/app/core/buf.c" "$root/app/core/util.c" "$root/app/core/err.c" \
		$(pkg-config --cflags --libs libgit2 libsodium) || return 1
	NETPROXY=$T/bin/netproxy
	XFER=$T/bin/xfer_tool
}

srv_git_daemon() {
	GITD_PORT=$(srv_free_port)
	_srv_spawn gitd git daemon --reuseaddr --listen=127.0.0.1 --port="$GITD_PORT" \
		--base-path="$1" --export-all --enable=receive-pack --informative-errors "$1"
	srv_wait_port "$GITD_PORT"
}

srv_sshd() {
	local d=$SRV_DIR/sshd
	mkdir -p "$d" /run/sshd
	chmod 0755 /run/sshd
	[ -f "$d/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C county-host -f "$d/host_ed25519"
	: >>"$d/authorized_keys"
	SSHD_PORT=$(srv_free_port)
	cat >"$d/sshd_config" <<-EOF
	Port $SSHD_PORT
	ListenAddress 127.0.0.1
	HostKey $d/host_ed25519
	PidFile $d/sshd.pid
	AuthorizedKeysFile $d/authorized_keys
	AuthenticationMethods publickey
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	StrictModes no
	UsePAM no
	LogLevel VERBOSE
	EOF
	_srv_spawn sshd /usr/sbin/sshd -D -e -f "$d/sshd_config"
	srv_wait_port "$SSHD_PORT" || return 1
	SSHD_USER=$(id -un)
	SSHD_KNOWN="[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$d/host_ed25519.pub")"
}

# Let the holder of this public key in.
srv_sshd_allow() { cat "$1" >>"$SRV_DIR/sshd/authorized_keys"; }

srv_http() {
	local root=$1 tls=${2:-} d=$SRV_DIR/http ssl=""
	mkdir -p "$d"
	HTTP_PORT=$(srv_free_port)
	if [ "$tls" = tls ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
			-addext subjectAltName=DNS:localhost -keyout "$d/key.pem" -out "$d/cert.pem" \
			>/dev/null 2>&1 || openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
			-addext subjectAltName=DNS:localhost -keyout "$d/key.pem" -out "$d/cert.pem" >/dev/null 2>&1
		HTTP_CA=$d/cert.pem
		ssl="\"mod_openssl\","
	fi
	cat >"$d/lighttpd.conf" <<-EOF
	server.modules = ( $ssl "mod_alias", "mod_cgi", "mod_setenv" )
	server.document-root = "$root"
	server.bind = "127.0.0.1"
	server.port = $HTTP_PORT
	server.errorlog = "$d/error.log"
	alias.url = ( "/git" => "/usr/lib/git-core/git-http-backend" )
	\$HTTP["url"] =~ "^/git" {
		cgi.assign = ( "" => "" )
		setenv.add-environment = ( "GIT_PROJECT_ROOT" => "$root", "GIT_HTTP_EXPORT_ALL" => "1" )
	}
	EOF
	if [ "$tls" = tls ]; then
		cat >>"$d/lighttpd.conf" <<-EOF
		ssl.engine = "enable"
		ssl.pemfile = "$d/cert.pem"
		ssl.privkey = "$d/key.pem"
		EOF
	fi
	_srv_spawn http /usr/sbin/lighttpd -D -f "$d/lighttpd.conf"
	srv_wait_port "$HTTP_PORT"
}

# srv_proxy TARGET_PORT [netproxy options...]
srv_proxy() {
	local target=$1; shift
	rm -f "$SRV_DIR/proxy.port"
	_srv_spawn proxy "$NETPROXY" -l 0 -t "$target" -f "$SRV_DIR/proxy.port" "$@"
	for _ in $(seq 100); do [ -s "$SRV_DIR/proxy.port" ] && break; sleep 0.1; done
	PROXY_PORT=$(cat "$SRV_DIR/proxy.port")
	srv_wait_port "$PROXY_PORT"
}
