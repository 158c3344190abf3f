# milters.sh - start and stop the milters bench/run measures: the null
# milter, mauthd (through t/lib/mauthd.sh), and the peers from Debian's
# packages (opendkim, opendmarc) with private configs on loopback.  Source
# it after t/lib/common.sh; bash only.
#
#   peer_resolver_start DNS_ADDR DNS_PORT
#	The peers resolve through the C library (opendmarc, libspf2) or read
#	/etc/resolv.conf (opendkim's libunbound), which cannot name a port.
#	As on a real host they get a local caching resolver: an unbound
#	forwarder on port 53 of a loopback address picked at random
#	(127.R.R.R, added to lo if needed), forwarding to the test DNS
#	server; they run in a private mount namespace where /etc/resolv.conf
#	names it.  Sets PEER_NS (the address) and PEER_RESOLV (the file).
#	peer_resolver_restart empties its cache (cold-cache runs).
#
#   milter_start NAME SOCKTYPE
#	Start milter NAME (null, null-partial, mauthd, mauthd-sign-rsa,
#	mauthd-sign-ed, mauthd-sign-dual, opendkim-verify, opendkim-sign,
#	opendmarc) on a fresh socket of SOCKTYPE (inet or unix).  Sets
#	M_PID (the process whose CPU and memory are measured), M_SOCK (the
#	libmilter/milter-load form: inet:PORT@ADDR or local:PATH) and
#	M_PFSOCK (Postfix's form: inet:ADDR:PORT or unix:PATH).  Returns 2
#	when the milter cannot do that job on this build ("n/a"), 1 when it
#	failed to start.
#
#   milter_stop PID
#
# Needs: BENCH_DIR (work dir), BENCH_TOP (source tree), BENCH_BUILD, and
# for the peers and mauthd the keys and zone written by bench/run.

PEER_NS= PEER_RESOLV= peer__pid= peer__dir=
m__running=()	# milters started and not yet stopped (killed at exit)

peer__unbound_conf()
{
	cat <<CF
server:
	interface: $PEER_NS
	port: 53
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$peer__dir"
	pidfile: ""
	do-daemonize: no
	use-syslog: no
	logfile: "$peer__dir/unbound.log"
	num-threads: 1
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
forward-zone:
	name: "."
	forward-addr: $1@$2
remote-control:
	control-enable: no
CF
}

peer_resolver_start()
{
	local try
	peer__dir=$BENCH_DIR/peer-resolver
	mkdir -p "$peer__dir"
	peer__fwd="$1 $2"
	for try in 1 2 3 4 5; do
		PEER_NS=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
		ip addr show dev lo | grep -q "inet $PEER_NS/" ||
		    ip addr add "$PEER_NS/32" dev lo 2>/dev/null
		peer__unbound_conf "$1" "$2" >"$peer__dir/unbound.conf"
		unbound -d -c "$peer__dir/unbound.conf" >"$peer__dir/stderr" 2>&1 &
		peer__pid=$!
		if t_wait_until 5 _peer_answers && kill -0 "$peer__pid" 2>/dev/null; then
			PEER_RESOLV=$peer__dir/resolv.conf
			printf 'nameserver %s\noptions timeout:2 attempts:2\n' \
			    "$PEER_NS" >"$PEER_RESOLV"
			t_cleanup peer_resolver_stop
			return 0
		fi
		peer_resolver_stop
	done
	echo "bench: the peers' resolver did not start" >&2
	cat "$peer__dir/stderr" >&2
	return 1
}

_peer_answers()
{
	dig +time=1 +tries=1 @"$PEER_NS" sender.example SOA 2>/dev/null |
	    grep -q 'status: NOERROR'
}

peer_resolver_stop()
{
	[ -n "$peer__pid" ] || return 0
	kill "$peer__pid" 2>/dev/null
	wait "$peer__pid" 2>/dev/null
	peer__pid=
}

peer_resolver_restart()
{
	local ns=$PEER_NS
	peer_resolver_stop
	unbound -d -c "$peer__dir/unbound.conf" >>"$peer__dir/stderr" 2>&1 &
	peer__pid=$!
	t_wait_until 5 _peer_answers
	PEER_NS=$ns
}

# m__socket TYPE TAG: pick a socket; sets M_SOCK and M_PFSOCK
m__socket()
{
	local port
	if [ "$1" = unix ]; then
		M_SOCK=local:$BENCH_DIR/$2.sock
		M_PFSOCK=unix:$BENCH_DIR/$2.sock
		rm -f "$BENCH_DIR/$2.sock"
	else
		port=$(t_free_port 127.0.0.1)
		M_SOCK=inet:$port@127.0.0.1
		M_PFSOCK=inet:127.0.0.1:$port
	fi
}

# m__wait_up PID: until the socket accepts (10 s) or the process died
m__up()
{
	kill -0 "$M_PID" 2>/dev/null || return 0
	case $M_SOCK in
	inet:*) local hp=${M_SOCK#inet:}; t_listening "${hp#*@}" "${hp%@*}" ;;
	local:*) [ -S "${M_SOCK#local:}" ] ;;
	esac
}
m__wait_up()
{
	t_wait_until 10 m__up
	kill -0 "$M_PID" 2>/dev/null && m__up
}

# In the peers' namespace: /etc/resolv.conf names the caching resolver.
# Run in the background (&): exec keeps the process id $! for measuring.
m__in_ns()
{
	exec unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
	    "$PEER_RESOLV" "$@"
}

m__opendkim_conf()
{
	local mode=$1
	cat <<CF
Syslog no
Background no
UMask 000
Mode $mode
Socket $M_SOCK
AuthservID bench.peer
AlwaysAddARHeader yes
Canonicalization relaxed/relaxed
Nameservers $PEER_NS
On-BadSignature accept
On-NoSignature accept
On-DNSError accept
InternalHosts 192.0.2.0/24
CF
	if [ "$mode" = s ]; then
		echo "Domain sender.example"
		echo "Selector rsa"
		echo "KeyFile $BENCH_DIR/rsa.key"
		# the key sits under /tmp (mode 1777), which OpenDKIM calls unsafe
		echo "RequireSafeKeys false"
	fi
}

m__opendmarc_conf()
{
	cat <<CF
Syslog no
Background no
UMask 000
Socket $M_SOCK
AuthservID bench.peer
TrustedAuthservIDs bench.peer
SPFSelfValidate yes
SPFIgnoreResults yes
RejectFailures false
FailureReports false
HistoryFile $BENCH_DIR/opendmarc.history
CF
}

milters_cleanup()
{
	local p
	for p in "${m__running[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	m__running=()
}

milter_start()
{
	local name=$1 type=$2 log
	if [ -z "${m__cleanup_set:-}" ]; then
		t_cleanup milters_cleanup
		m__cleanup_set=1
	fi
	m__socket "$type" "$name"
	log=$BENCH_DIR/$name.log
	case $name in
	null|null-partial)
		# umask 0: Postfix (user postfix) must be able to connect to a
		# unix socket that root's milter made
		(umask 0; exec "$BENCH_BUILD/bench/null-milter" \
		    $([ $name = null-partial ] && echo -P) -p "$M_SOCK") \
		    >>"$log" 2>&1 &
		M_PID=$! ;;
	opendkim-verify|opendkim-sign)
		command -v opendkim >/dev/null || return 2
		m__opendkim_conf "$([ $name = opendkim-sign ] && echo s || echo v)" \
		    >"$BENCH_DIR/$name.conf"
		m__in_ns opendkim -f -x "$BENCH_DIR/$name.conf" >>"$log" 2>&1 &
		M_PID=$! ;;
	opendmarc)
		command -v opendmarc >/dev/null || return 2
		m__opendmarc_conf >"$BENCH_DIR/$name.conf"
		m__in_ns opendmarc -f -c "$BENCH_DIR/$name.conf" >>"$log" 2>&1 &
		M_PID=$! ;;
	mauthd*)
		mauthd__start "$name" "$type" || return $?
		return 0 ;;
	*)
		echo "bench: unknown milter $name" >&2
		return 1 ;;
	esac
	m__running+=("$M_PID")
	if ! m__wait_up; then
		echo "bench: $name did not start; its log:" >&2
		tail -n 20 "$log" >&2
		milter_stop "$M_PID"
		return 1
	fi
}

milter_stop()
{
	[ -n "${1:-}" ] || return 0
	local keep=() p
	for p in "${m__running[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	m__running=("${keep[@]}")
	kill "$1" 2>/dev/null
	t_wait_until 10 eval "! kill -0 $1 2>/dev/null" || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
