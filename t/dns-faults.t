#!/bin/sh
# dns-faults.t - the DNS fault matrix through mauthd: every fault ends in
# the right SPF verdict AND in the message handling the operator chose
#
# A real unbound on loopback serves the test zone (t/data/zones/faults/
# plus records made here: TXT records of 1.5 and 5 KB that only TCP can
# carry) and forwards two zones to servers that fail on purpose
# (t/lib/dns-fault-server.py): one answers SERVFAIL, one never answers.
# An unsigned zone under a trust anchor gives DNSSEC-bogus answers.  Two
# mauthd use it, one with On-TempError accept and one with tempfail; two
# more have a whole resolver that fails (SERVFAIL, silence).  Each case
# is one message over the milter protocol (t/lib/miltertalk.py) to each
# of a pair, and asserts the spf= result in the Authentication-Results
# field mauthd adds and the reply: a temperror is 451 4.7.24 under
# tempfail and delivered under accept; every other verdict is delivered
# by both (SPF alone rejects nothing).  Signed messages (dkimpy, a key
# made at run time) meet key records of garbage, revoked or missing
# (permerror) and key servers that fail (temperror); From domains meet
# DMARC policy lookups that fail (temperror, never a reject; p=reject
# with no alignment is the control).  At the end the
# resolver goes away, and both daemons must still be running and stop
# cleanly.  The lib-level half of the matrix is t/c/dns-faults.t.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
[ -x "$UNBOUND" ] || skip_all "unbound not installed"
TALK="$PY $srcdir/t/lib/miltertalk.py"
CLIENT=192.0.2.10

# ---------------------------------------------------------------- servers
# fault_server MODE: start one; its port in $fault_port
fault_server() {
	rm -f "$tmp/$1.port"
	$PY "$srcdir/t/lib/dns-fault-server.py" "$1" "$addr" "$tmp/$1.port" &
	started_pids="$started_pids $!"
	wait_for test -s "$tmp/$1.port" || skip_all "the $1 DNS server did not start"
	fault_port=$(cat "$tmp/$1.port")
}
fault_server servfail
servfail_port=$fault_port
fault_server blackhole
blackhole_port=$fault_port

# The zone file plus the long records: one TXT record of 4,956 octets
# (over 4 KB) and one of 1,376 (over libunbound's EDNS buffer of 1,232):
# both come back truncated over UDP, and only the TCP retry carries them.
# The client's ip4: is the last term, so only the whole record passes.
cp "$srcdir/t/data/zones/faults/faults.example.zone" "$tmp/faults.zone"
$PY - "$CLIENT" >>"$tmp/faults.zone" <<'PYEOF'
import sys
def record(name, n):
    terms = ['ip4:198.18.%d.%d' % (i // 250, i % 250) for i in range(n)]
    text = 'v=spf1 ' + ' '.join(terms) + ' ip4:%s -all' % sys.argv[1]
    strings = [text[i:i + 250] for i in range(0, len(text), 250)]
    print('%s TXT %s' % (name, ' '.join('"%s"' % s for s in strings)))
    print('; %s: %d octets' % (name, len(text)))
record('big', 300)
record('medium', 85)
PYEOF
big_len=$(sed -n 's/^; big: \([0-9]*\) octets/\1/p' "$tmp/faults.zone")
medium_len=$(sed -n 's/^; medium: \([0-9]*\) octets/\1/p' "$tmp/faults.zone")
cp "$srcdir/t/data/zones/faults/bogus.example.zone" "$tmp/bogus.zone"
cp "$srcdir/t/data/zones/faults/reject.example.zone" "$tmp/reject.zone"

# DKIM: a key made now; its record at good._domainkey, garbage at
# garbage._domainkey, a revoked one (empty p=) at revoked._domainkey.  The
# messages signed with it are made once the zone is served (sign_msg).
HAVE_DKIMPY=no
if $PY -c 'import dkim' 2>/dev/null && command -v openssl >/dev/null; then
	HAVE_DKIMPY=yes
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
	    -out "$tmp/dkim.key" 2>/dev/null
	p=$(openssl pkey -in "$tmp/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
	{
		printf 'good._domainkey TXT "v=DKIM1; k=rsa; p=%s"\n' "$p"
		printf 'garbage._domainkey TXT "v=DKIM1; k=rsa; p=!!garbage*not*base64!!"\n'
		printf 'revoked._domainkey TXT "v=DKIM1; k=rsa; p="\n'
	} >>"$tmp/faults.zone"
fi

dnsport=$(free_port udp)
cat >"$tmp/unbound.conf" <<CONF
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
	log-queries: yes
	do-ip6: no
	num-threads: 1
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "iterator"
	# nothing leaves the machine: only the zones below are answered
	local-zone: "." refuse
	local-zone: "faults.example." transparent
	local-zone: "bogus.example." transparent
	local-zone: "reject.example." transparent
	# the top of the DMARC tree walk (RFC 9989 4.10): no policy there
	local-zone: "_dmarc.example." static
	local-zone: "servfail.example." transparent
	local-zone: "slow.example." transparent
auth-zone:
	name: "faults.example."
	zonefile: "$tmp/faults.zone"
	for-downstream: yes
	for-upstream: no
	fallback-enabled: no
auth-zone:
	name: "reject.example."
	zonefile: "$tmp/reject.zone"
	for-downstream: yes
	for-upstream: no
	fallback-enabled: no
auth-zone:
	name: "bogus.example."
	zonefile: "$tmp/bogus.zone"
	for-downstream: yes
	for-upstream: no
	fallback-enabled: no
stub-zone:
	name: "servfail.example."
	stub-addr: $addr@$servfail_port
stub-zone:
	name: "slow.example."
	stub-addr: $addr@$blackhole_port
remote-control:
	control-enable: no
CONF
"$UNBOUND" -d -c "$tmp/unbound.conf" 2>"$tmp/unbound.err" &
unbound_pid=$!
started_pids="$started_pids $unbound_pid"
wait_for grep -qs "start of service" "$tmp/unbound.log" ||
    skip_all "unbound did not start: $(cat "$tmp/unbound.err" "$tmp/unbound.log")"

# bogus.example is unsigned, yet a DS says it is signed: every answer
# from it fails validation (libunbound: SERVFAIL, security bogus)
echo "bogus.example. IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" >"$tmp/ta"

# ---------------------------------------------------------------- mauthd
# daemon NAME ON-TEMPERROR NAMESERVER: start one; its socket in $sock
daemon() {
	p=$(free_port)
	cat >"$tmp/$1.conf" <<CONF
Socket inet:$p@$addr
AuthservID mx.test.example
Nameservers $3
DNSTimeout 1s
TrustAnchorFile $tmp/ta
On-TempError $2
Syslog no
LogLevel debug
ReportStore sqlite:$tmp/$1.db
ReportSpool $tmp/$1.spool
CONF
	"$MAUTHD" -f -c "$tmp/$1.conf" 2>"$tmp/$1.err" &
	eval "pid_$1=\$!"
	started_pids="$started_pids $!"
	wait_for listening "$p" || skip_all "mauthd $1 did not start: $(cat "$tmp/$1.err")"
	eval "sock_$1=inet:$p@$addr"
}
daemon accept accept "$addr@$dnsport"
daemon tempfail tempfail "$addr@$dnsport"
daemon sf_accept accept "$addr@$servfail_port"
daemon sf_tempfail tempfail "$addr@$servfail_port"
daemon bh_accept accept "$addr@$blackhole_port"
daemon bh_tempfail tempfail "$addr@$blackhole_port"

# fault PAIR SENDER-DOMAIN RESULT DESCRIPTION [REASON-PART]: one message
# from user@SENDER-DOMAIN to the accept and the tempfail daemon of PAIR
# ("" or sf_ or bh_); spf=RESULT in both A-R fields, REASON-PART in its
# reason=, and the reply each daemon's On-TempError calls for.
n=0
fault() {
	for mode in accept tempfail; do
		n=$((n + 1))
		eval "s=\$sock_$1$mode"
		$TALK "$s" --client "$CLIENT" --qid "4F$n" --from "<user@$2>" \
		    --header "From: <user@$2>" >"$tmp/talk.out" 2>&1
		out=$(cat "$tmp/talk.out")
		ar=$(printf '%s\n' "$out" | grep "^eom insheader 0 Authentication-Results")
		like "$ar" "spf=$3" "$4 ($mode): spf=$3"
		[ -z "${5:-}" ] || like "$ar" "$5" "  reason names it: $5"
		if [ "$3" = temperror ] && [ "$mode" = tempfail ]; then
			like "$out" "eom replycode '451 4.7.24 " "  On-TempError tempfail: 451 4.7.24"
			action=tempfail
		else
			like "$out" "eom continue" "  delivered"
			action=accept
		fi
		wait_for grep -q "4F$n: .* spf=$3 .*action=$action" "$tmp/$1$mode.err"
		ok $? "  logged: spf=$3 action=$action"
	done
}

# msgfault PAIR NAME FROM-DOMAIN METHOD RESULT ACTION-ACCEPT ACTION-TEMPFAIL
#     DESCRIPTION [REASON-PART]: the message $tmp/NAME.eml (From:
#     user@FROM-DOMAIN) sent with MAIL FROM user@pass.faults.example (SPF
#     passes, unaligned with FROM-DOMAIN) to both daemons of PAIR; METHOD=
#     RESULT in the A-R field; the action of each (accept, tempfail, reject)
msgfault() {
	for mode in accept tempfail; do
		n=$((n + 1))
		eval "s=\$sock_$1$mode"
		[ "$mode" = accept ] && want=$6 || want=$7
		$TALK "$s" --client "$CLIENT" --qid "4M$n" --from "<user@pass.faults.example>" \
		    --message "$tmp/$2.eml" >"$tmp/talk.out" 2>&1
		out=$(cat "$tmp/talk.out")
		ar=$(printf '%s\n' "$out" | grep "^eom insheader 0 Authentication-Results")
		like "$ar" "$4=$5" "$8 ($mode): $4=$5"
		[ -z "${9:-}" ] || like "$ar" "$9" "  reason names it: $9"
		case $want in
		tempfail) like "$out" "eom replycode '451 " "  451: the client retries" ;;
		reject) like "$out" "eom replycode '550 " "  550: rejected" ;;
		*) like "$out" "eom continue" "  delivered" ;;
		esac
		wait_for grep -q "4M$n: .* $4=$5.* action=$want" "$tmp/$1$mode.err"
		ok $? "  logged: $4=$5 action=$want"
	done
}

# sign_msg NAME FROM-DOMAIN [DOMAIN SELECTOR]: $tmp/NAME.eml, From:
# user@FROM-DOMAIN, DKIM-signed with d=DOMAIN s=SELECTOR when given
sign_msg() {
	$PY - "$tmp/dkim.key" "$tmp/$1.eml" "$2" "${3:-}" "${4:-}" <<'PYEOF'
import sys
key, out, frm, dom, sel = sys.argv[1:6]
msg = ('From: <user@%s>\r\nTo: <rcpt@dest.test>\r\nSubject: fault\r\n'
       'Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\nbody\r\n' % frm).encode()
if dom:
    import dkim
    msg = dkim.sign(msg, sel.encode(), dom.encode(), open(key, 'rb').read(),
                    include_headers=[b'from', b'to', b'subject']) + msg
open(out, 'wb').write(msg)
PYEOF
}

fault "" pass.faults.example pass "the control case"

# ---- transport: truncation, TCP, size
# tcp_case NAME LEN: the long record passes, and the server saw each of
# the two resolvers ask twice: over UDP (truncated), then over TCP
tcp_case() {
	before=$(grep -c " $1.faults.example. TXT IN" "$tmp/unbound.log")
	fault "" "$1.faults.example" pass "TXT record of $2 octets: truncated over UDP, fetched over TCP"
	after=$(grep -c " $1.faults.example. TXT IN" "$tmp/unbound.log")
	is "$((after - before))" 4 "  the server saw 4 queries (UDP then TCP, from each daemon)"
}
tcp_case big "$big_len (over 4 KB)"
tcp_case medium "$medium_len (over libunbound's EDNS buffer of 1232)"

# ---- failures of the server and of the zone
fault "" x.slow.example temperror "the domain's server never answers" "TIMEOUT"
fault "" incslow.faults.example temperror "include: of a domain whose server never answers" "x.slow.example"
fault "" x.servfail.example temperror "the domain's server answers SERVFAIL" "SERVFAIL"
fault "" incservfail.faults.example temperror "include: of a domain whose server answers SERVFAIL" "x.servfail.example"
fault "" bogus.example temperror "DNSSEC: the domain's answers are bogus" "SERVFAIL"
fault "" incbogus.faults.example temperror "include: of a DNSSEC-bogus domain" "bogus.example"
fault sf_ pass.faults.example temperror "the resolver answers SERVFAIL to everything" "SERVFAIL"
fault bh_ pass.faults.example temperror "the resolver never answers" "TIMEOUT"

# ---- CNAMEs
fault "" chain.faults.example pass "the SPF record behind a chain of two CNAMEs"
fault "" loop.faults.example temperror "a CNAME loop at the domain" "SERVFAIL"
fault "" incloop.faults.example temperror "include: of a CNAME loop" "loop.faults.example"

# ---- no record, too many records
fault "" nospf.faults.example none "the domain has no TXT record (NODATA)"
fault "" missing.faults.example none "the domain does not exist (NXDOMAIN)"
fault "" two.faults.example permerror "two SPF records" "2 TXT records start with v=spf1"
fault "" incnone.faults.example permerror "include: of a domain without SPF record" \
    "no SPF record at nospf.faults.example"

# ---- the limits of RFC 7208 section 4.6.4
fault "" at10.faults.example pass "include tree of exactly 10 DNS-querying terms, the 10th matches"
fault "" limit.faults.example permerror "include tree of 12 DNS-querying terms" \
    "a:h8.faults.example: more than 10 DNS-querying terms"
fault "" void2.faults.example pass "two void lookups, then a match"
fault "" void3.faults.example permerror "three void lookups" \
    "a:n3.faults.example: more than 2 void lookups"
fault "" mx11.faults.example permerror "mx with 11 exchanges" "has 11 MX records, more than 10"

# ---- DKIM key records (RFC 6376 6.1.2): garbage is permerror (no
# DMARC record for faults.example: delivered), a lookup that fails is
# temperror
if [ $HAVE_DKIMPY = yes ]; then
	sign_msg dkim-good faults.example faults.example good
	msgfault "" dkim-good faults.example dkim pass accept accept \
	    "DKIM: the key record as published (control)"
	sign_msg dkim-garbage faults.example faults.example garbage
	msgfault "" dkim-garbage faults.example dkim permerror accept accept \
	    "DKIM: a key record of garbage" "not base64"
	sign_msg dkim-revoked faults.example faults.example revoked
	msgfault "" dkim-revoked faults.example dkim permerror accept accept \
	    "DKIM: a revoked key (empty p=)" "revoked"
	sign_msg dkim-nokey faults.example faults.example missing
	msgfault "" dkim-nokey faults.example dkim permerror accept accept \
	    "DKIM: no key record (NXDOMAIN)" "NXDOMAIN"
	sign_msg dkim-slow x.slow.example x.slow.example sel
	msgfault "" dkim-slow x.slow.example dkim temperror accept tempfail \
	    "DKIM: the key's server never answers" "TIMEOUT"
	sign_msg dkim-servfail x.servfail.example x.servfail.example sel
	msgfault "" dkim-servfail x.servfail.example dkim temperror accept tempfail \
	    "DKIM: the key's server answers SERVFAIL" "SERVFAIL"
else
	echo "# python3-dkim or openssl missing: DKIM key faults not tested"
fi

# ---- DMARC policy records (RFC 9989 4.10): a failure is temperror and
# never a reject; SPF passes for pass.faults.example, unaligned
sign_msg dmarc-reject reject.example
msgfault "" dmarc-reject reject.example dmarc fail reject reject \
    "DMARC: p=reject, unaligned (control: rejected)"
sign_msg dmarc-slow y.slow.example
msgfault "" dmarc-slow y.slow.example dmarc temperror accept tempfail \
    "DMARC: the policy's server never answers"
sign_msg dmarc-servfail y.servfail.example
msgfault "" dmarc-servfail y.servfail.example dmarc temperror accept tempfail \
    "DMARC: the policy's server answers SERVFAIL"
sign_msg dmarc-bogus bogus.example
msgfault "" dmarc-bogus bogus.example dmarc temperror accept tempfail \
    "DMARC: the policy is DNSSEC-bogus"

# ---------------------------------------------------------------- the end
# the resolver goes away: an uncached name is a temperror, no crash
kill "$unbound_pid"
wait "$unbound_pid" 2>/dev/null
fault "" gone.faults.example temperror "the resolver is gone"

for d in accept tempfail sf_accept sf_tempfail bh_accept bh_tempfail; do
	eval "p=\$pid_$d"
	alive "$p"
	ok $? "mauthd ($d) still running"
	stop "$p"
	is "$stop_rc" 0 "  and stops cleanly"
done
[ "$tap_failed" -eq 0 ] || for d in accept tempfail; do sed "s/^/# $d: /" "$tmp/$d.err" | tail -n 40; done
done_testing
