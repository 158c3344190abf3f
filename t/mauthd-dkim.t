#!/bin/sh
# mauthd-dkim.t - mauthd and DKIM over the milter protocol, keys published
# in a real unbound on loopback: start-up refuses a key file others can
# read and a SigningTable entry with no key (with messages naming them);
# mail from an internal or authenticated client is signed with RSA and
# Ed25519 (one SigningTable entry naming two keys), and the signatures
# verify with mauth and dkimpy; inbound mail signed that way gets
# dkim=pass, a changed one dkim=fail.  (The MTA side is t/lib/miltertalk.py;
# Postfix end to end is t/postfix-dkim.t.)
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
$PY -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim or python3-nacl not installed"
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
[ -x "$UNBOUND" ] || skip_all "unbound not installed"
TALK="$PY $srcdir/t/lib/miltertalk.py"
TOOL=$top_builddir/t/c/dkim-tool

# ---------------------------------------------------------------- keys
mkdir -m 700 "$tmp/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/keys/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/keys/ed.pem" 2>/dev/null
chmod 600 "$tmp/keys/rsa.pem" "$tmp/keys/ed.pem"
rsa_p=$(openssl pkey -in "$tmp/keys/rsa.pem" -pubout -outform DER | base64 -w0)
ed_p=$(openssl pkey -in "$tmp/keys/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
cat >"$tmp/keys/keytable" <<EOF
rsa	example.com:rsa2026:./rsa.pem
ed	example.com:ed2026:./ed.pem
EOF
# a wildcard pattern: the table is read as "refile:" (opendkim.conf(5))
cat >"$tmp/keys/signingtable" <<EOF
*@example.com	rsa,ed
EOF
printf 'rsa2026._domainkey.example.com v=DKIM1; k=rsa; p=%s\ned2026._domainkey.example.com v=DKIM1; k=ed25519; p=%s\n' \
    "$rsa_p" "$ed_p" >"$tmp/dns.txt"

# ---------------------------------------------------------------- DNS
# TXT data over 255 octets goes in several character-strings
txt() { printf '%s' "$1" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' '; }
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
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "." static
	local-data: 'rsa2026._domainkey.example.com. 300 IN TXT $(txt "v=DKIM1; k=rsa; p=$rsa_p")'
	local-data: 'ed2026._domainkey.example.com. 300 IN TXT $(txt "v=DKIM1; k=ed25519; p=$ed_p")'
remote-control:
	control-enable: no
CONF
"$UNBOUND" -d -c "$tmp/unbound.conf" 2>"$tmp/unbound.err" &
started_pids="$started_pids $!"
wait_for grep -qs "start of service" "$tmp/unbound.log" ||
    skip_all "unbound did not start: $(cat "$tmp/unbound.err" "$tmp/unbound.log")"

# ---------------------------------------------------------------- start-up refusals
conf() {	# conf FILE KEYTABLE SIGNINGTABLE [more lines]
	f=$1 kt=$2 st=$3
	shift 3
	{
		printf 'Socket inet:%s@%s\nAuthservID mx.test.example\nNameservers %s@%s\n' \
		    "${port:-1}" "$addr" "$addr" "$dnsport"
		printf 'Syslog no\nLogLevel debug\nKeyTable %s\nSigningTable %s\n' "$kt" "$st"
		printf 'ReportStore sqlite:%s.db\nReportSpool %s.spool\n' "$f" "$f"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$f"
}

cp "$tmp/keys/rsa.pem" "$tmp/keys/world.pem"
chmod 644 "$tmp/keys/world.pem"
printf 'rsa\texample.com:rsa2026:./world.pem\n' >"$tmp/keys/kt-world"
conf "$tmp/world.conf" "$tmp/keys/kt-world" "$tmp/keys/signingtable"
"$MAUTHD" -n -c "$tmp/world.conf" >"$tmp/out" 2>&1
is $? 78 "mauthd -n: a world-readable key file is refused (EX_CONFIG)"
like "$(cat "$tmp/out")" "kt-world:1: $tmp/keys/world.pem: private key is accessible by group or others (mode 0644); chmod 600 it" \
    "  the message names the KeyTable line and the key file"
"$MAUTHD" -f -c "$tmp/world.conf" >"$tmp/out" 2>&1
is $? 78 "mauthd itself does not start with it"
like "$(cat "$tmp/out")" "world.pem: private key is accessible by group or others" "  and says why"

printf '*@example.com\trsa\n*@example.org\tmissing\n' >"$tmp/keys/st-missing"
conf "$tmp/missing.conf" "$tmp/keys/keytable" "$tmp/keys/st-missing"
"$MAUTHD" -n -c "$tmp/missing.conf" >"$tmp/out" 2>&1
is $? 78 "mauthd -n: a SigningTable entry naming no KeyTable key is refused"
like "$(cat "$tmp/out")" "st-missing:2: key \"missing\" is not in the KeyTable" \
    "  the message names the SigningTable line and the key"
"$MAUTHD" -f -c "$tmp/missing.conf" >"$tmp/out" 2>&1
is $? 78 "mauthd itself does not start with it"

conf "$tmp/good.conf" "$tmp/keys/keytable" "refile:$tmp/keys/signingtable"
"$MAUTHD" -n -c "$tmp/good.conf" >"$tmp/out" 2>&1
is $? 0 "mauthd -n: the good tables pass"

# ---------------------------------------------------------------- running
port=$(free_port)
conf "$tmp/mauthd.conf" "$tmp/keys/keytable" "refile:$tmp/keys/signingtable"
start_mauthd "$tmp/mauthd.conf"
wait_for listening "$port"
ok $? "mauthd listens with KeyTable and SigningTable"
wait_for grep -q "DKIM: 2 signing keys loaded" "$tmp/mauthd.err"
ok $? "  start-up logs the keys loaded"
S=inet:$port@$addr

talk() {	# talk NAME ARGS...: one session; output in $out
	name=$1
	shift
	$TALK "$S" "$@" >"$tmp/$name.out" 2>&1
	out=$(cat "$tmp/$name.out")
}
BODY='Hello Bob,\r\n\r\nsigned on the way out.\r\n'
# message NAME ARGS...: one session with the test message's fields and body
message() {
	name=$1
	shift
	talk "$name" "$@" --header='From: Alice <alice@example.com>' \
	    --header='To: bob@example.org' --header='Subject: signed by mauthd' \
	    --header='Date: Mon, 23 Nov 2026 10:00:00 +0000' --body "$(printf "$BODY")"
}

# rebuild FILE TALKOUT: the message as the MTA would pass it on, from the
# DKIM-Signature fields in miltertalk's output
rebuild() {
	$PY - "$1" "$BODY" "$2" <<'PYEOF'
import ast, sys
lines = open(sys.argv[3]).read().splitlines()
sigs = []
for l in lines:
    if l.startswith('eom insheader 0 DKIM-Signature '):
        sigs.insert(0, ast.literal_eval(l[len('eom insheader 0 DKIM-Signature '):]))
hdrs = ['From: Alice <alice@example.com>', 'To: bob@example.org',
        'Subject: signed by mauthd', 'Date: Mon, 23 Nov 2026 10:00:00 +0000']
with open(sys.argv[1], 'wb') as f:
    for v in sigs:
        f.write(('DKIM-Signature:' + v.replace('\n', '\r\n') + '\r\n').encode())
    for h in hdrs:
        f.write((h + '\r\n').encode())
    f.write(b'\r\n' + sys.argv[2].encode().decode('unicode_escape').encode())
PYEOF
}

message internal --qid 4SIGN1 --client 127.0.0.1 --from '<alice@example.com>'
like "$out" "eom insheader 0 DKIM-Signature ' v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;" \
    "internal client: an rsa-sha256 DKIM-Signature goes on top"
like "$out" "eom insheader 0 DKIM-Signature ' v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;" \
    "  and an ed25519-sha256 one (one SigningTable entry, two keys)"
case $out in *"Authentication-Results"*) r=1 ;; *) r=0 ;; esac
ok $r "  no Authentication-Results on outbound mail"
wait_for grep -q "4SIGN1: " "$tmp/mauthd.err"
like "$(grep 4SIGN1 "$tmp/mauthd.err")" "internal=yes signed=example.com/rsa2026,example.com/ed2026 action=accept" \
    "  logged with the signatures made"
rebuild "$tmp/signed.eml" "$tmp/internal.out"
res=$("$TOOL" "$tmp/dns.txt" "$tmp/signed.eml" | cut -d' ' -f1-3 | tr '\n' ';')
is "$res" "pass d=example.com s=rsa2026;pass d=example.com s=ed2026;" "  both signatures verify with mauth"
is "$($PY "$srcdir/t/lib/dkim-interop.py" verify "$tmp/dns.txt" "$tmp/signed.eml")" pass \
    "  the top one verifies with dkimpy"

message auth --qid 4AUTH1 --client 198.51.100.7 --auth alice --from '<alice@example.com>'
like "$out" "eom insheader 0 DKIM-Signature ' v=1; a=rsa-sha256;" "authenticated client ({auth_authen}): signed"
wait_for grep -q "4AUTH1: " "$tmp/mauthd.err"
like "$(grep 4AUTH1 "$tmp/mauthd.err")" "auth=yes signed=example.com/rsa2026,example.com/ed2026" "  logged as auth"

talk other --qid 4OTHER --client 127.0.0.1 --from '<carol@example.org>' \
    --header 'From: carol@example.org' --header 'Subject: not ours'
case $out in *DKIM-Signature*) r=1 ;; *) r=0 ;; esac
ok $r "internal client, From not in the SigningTable: not signed"

# ---------------------------------------------------------------- inbound
# the message signed above, now arriving from outside
set --
while IFS= read -r line; do
	case $line in
	'eom insheader 0 DKIM-Signature '*)
		v=$($PY -c 'import ast, sys; print(ast.literal_eval(sys.argv[1]), end="")' \
		    "${line#eom insheader 0 DKIM-Signature }")
		set -- "--header=DKIM-Signature:$v" "$@" ;;
	esac
done <"$tmp/internal.out"
message inbound --qid 4VERIFY --client 198.51.100.7 --from '<alice@example.com>' "$@"
like "$out" "dkim=pass header.d=example.com header.i=@example.com header.s=rsa2026\\n\\theader.a=rsa-sha256" \
    "inbound, signed: dkim=pass (rsa-sha256) in our A-R field"
like "$out" "dkim=pass header.d=example.com header.i=@example.com header.s=ed2026\\n\\theader.a=ed25519-sha256" \
    "  and dkim=pass (ed25519-sha256)"
wait_for grep -q "4VERIFY: " "$tmp/mauthd.err"
like "$(grep 4VERIFY "$tmp/mauthd.err")" "dkim=pass:example.com:rsa2026,pass:example.com:ed2026" \
    "  logged per signature"

BODY='Hello Bob,\r\n\r\nchanged on the way.\r\n'
message tampered --qid 4TAMPER --client 198.51.100.7 --from '<alice@example.com>' "$@"
like "$out" "dkim=fail reason=\"body hash mismatch: the body was changed\"\\n\\theader.d=example.com" \
    "inbound, body changed: dkim=fail"
case $out in *dkim=pass*) r=1 ;; *) r=0 ;; esac
ok $r "  and no pass"

# ---------------------------------------------------------------- reload
# a reload reads the keys again; one that fails keeps the keys in force
cp "$tmp/keys/keytable" "$tmp/keys/keytable.good"
cp "$tmp/keys/kt-world" "$tmp/keys/keytable"
kill -HUP "$mauthd_pid"
wait_for grep -q "reload failed" "$tmp/mauthd.err"
like "$(grep "reload failed" "$tmp/mauthd.err")" "DKIM: $tmp/keys/keytable:1: $tmp/keys/world.pem: private key is accessible by group or others" \
    "SIGHUP with a world-readable key: the reload fails, naming the file"
message after --qid 4AFTER --client 127.0.0.1 --from '<alice@example.com>'
like "$out" "eom insheader 0 DKIM-Signature ' v=1; a=ed25519-sha256;" "  and the keys in force still sign"
cp "$tmp/keys/keytable.good" "$tmp/keys/keytable"

stop "$mauthd_pid"
is "$stop_rc" 0 "mauthd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# mauthd: /' "$tmp/mauthd.err"
done_testing
