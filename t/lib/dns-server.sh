# dns-server.sh - a real DNS server on loopback for mauth's tests
#
# Source this file from a POSIX sh test script:
#
#	. "${srcdir:-.}/t/lib/dns-server.sh"
#	dns_server_start "$srcdir"/t/data/zones/*.zone || exit 1
#	... ask 127.0.0.1 port $DNS_PORT (libunbound: "$DNS_ADDR@$DNS_PORT") ...
#
# Functions
#
#   dns_server_start ZONEFILE...
#	Starts unbound (foreground, in the background of this shell) on
#	127.0.0.1 and a free port picked at run time, serving each RFC 1035
#	zone file authoritatively (auth-zone, for-downstream) and refusing
#	everything else: it never recurses, so no query leaves the machine.
#	Each file needs an SOA.  The zone's name is the argument's "NAME="
#	prefix if given (example.org=path/file), else the file's first
#	$ORIGIN, else the file name without ".zone".  Returns once every zone
#	answers its SOA with AA set; returns 1 (log on stderr) if unbound
#	cannot start or a zone does not load.  Sets and exports:
#	    DNS_ADDR	127.0.0.1
#	    DNS_PORT	the port
#	    DNS_LOG	unbound's log; every query is logged on one line
#			"... info: 127.0.0.1 NAME. TYPE IN"
#	    DNS_DIR	the server's private directory (config, pidfile, log)
#	    DNS_PID	unbound's process id (a test may SIGTERM it to see a
#			server go away; dns_server_stop still reaps it)
#	One server per shell; start again after dns_server_stop.
#
#   dns_server_stop
#	Stops the server (waits for it) and removes its directory.  DNS_PORT
#	stays set, so a test can ask a port where nothing listens any more.
#
#   dns_server_queries NAME [TYPE]
#	Prints how many queries for NAME (any case, with or without the
#	trailing dot) and TYPE (default: any) reached the server so far.
#	dns_server_start's own readiness probes (the SOA of each zone, once
#	or more) are among them.
#
#   dns_blackhole_start
#	Starts a "black hole": UDP and TCP sockets on 127.0.0.1 and one free
#	port that take every query and never answer (TCP connections are
#	accepted and held open).  Sets and exports BLACKHOLE_ADDR and
#	BLACKHOLE_PORT.  Uses /usr/bin/python3.
#
#   dns_blackhole_stop
#	Stops it.
#
#   dns_free_port
#	Prints a port that was free on 127.0.0.1 (TCP and UDP) a moment ago.
#
# The functions work in scripts running under "set -eu"; their variables
# all start with dns__ (or are the exported ones above).
#
# Clean-up: sourcing this file sets an EXIT trap (and INT/TERM/HUP traps
# that exit) which stops whatever was started.  A script that needs its own
# EXIT trap must call dns_cleanup from it.
#
# Needs: unbound (the Debian package "unbound"), /usr/bin/python3.

DNS_ADDR=127.0.0.1
DNS_PORT=
DNS_LOG=
DNS_DIR=
DNS_PID=
BLACKHOLE_ADDR=127.0.0.1
BLACKHOLE_PORT=
dns__pid=
dns__bh_pid=
dns__bh_dir=
dns__python=/usr/bin/python3
dns__unbound=$(command -v unbound || echo /usr/sbin/unbound)

dns_free_port() {
	"$dns__python" -c '
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", 0))
        u.bind(("127.0.0.1", t.getsockname()[1]))
    except OSError:
        continue
    print(t.getsockname()[1])
    break
'
}

# dns__query ADDR PORT NAME TYPE: prints "RCODE AA ANCOUNT" or "none"
dns__query() {
	"$dns__python" - "$@" <<'EOF'
import socket, struct, sys, random
addr, port, name, qtype = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
types = {"A": 1, "NS": 2, "SOA": 6, "TXT": 16}
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
for label in name.rstrip(".").split("."):
    if label:
        q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", types[qtype], 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
try:
    s.sendto(q, (addr, port))
    r, _ = s.recvfrom(65535)
    i, flags, _, an = struct.unpack(">HHHH", r[:8])
    print(flags & 15, 1 if flags & 0x400 else 0, an if i == qid else "none")
except OSError:
    print("none")
EOF
}

# dns__zone_name ARG: the zone a dns_server_start argument stands for
dns__zone_name() {
	case $1 in
	*=*)	echo "${1%%=*}"; return ;;
	esac
	dns__o=$(sed -n 's/^\$ORIGIN[[:space:]]\{1,\}\([^[:space:];]\{1,\}\).*/\1/p' "$1" | head -n 1)
	if [ -z "$dns__o" ]; then
		dns__o=$(basename "$1" .zone)
	fi
	echo "${dns__o%.}"
}

# dns__abs PATH: PATH made absolute
dns__abs() {
	(cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")")
}

dns__config() {
	cat <<EOF
server:
	interface: $DNS_ADDR
	port: $1
	do-ip4: yes
	do-ip6: no
	do-udp: yes
	do-tcp: yes
	num-threads: 1
	so-reuseport: no
	username: ""
	chroot: ""
	directory: "$DNS_DIR"
	pidfile: "$DNS_DIR/unbound.pid"
	do-daemonize: no
	use-syslog: no
	logfile: "$DNS_LOG"
	verbosity: 1
	log-queries: yes
	module-config: "iterator"
	access-control: 127.0.0.0/8 allow
	# Nothing is ever recursed: names outside the test zones are refused.
	local-zone: "." refuse
EOF
	for dns__a in $dns__args; do
		dns__z=$(dns__zone_name "$dns__a")
		printf '\tlocal-zone: "%s." transparent\n' "$dns__z"
	done
	for dns__a in $dns__args; do
		dns__z=$(dns__zone_name "$dns__a")
		dns__f=$(dns__abs "${dns__a#*=}")
		cat <<EOF
auth-zone:
	name: "$dns__z."
	zonefile: "$dns__f"
	for-downstream: yes
	for-upstream: no
	fallback-enabled: no
EOF
	done
	cat <<EOF
remote-control:
	control-enable: no
EOF
}

# dns__wait_ready: 0 when every zone answers, 1 if unbound died, 2 if not
# ready in time
dns__wait_ready() {
	dns__t=0
	while [ $dns__t -lt 100 ]; do
		if ! kill -0 "$dns__pid" 2>/dev/null; then
			return 1
		fi
		dns__r=yes
		for dns__a in $dns__args; do
			dns__z=$(dns__zone_name "$dns__a")
			# NOERROR, AA and one SOA record
			case $(dns__query "$DNS_ADDR" "$DNS_PORT" "$dns__z" SOA) in
			"0 1 1") ;;
			*)	dns__r=no
				break ;;
			esac
		done
		[ $dns__r = yes ] && return 0
		dns__t=$((dns__t + 1))
		sleep 0.1
	done
	return 2
}

dns_server_start() {
	if [ -n "$dns__pid" ]; then
		echo "dns_server_start: a server is already running" >&2
		return 1
	fi
	if [ $# -eq 0 ]; then
		echo "dns_server_start: no zone files" >&2
		return 1
	fi
	for dns__a in "$@"; do
		if [ ! -r "${dns__a#*=}" ]; then
			echo "dns_server_start: cannot read ${dns__a#*=}" >&2
			return 1
		fi
		case $dns__a in
		*[[:space:]]*)
			echo "dns_server_start: no white space in paths: $dns__a" >&2
			return 1 ;;
		esac
	done
	dns__args="$*"
	DNS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mauth-dns.XXXXXX") || return 1
	DNS_LOG="$DNS_DIR/unbound.log"
	dns__n=0
	while [ $dns__n -lt 5 ]; do
		dns__n=$((dns__n + 1))
		DNS_PORT=$(dns_free_port)
		dns__config "$DNS_PORT" >"$DNS_DIR/unbound.conf"
		: >"$DNS_LOG"
		"$dns__unbound" -d -c "$DNS_DIR/unbound.conf" >"$DNS_DIR/stderr" 2>&1 &
		dns__pid=$!
		dns__rc=0
		dns__wait_ready || dns__rc=$?
		case $dns__rc in
		0)	DNS_PID=$dns__pid
			export DNS_ADDR DNS_PORT DNS_LOG DNS_DIR DNS_PID
			return 0 ;;
		1)	wait "$dns__pid" 2>/dev/null || true
			dns__pid=
			# Lost a race for the port: try another one.
			grep -q -i "bind\|address already in use" \
			    "$DNS_LOG" "$DNS_DIR/stderr" && continue
			break ;;
		*)	break ;;
		esac
	done
	echo "dns_server_start: unbound did not come up; its log:" >&2
	cat "$DNS_DIR/stderr" "$DNS_LOG" >&2
	dns_server_stop
	return 1
}

dns_server_stop() {
	if [ -n "$dns__pid" ]; then
		kill "$dns__pid" 2>/dev/null || true
		wait "$dns__pid" 2>/dev/null || true
		dns__pid=
		DNS_PID=
	fi
	if [ -n "$DNS_DIR" ]; then
		rm -rf "$DNS_DIR"
		DNS_DIR=
	fi
}

dns_server_queries() {
	dns__q=${1%.}
	dns__p="info: [0-9a-f.:]* $dns__q\. ${2:-[A-Z0-9]*} IN\$"
	grep -c -i -e "$dns__p" "$DNS_LOG" 2>/dev/null || true
}

dns_blackhole_start() {
	if [ -n "$dns__bh_pid" ]; then
		echo "dns_blackhole_start: already running" >&2
		return 1
	fi
	dns__bh_dir=$(mktemp -d "${TMPDIR:-/tmp}/mauth-bh.XXXXXX") || return 1
	"$dns__python" - "$dns__bh_dir/port" <<'EOF' &
import os, select, socket, sys
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", 0))
        u.bind(("127.0.0.1", t.getsockname()[1]))
        break
    except OSError:
        t.close()
        u.close()
t.listen(64)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % t.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    ready, _, _ = select.select([t, u] + held, [], [])
    for s in ready:
        if s is t:
            held.append(t.accept()[0])
        elif s is u:
            u.recvfrom(65535)
        elif not s.recv(65535):
            held.remove(s)
            s.close()
EOF
	dns__bh_pid=$!
	dns__t=0
	while [ ! -s "$dns__bh_dir/port" ] && [ $dns__t -lt 100 ]; do
		if ! kill -0 "$dns__bh_pid" 2>/dev/null; then
			break
		fi
		dns__t=$((dns__t + 1))
		sleep 0.05
	done
	if [ ! -s "$dns__bh_dir/port" ]; then
		echo "dns_blackhole_start: did not start" >&2
		dns_blackhole_stop
		return 1
	fi
	BLACKHOLE_PORT=$(cat "$dns__bh_dir/port")
	export BLACKHOLE_ADDR BLACKHOLE_PORT
}

dns_blackhole_stop() {
	if [ -n "$dns__bh_pid" ]; then
		kill "$dns__bh_pid" 2>/dev/null || true
		wait "$dns__bh_pid" 2>/dev/null || true
		dns__bh_pid=
	fi
	if [ -n "$dns__bh_dir" ]; then
		rm -rf "$dns__bh_dir"
		dns__bh_dir=
	fi
}

dns_cleanup() {
	dns_server_stop
	dns_blackhole_stop
}

trap dns_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
