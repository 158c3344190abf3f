#!/bin/bash
# bench-smoke.t - the benchmark tools work: milter-load drives the null
# milter (TCP and unix socket, all callbacks and the partial variant) and,
# when it is built, mauthd; counts and returned header fields are checked,
# bad milter replies give clear errors.  No timing is asserted: figures
# come from bench/run, never from the test suite.

top=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$top}
case $build in /*) ;; *) build=$(cd "$build" && pwd) ;; esac
load=$build/bench/milter-load
null=$build/bench/null-milter
smtpload=$build/bench/smtp-load

n=0 failed=0 pids=() dir=
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
# field KEY LINE: the value of KEY=... in a summary line
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$dir" ] && rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$load" ] || [ ! -x "$null" ] || [ ! -x "$smtpload" ]; then
	echo "1..0 # SKIP bench tools not built (run make)"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/mauth-bench-smoke.XXXXXX")
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_sock SPEC: until something accepts on the milter socket (5 s)
wait_sock() {
	local i
	for i in $(seq 50); do
		case $1 in
		inet:*) (exec 3<>"/dev/tcp/127.0.0.1/${1#inet:}") 2>/dev/null && return 0 ;;
		*) [ -S "$1" ] && return 0 ;;
		esac
		sleep 0.1
	done
	return 1
}
# start_null SOCKET-SPEC OPTIONS...
start_null() {
	local spec=$1
	shift
	"$null" -p "$spec" "$@" 2>>"$dir/null.log" &
	pids+=($!)
	case $spec in
	inet:*) spec=${spec#inet:}; wait_sock "inet:${spec%@*}" ;;
	local:*) wait_sock "${spec#local:}" ;;
	esac
}

port=$(free_port)
start_null "inet:$port@127.0.0.1" -A
ok $? "null milter listens on TCP"
sock=$dir/null.sock
start_null "local:$sock" -A -P
ok $? "partial null milter listens on a unix socket"

for spec in "inet:$port@127.0.0.1" "local:$sock"; do
	out=$("$load" -s "$spec" -c 2 -n 7 -m 3 -S mix -H 2>"$dir/err")
	rc=$?
	sum=$(printf '%s\n' "$out" | grep '^msgs=')
	ok $rc "milter-load against $spec exits 0"
	[ "$(field accept "$sum")" = 7 ] && [ "$(field done "$sum")" = 7 ] &&
	    [ "$(field errors "$sum")" = 0 ]
	ok $? "  7 messages, 7 accepted, no errors ($sum)"
	hdrs=$(printf '%s\n' "$out" | grep -c '^header [0-9]* add X-Null-Milter: seen$')
	[ "$hdrs" = 7 ]
	ok $? "  the added header came back for each message ($hdrs)"
	msgnos=$(printf '%s\n' "$out" | awk '/^header/ { print $2 }' | sort -n | tr '\n' ' ')
	[ "$msgnos" = "0 1 2 3 4 5 6 " ]
	ok $? "  once per message number ($msgnos)"
done

# A message from a file: its header fields reach the milter (the null milter
# only counts, so check that a big one with a long folded header goes through).
{
	printf 'From: a@sender.example\nTo: b@bench.test\nSubject: folded\n'
	printf ' continuation line\nX-Long: %s\n\n' "$(head -c 3000 /dev/zero | tr '\0' x)"
	for i in $(seq 3000); do echo ".line $i with a leading dot"; done
} >"$dir/msg.eml"
sum=$("$load" -s "local:$sock" -f "$dir/msg.eml" -n 3 -m 3 2>"$dir/err")
ok $? "a 100 KB message from a file (two body chunks) is accepted: $sum"

# Bad replies: an error message naming the fault, exit status 1, no crash.
badtest() {
	local mode=$1 want=$2 bsock=$dir/bad-$1.sock out rc
	/usr/bin/python3 "$top/bench/lib/bad-milter.py" "$bsock" "$mode" &
	pids+=($!)
	wait_sock "$bsock"
	out=$("$load" -s "local:$bsock" -n 2 -m 1 -t 5 2>&1)
	rc=$?
	[ $rc = 1 ] && printf '%s\n' "$out" | grep -q -- "$want" &&
	    [ "$(field errors "$(printf '%s\n' "$out" | grep '^msgs=')")" -ge 1 ]
	ok $? "bad milter ($mode): exit 1 and \"$want\" (got rc $rc: $(printf '%s' "$out" | head -n 1))"
}
badtest badlen "bad reply length"
badtest shortopt "bad OPTNEG reply"
badtest unknown "unknown reply command 0x5a to MAIL"
badtest close "connection closed while reading the reply to BODYEOB"
badtest badcode "malformed reply code"

# Nothing listens: a clear error too.
out=$("$load" -s "local:$dir/nothing.sock" -n 1 2>&1)
rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "connect to local:$dir/nothing.sock"
ok $? "no milter: exit 1 with the connect error"

# mauthd, when it is a milter already (filter/main.c calls smfi_main).
if grep -q smfi_main "$top/filter/main.c" 2>/dev/null &&
    [ -r "$top/t/lib/mauthd.sh" ] && [ -r "$top/t/lib/dns-server.sh" ]; then
	. "$top/t/lib/dns-server.sh"
	trap 'cleanup; dns_cleanup' EXIT
	cat >"$dir/sender.example.zone" <<ZONE
\$ORIGIN sender.example.
@ 300 IN SOA ns.sender.example. hostmaster.sender.example. 1 3600 600 86400 300
@ 300 IN NS ns.sender.example.
@ 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc 300 IN TXT "v=DMARC1; p=none"
ZONE
	dns_server_start "$dir/sender.example.zone"
	ok $? "test DNS server started"
	. "$top/t/lib/mauthd.sh"
	# common.sh (sourced by mauthd.sh) owns the EXIT trap now: hand it our
	# clean-ups, or the milters above outlive the test and hold its
	# standard output open (prove and make check then wait forever)
	t_cleanup cleanup
	t_cleanup dns_cleanup
	MAUTHD=$build/filter/mauthd MAUTHD_AUTHSERV_ID=bench.smoke.test \
	    mauthd_start "$DNS_ADDR@$DNS_PORT"
	ok $? "mauthd started"
	out=$("$load" -s "inet:$MAUTHD_PORT@127.0.0.1" -a 192.0.2.10 -c 2 -n 6 -m 3 \
	    -F sender@sender.example -H 2>"$dir/err")
	ok $? "milter-load against mauthd exits 0"
	sum=$(printf '%s\n' "$out" | grep '^msgs=')
	[ "$(field accept "$sum")" = 6 ] && [ "$(field errors "$sum")" = 0 ]
	ok $? "  6 messages accepted ($sum)"
	# the value keeps its leading space (SMFIP_HDR_LEADSPC negotiated)
	ar=$(printf '%s\n' "$out" | grep -c '^header [0-9]* [a-z]* Authentication-Results: *bench.smoke.test')
	[ "$ar" = 6 ]
	ok $? "  an Authentication-Results header for each message ($ar)"
	mauthd_stop
else
	echo "# mauthd is not a milter yet (or t/lib/mauthd.sh, t/lib/dns-server.sh missing): skipped"
fi

echo "1..$n"
[ $failed = 0 ]
