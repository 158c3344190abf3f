# daemon.sh - start and stop mauthd (and friends) in shell tests (source it
# after tap.sh).  Every test gets its own temp dir, its own loopback address
# and free ports, and an EXIT trap that kills what it started.
MAUTHD=${top_builddir:-.}/filter/mauthd
PY=/usr/bin/python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauthd-test.XXXXXX") || exit 1
chmod 755 "$tmp"		# daemons that drop to nobody must reach it
started_pids=
cleanup() {
	for p in $started_pids; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $started_pids; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# a loopback address of our own: 127.A.B.C, never 127.0.0.1
addr=127.$((($$ >> 8) % 250 + 2)).$(($$ % 250 + 2)).$(( $(od -An -N1 -tu1 /dev/urandom) % 250 + 2))

# free_port [tcp|udp]: a port nobody listens on at $addr right now
free_port() {
	$PY - "$addr" "${1:-tcp}" <<'PYEOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[2] == 'udp' else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])
PYEOF
}

# listening PORT: is something accepting TCP connections on $addr:PORT?
listening() {
	$PY - "$addr" "$1" <<'PYEOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)
PYEOF
}

# wait_for COMMAND...: retry for up to 10 s
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# start_mauthd CONF [ARGS...]: mauthd -f in the background; sets mauthd_pid,
# stderr in $tmp/mauthd.err
start_mauthd() {
	conf=$1
	shift
	"$MAUTHD" -f -c "$conf" "$@" 2>"$tmp/mauthd.err" &
	mauthd_pid=$!
	started_pids="$started_pids $mauthd_pid"
}

# stop PID: SIGTERM (or $2), then the exit status of PID in $stop_rc
stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null
	wait "$1"
	stop_rc=$?
}

# alive PID: is the process still there (and not a zombie)?
alive() {
	[ -e "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"
}

# start_test_dns RECORD...: a real unbound on $addr and a free UDP port
# that answers only the given records (local-data lines such as
# 'pass.example. 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"') and refuses to
# recurse (local-zone "." static: nothing leaves the machine).  Sets
# dnsport; its log is $tmp/unbound.log.  Skips the whole test when
# unbound is missing or does not start.
start_test_dns() {
	UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
	[ -x "$UNBOUND" ] || skip_all "unbound not installed"
	dnsport=$(free_port udp)
	{
		cat <<CONF
server:
	interface: $addr
	port: $dnsport
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: "$tmp/unbound.pid"
	use-syslog: no
	logfile: "$tmp/unbound.log"
	verbosity: 1
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "." static
CONF
		for rr in "$@"; do
			printf "\tlocal-data: '%s'\n" "$rr"
		done
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} >"$tmp/unbound.conf"
	"$UNBOUND" -d -c "$tmp/unbound.conf" 2>"$tmp/unbound.err" &
	started_pids="$started_pids $!"
	wait_for grep -qs "start of service" "$tmp/unbound.log" ||
	    skip_all "unbound did not start: $(cat "$tmp/unbound.err" "$tmp/unbound.log")"
}
