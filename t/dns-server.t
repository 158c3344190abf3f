#!/bin/sh
# dns-server.t - t/lib/dns-server.sh itself: the test DNS server other
# tests rely on starts, answers only its zones, counts queries, stops and
# cleans up; the black hole never answers.  Runs under "set -eu" so that
# the library is known to work in strict scripts.
set -eu
srcdir=${srcdir:-.}
. "$srcdir/t/lib/dns-server.sh"
zones=$srcdir/t/data/zones

n=0
failed=0
ok() {	# ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#      got: '$1'"
		echo "#   expected: '$2'"
	fi
}
q() {	# q NAME TYPE: "RCODE AA ANCOUNT" from the test server
	dns__query "$DNS_ADDR" "$DNS_PORT" "$1" "$2"
}

rc=0
dns_server_start "example.org=$zones/example.org.zone" "$zones/example.com.zone" || rc=$?
is "$rc" 0 "dns_server_start with NAME=FILE and \$ORIGIN-named files"
case $DNS_PORT in
''|*[!0-9]*) ok 1 "DNS_PORT is a port number ($DNS_PORT)" ;;
*) ok 0 "DNS_PORT is a port number ($DNS_PORT)" ;;
esac
kill -0 "$DNS_PID" 2>/dev/null && rc=0 || rc=1
ok $rc "DNS_PID $DNS_PID is running"
is "$(q example.org TXT)" "0 1 1" "example.org TXT: NOERROR, authoritative, one record"
is "$(q host.example.com A)" "0 1 2" "host.example.com A: two records"
is "$(q nx.example.com A)" "3 1 0" "nx.example.com: NXDOMAIN"
r=$(q example.net TXT)
is "${r%% *}" 5 "example.net (not served): REFUSED, nothing recursed"
is "$(dns_server_queries example.org TXT)" 1 "dns_server_queries counts one query"
q EXAMPLE.ORG TXT >/dev/null
is "$(dns_server_queries example.org. TXT)" 2 "  two, any case, trailing dot"
soa=$(dns_server_queries example.org SOA)
[ "$soa" -ge 1 ] && rc=0 || rc=1
ok $rc "  SOA queries of the readiness check: $soa"
is "$(dns_server_queries example.org)" $((soa + 2)) "  any type: TXT and SOA"
is "$(dns_server_queries never.example.org)" 0 "  none for a name never asked"
rc=0
dns_server_start "$zones/example.net.zone" 2>/dev/null || rc=$?
is "$rc" 1 "a second dns_server_start in one shell refused"

dir=$DNS_DIR
port=$DNS_PORT
dns_server_stop
is "$(dns__query 127.0.0.1 "$port" example.org TXT)" none "after dns_server_stop nothing answers"
[ ! -d "$dir" ] && rc=0 || rc=1
ok $rc "  and its directory is gone"

rc=0
dns_server_start "$zones/example.net.zone" || rc=$?
is "$rc" 0 "started again in the same shell"
is "$(q example.net TXT)" "0 1 1" "  serves the new zone"
r=$(q example.org TXT)
is "${r%% *}" 5 "  and not the old one: REFUSED"
dns_server_stop

rc=0
out=$( (dns_server_start "$zones/bad/bad-a.zone") 2>&1) || rc=$?
is "$rc" 1 "a zone unbound cannot load: dns_server_start fails"
case $out in
*bad-a.zone*) ok 0 "  and shows unbound's log" ;;
*) ok 1 "  and shows unbound's log"; echo "# $out" ;;
esac

# A script that exits without stopping: the EXIT trap cleans up.
info=$(sh -c '. "$1/t/lib/dns-server.sh"; dns_server_start "$2" >/dev/null &&
    echo "$DNS_PID $DNS_DIR"' sh "$srcdir" "$zones/example.org.zone")
pid=${info%% *}
dir=${info#* }
sleep 0.2
kill -0 "$pid" 2>/dev/null && rc=1 || rc=0
ok $rc "EXIT trap stopped the server of a script that forgot to"
[ -n "$dir" ] && [ ! -d "$dir" ] && rc=0 || rc=1
ok $rc "  and removed its directory"

# Two servers at once (two shells): distinct free ports, both answer.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-dns-server-t.XXXXXX")
for z in example.org example.com; do
	sh -c '. "$1/t/lib/dns-server.sh"; dns_server_start "$2" >/dev/null &&
	    echo "$(dns__query "$DNS_ADDR" "$DNS_PORT" "$3" TXT) $DNS_PORT"' \
	    sh "$srcdir" "$zones/$z.zone" "$z" >"$tmp/$z" &
done
wait
a=$(cat "$tmp/example.org")
b=$(cat "$tmp/example.com")
rm -rf "$tmp"
case "$a/$b" in
"0 1 1 "[0-9]*"/0 1 1 "[0-9]*) rc=0 ;;
*) rc=1 ;;
esac
ok $rc "two servers started at once both answer ($a / $b)"
[ "${a##* }" != "${b##* }" ] && rc=0 || rc=1
ok $rc "  on different ports"

rc=0
dns_blackhole_start || rc=$?
is "$rc" 0 "dns_blackhole_start"
is "$(dns__query "$BLACKHOLE_ADDR" "$BLACKHOLE_PORT" example.org TXT)" none \
    "  UDP query: no answer"
tcp=$("$dns__python" - "$BLACKHOLE_PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"\0\x11" + bytes(17))
s.settimeout(0.5)
try:
    print("answered" if s.recv(100) else "closed")
except socket.timeout:
    print("silent")
EOF
)
is "$tcp" silent "  TCP: connection accepted and held, no answer"
dns_blackhole_stop
is "$(dns__query 127.0.0.1 "$BLACKHOLE_PORT" example.org TXT)" none "dns_blackhole_stop"

echo "1..$n"
[ $failed -eq 0 ]
