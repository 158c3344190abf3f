#!/bin/sh
# mauthd-milter.t - mauthd over the milter protocol, with a real unbound on
# loopback answering SPF records: negotiation asks to skip no stage and for
# header values with their leading space; inbound mail gets our
# Authentication-Results at the top and loses forged ones; internal and
# local clients are left alone; a DNS failure with On-TempError tempfail
# answers 451 4.7.24; one log line per message.  (The test messages are
# unsigned: dkim=none; DKIM itself is t/mauthd-dkim.t.)  (The MTA side is
# t/lib/miltertalk.py; Postfix end to end is another test.)
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
TALK="$PY $srcdir/t/lib/miltertalk.py"

# ---------------------------------------------------------------- DNS
start_test_dns 'pass.example. 300 IN TXT "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"' \
    'fail.example. 300 IN TXT "v=spf1 -all"'

# ---------------------------------------------------------------- mauthd
port=$(free_port)
cat >"$tmp/mauthd.conf" <<CONF
Socket inet:$port@$addr
AuthservID mx.test.example
Nameservers $addr@$dnsport
DNSTimeout 2s
Syslog no
LogLevel debug
ReportStore sqlite:$tmp/reports.db
ReportSpool $tmp/spool
CONF
start_mauthd "$tmp/mauthd.conf"
wait_for listening "$port"
ok $? "mauthd listens, resolver $addr@$dnsport"
S=inet:$port@$addr

# talk NAME ARGS...: one session; its lines in $out
talk() {
	name=$1
	shift
	$TALK "$S" "$@" >"$tmp/$name.out" 2>&1
	talk_rc=$?
	out=$(cat "$tmp/$name.out")
}
has() {	# has LINE DESCRIPTION: $out holds exactly this line
	printf '%s\n' "$out" | grep -qxF -- "$1"
	ok $? "$2"
	printf '%s\n' "$out" | grep -qxF -- "$1" || printf '#   no line: %s\n#   in:\n%s\n' "$1" "$(printf '%s\n' "$out" | sed 's/^/#     /')"
}
hasnt() {	# hasnt PATTERN DESCRIPTION: no line of $out contains PATTERN
	! printf '%s\n' "$out" | grep -qF -- "$1"
	ok $? "$2"
}

# an SPF pass, with a foreign A-R field and a forged one (our authserv-id)
talk pass --qid 4PASS1 --from '<user@pass.example>' \
    --header 'Authentication-Results: other.example; spf=fail smtp.mailfrom=x@y' \
    --header 'Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=user@pass.example' \
    --header 'From: <user@pass.example>' --header 'Subject: hello'
is "$talk_rc" 0 "pass: the session runs to the end"
has "negotiate version=6 actions=0x31 protocol=0x100000" \
    "  negotiation: add/change headers and quarantine; header values with leading space; no stage skipped, every stage answered"
for stage in connect helo mail rcpt data header eoh body; do
	has "$stage continue" "  $stage: continue"
done
has "eom chgheader 2 Authentication-Results ''" "  the forged A-R field (#2) is removed, the foreign one kept"
has "eom insheader 0 Authentication-Results ' mx.test.example;\n\tspf=pass smtp.mailfrom=user@pass.example;\n\tdkim=none;\n\tdmarc=none header.from=pass.example'" \
    "  our A-R field goes on top, with its leading space: spf=pass, dkim=none, dmarc=none (no record)"
has "eom continue" "  and the message goes on"
wait_for grep -q "4PASS1: ip=192.0.2.10" "$tmp/mauthd.err"
like "$(grep 4PASS1 "$tmp/mauthd.err")" \
    "4PASS1: ip=192.0.2.10 helo=client.test mailfrom=<user@pass.example> spf=pass dkim=none dmarc=none header_from=pass.example forged_ar_removed=1 action=accept" \
    "  one log line: queue id, ip, helo, mailfrom, spf, dkim, dmarc, action"
is "$(grep -c "info: 4PASS1" "$tmp/mauthd.err")" 1 "  and only one at level info"

talk fail --qid 4FAIL1 --from '<user@fail.example>'
has "eom insheader 0 Authentication-Results ' mx.test.example;\n\tspf=fail smtp.mailfrom=user@fail.example;\n\tdkim=none'" \
    "SPF fail: spf=fail in our A-R field"
has "eom continue" "  delivered (the DMARC policy decides, not SPF alone)"

talk v6 --qid 4V6 --client 2001:db8::10 --from '<user@pass.example>'
has "eom insheader 0 Authentication-Results ' mx.test.example;\n\tspf=pass smtp.mailfrom=user@pass.example;\n\tdkim=none'" \
    "an IPv6 client: spf=pass through ip6:"

talk nohelo --qid 4NULL --from '<>' --helo pass.example --client 192.0.2.99
has "eom insheader 0 Authentication-Results ' mx.test.example;\n\tspf=fail smtp.helo=pass.example;\n\tdkim=none'" \
    "null reverse-path: the HELO identity is checked"

talk nolead --qid 4NOLEAD --from '<user@pass.example>' --protocol 0x0fffff
has "negotiate version=6 actions=0x31 protocol=0x0" "an MTA without SMFIP_HDR_LEADSPC: nothing else asked"
has "eom insheader 0 Authentication-Results 'mx.test.example;\n\tspf=pass smtp.mailfrom=user@pass.example;\n\tdkim=none'" \
    "  our value then has no leading space (the MTA adds it)"

talk internal --qid 4INT --client 127.0.0.1 --from '<user@fail.example>' \
    --header 'Authentication-Results: mx.test.example; spf=pass'
hasnt "insheader" "an InternalHosts client (127.0.0.1): no A-R field added"
hasnt "chgheader" "  and nothing changed"
has "eom continue" "  delivered"
wait_for grep -q "4INT: " "$tmp/mauthd.err"
like "$(grep 4INT "$tmp/mauthd.err")" "4INT: ip=127.0.0.1 helo=client.test mailfrom=<user@fail.example> internal=yes signed=no action=accept" \
    "  logged as internal"

talk local --qid 4LOCAL --client local --from '<user@fail.example>'
hasnt "insheader" "mail without a client address (local submission): internal, no A-R"

talk noedit --actions 0x20
ok "$(printf '%s\n' "$out" | grep -c '^eom')" "an MTA that forbids header edits gets no message through"
wait_for grep -q "the MTA does not let filters add and change header fields" "$tmp/mauthd.err"
ok $? "  mauthd logs why it refused the negotiation"

# ---------------------------------------------------------------- DNS failure
# a resolver that does not answer: temperror, and On-TempError tempfail
deadport=$(free_port udp)
port2=$(free_port)
cat >"$tmp/tempfail.conf" <<CONF
Socket inet:$port2@$addr
AuthservID mx.test.example
Nameservers $addr@$deadport
DNSTimeout 300ms
On-TempError tempfail
Syslog no
LogLevel debug
ReportStore sqlite:$tmp/reports2.db
ReportSpool $tmp/spool2
CONF
"$MAUTHD" -f -c "$tmp/tempfail.conf" 2>"$tmp/tempfail.err" &
pid2=$!
started_pids="$started_pids $pid2"
wait_for listening "$port2"
$TALK "inet:$port2@$addr" --qid 4TEMP --from '<user@pass.example>' >"$tmp/temp.out" 2>&1
out=$(cat "$tmp/temp.out")
like "$out" "spf=temperror" "DNS not answering: spf=temperror"
like "$out" "eom replycode '451 4.7.24 " "  On-TempError tempfail: 451 4.7.24 (RFC 7372)"
wait_for grep -q "4TEMP: " "$tmp/tempfail.err"
like "$(grep 4TEMP "$tmp/tempfail.err")" "spf=temperror dkim=none dmarc=none forged_ar_removed=0 action=tempfail" "  logged with action=tempfail"
stop "$pid2"

stop "$mauthd_pid"
is "$stop_rc" 0 "mauthd stops cleanly after the sessions"
[ "$tap_failed" -eq 0 ] || sed 's/^/# mauthd: /' "$tmp/mauthd.err"
done_testing
