#!/bin/sh
# mauthd-metrics.t - MetricsSocket: a Prometheus scrape over HTTP counts
# exactly what went through (messages by class, SPF verdicts, actions,
# connections, DNS queries and timeouts, latency histograms per phase),
# DNS counters never go down across a reload that replaces the resolver,
# reloads are counted, and the page is valid text format 0.0.4 (checked by
# t/lib/scrape.py, and by Debian's python3-prometheus-client parser when
# it is installed).  Only 404/405 for other paths and methods.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
TALK="$PY $srcdir/t/lib/miltertalk.py"
SCRAPE="$PY $srcdir/t/lib/scrape.py"

start_test_dns 'pass.example. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"' \
    'fail.example. 300 IN TXT "v=spf1 -all"'

port=$(free_port)
mport=$(free_port)
S=inet:$port@$addr
URL=http://$addr:$mport/metrics
cat >"$tmp/mauthd.conf" <<CONF
Socket $S
MetricsSocket inet:$mport@$addr
AuthservID mx.test.example
Nameservers $addr@$dnsport
DNSTimeout 2s
Syslog no
ReportStore sqlite:$tmp/reports.db
ReportSpool $tmp/spool
CONF
start_mauthd "$tmp/mauthd.conf"
wait_for listening "$mport"
ok $? "MetricsSocket inet:$mport@$addr listens"

# scrape NAME: the samples in $tmp/NAME.prom; metric SERIES: one value
scrape() {
	$SCRAPE "$URL" >"$tmp/$1.prom" 2>&1
	scrape_rc=$?
	prom=$tmp/$1.prom
}
metric() {
	grep -F -- "$1 " "$prom" | grep -v '^#' | awk -v s="$1" '$1 == s { print $2 }'
}

scrape start
is "$scrape_rc" 0 "a scrape before any mail: valid text format ($(grep '^parser:' "$prom"))"
[ "$scrape_rc" -eq 0 ] || sed 's/^/#   /' "$prom"
is "$(metric 'mauth_messages_total{class="inbound"}')" 0 "  no inbound message yet"
is "$(metric 'mauth_config_generation')" 1 "  configuration generation 1"
like "$(cat "$prom")" 'mauth_build_info{version="' "  build info with the version"

# ---------------------------------------------------------------- mail
for i in 1 2 3; do
	$TALK "$S" --qid 4PASS$i --from '<user@pass.example>' >/dev/null 2>&1
done
for i in 1 2; do
	$TALK "$S" --qid 4FAIL$i --from '<user@fail.example>' >/dev/null 2>&1
done
$TALK "$S" --qid 4INT --client 127.0.0.1 --from '<user@fail.example>' >/dev/null 2>&1

scrape mail
is "$scrape_rc" 0 "after 6 messages: valid"
is "$(metric 'mauth_messages_total{class="inbound"}')" 5 "  5 inbound messages"
is "$(metric 'mauth_messages_total{class="internal"}')" 1 "  1 internal"
is "$(metric 'mauth_verdicts_total{method="spf",result="pass"}')" 3 "  spf pass 3"
is "$(metric 'mauth_verdicts_total{method="spf",result="fail"}')" 2 "  spf fail 2"
is "$(metric 'mauth_verdicts_total{method="spf",result="temperror"}')" 0 "  spf temperror 0"
is "$(metric 'mauth_actions_total{action="accept"}')" 6 "  6 accepted"
is "$(metric 'mauth_actions_total{action="reject"}')" 0 "  0 rejected"
is "$(metric 'mauth_connections_total')" 6 "  6 connections"
is "$(metric 'mauth_connections_open')" 0 "  none open"
is "$(metric 'mauth_dns_queries_total')" 5 "  5 DNS queries (one SPF record each)"
is "$(metric 'mauth_dns_cache_hits_total')" 3 "  3 of them from the cache (pass.example and fail.example asked once each)"
is "$(metric 'mauth_dns_timeouts_total')" 0 "  no DNS timeout"
is "$(metric 'mauth_dns_resolvers')" 1 "  one resolver"
is "$(metric 'mauth_phase_duration_seconds_count{phase="spf"}')" 5 "  SPF phase: 5 timings"
is "$(metric 'mauth_phase_duration_seconds_count{phase="eom"}')" 5 "  eom phase: 5 timings"
is "$(metric 'mauth_phase_duration_seconds_count{phase="connect_to_eom"}')" 6 \
    "  connect-to-eom phase: 6 timings"
is "$(metric 'mauth_phase_duration_seconds_bucket{le="+Inf",phase="spf"}')" 5 \
    "  the +Inf bucket holds them all"
sum=$(metric 'mauth_phase_duration_seconds_sum{phase="spf"}')
awk -v s="$sum" 'BEGIN { exit !(s > 0 && s < 10) }'
ok $? "  and their sum is plausible ($sum s)"

# ---------------------------------------------------------------- reload
# a session of configuration 1 holds its resolver while a reload brings a
# new one (a resolver that never answers)
$TALK "$S" --qid 4HELD --from '<user@pass.example>' --hold-until "$tmp/go" \
    >"$tmp/held.out" 2>&1 &
held=$!
started_pids="$started_pids $held"
wait_for grep -qsx hold "$tmp/held.out"
dead=$(free_port udp)
sed -i -e "s|^Nameservers .*|Nameservers $addr@$dead|" -e "s|^DNSTimeout .*|DNSTimeout 300ms|" \
    "$tmp/mauthd.conf"
kill -HUP "$mauthd_pid"
wait_for grep -q "configuration 2 in force" "$tmp/mauthd.err"
$TALK "$S" --qid 4TIMEOUT --from '<user@pass.example>' >"$tmp/timeout.out" 2>&1
like "$(cat "$tmp/timeout.out")" "spf=temperror" "a reload to a resolver that never answers: temperror"

scrape reload
is "$(metric 'mauth_config_generation')" 2 "  generation 2"
is "$(metric 'mauth_config_reloads_total{result="ok"}')" 1 "  1 reload counted"
is "$(metric 'mauth_dns_resolvers')" 2 "  2 resolvers while the held session keeps the old one"
is "$(metric 'mauth_dns_timeouts_total')" 1 "  1 DNS timeout"
is "$(metric 'mauth_dns_queries_total')" 6 "  6 DNS queries (old and new resolver)"
is "$(metric 'mauth_verdicts_total{method="spf",result="temperror"}')" 1 "  spf temperror 1"
is "$(metric 'mauth_connections_open')" 1 "  1 connection open (the held one)"

touch "$tmp/go"
wait "$held"
like "$(cat "$tmp/held.out")" "spf=pass" "the held session still resolves with its old resolver"
wait_for sh -c "$SCRAPE $URL 2>/dev/null | grep -x 'mauth_dns_resolvers 1' >/dev/null"
ok $? "  once it closes, one resolver is left"
scrape after
is "$(metric 'mauth_dns_queries_total')" 7 "  the retired resolver's queries still count (7)"
is "$(metric 'mauth_dns_cache_hits_total')" 4 "  and its cache hits (4: the held session's pass.example was cached)"
is "$(metric 'mauth_messages_total{class="inbound"}')" 7 "  7 inbound messages"

printf 'DNSTimeout 10h\n' >>"$tmp/mauthd.conf"
kill -HUP "$mauthd_pid"
wait_for grep -q "reload failed" "$tmp/mauthd.err"
scrape failed
is "$(metric 'mauth_config_reloads_total{result="failed"}')" 1 "a failed reload is counted"
is "$(metric 'mauth_config_generation')" 2 "  generation stays 2"
is "$scrape_rc" 0 "  the page is still valid"

# ---------------------------------------------------------------- HTTP
raw=$($SCRAPE --raw "$URL")
like "$raw" "200 OK" "GET /metrics: 200"
like "$raw" "text/plain; version=0.0.4" "  Content-Type text/plain; version=0.0.4"
is "$($SCRAPE --method HEAD "$URL")" "200 OK 0" "HEAD /metrics: 200, no body"
is "$($SCRAPE --method GET "http://$addr:$mport/nope")" "404 Not Found 24" "another path: 404"
is "$($SCRAPE --method POST "$URL")" "405 Method Not Allowed 9" "POST: 405"
printf 'garbage\r\n\r\n' | $PY -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(100).decode().splitlines()[0])' "$addr" "$mport" >"$tmp/bad.out" 2>&1
is "$(cat "$tmp/bad.out")" "HTTP/1.1 400 Bad Request" "not HTTP: 400"

# a MetricsSocket that cannot be opened stops the start, saying why
port2=$(free_port)
sed -e "s|^Socket .*|Socket inet:$port2@$addr|" "$tmp/mauthd.conf" | grep -v 10h >"$tmp/busy.conf"
"$MAUTHD" -f -c "$tmp/busy.conf" 2>"$tmp/busy.err"
is "$?" 69 "a MetricsSocket in use: mauthd exits 69"
like "$(cat "$tmp/busy.err")" "cannot listen on MetricsSocket inet:$mport@$addr: Address already in use" \
    "  and says why"
printf 'MetricsSocket local:/tmp/m.sock\n' >"$tmp/local.conf"
"$MAUTHD" -n -c "$tmp/local.conf" >/dev/null 2>"$tmp/local.err"
like "$(cat "$tmp/local.err")" 'MetricsSocket: bad value "local:/tmp/m.sock": expected inet:PORT@ADDR' \
    "MetricsSocket local: is refused (Prometheus scrapes over TCP)"

stop "$mauthd_pid"
is "$stop_rc" 0 "mauthd stops cleanly"
[ "$tap_failed" -eq 0 ] || tail -20 "$tmp/mauthd.err" | sed 's/^/# mauthd: /'
done_testing
