#!/bin/bash
# postfix-dmarc.t - DMARC end to end: a real Postfix hands each message to
# mauthd, which finds DMARC records on a real unbound on loopback, and
# enforces them (RFC 9989 7.2):
#   - a spoofed From of a p=reject domain gets "550 5.7.1 ... DMARC policy
#     for DOMAIN" at the SMTP client (swaks sees it) and is not delivered;
#   - the same domain's own mail passes: SPF-aligned from its server, and
#     DKIM-signed (with a key made here, signed by dkimpy) from elsewhere;
#   - p=none mail is delivered with dmarc=fail in Authentication-Results;
#   - p=quarantine mail is held by Postfix (smfi_quarantine);
#   - a From naming two domains is refused (DMARCMultipleFrom reject);
#   - `mauth check --zone Z --ip I --mail-from M MSG` prints the same
#     Authentication-Results mauthd added, and dis=reject exactly where
#     mauthd refused.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink swaks unbound openssl; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done
PY=/usr/bin/python3
MAUTH=${top_builddir:-$T_TOP}/tools/mauth
[ -x "$MAUTH" ] || t_bail "$MAUTH not built"
# the DKIM-signed case signs with dkimpy (python3-dkim)
DKIM=no
"$PY" -c 'import dkim' 2>/dev/null && DKIM=yes

ID=$MAUTHD_AUTHSERV_ID
ID_RE=${ID//./\\.}
GOOD=192.0.2.10		# the p=* domains' own server (their SPF records)
BAD=203.0.113.9		# another server: evil.dmarc.example's, or a service

t_tmpdir WORK
# ---------------------------------------------------------------- DNS
openssl genrsa -out "$WORK/dkim.key" 2048 2>/dev/null || t_bail "openssl genrsa"
pub=$(openssl rsa -in "$WORK/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
ZONE=$WORK/dmarc.example.zone
{
	cat <<'ZONE'
$ORIGIN dmarc.example.
$TTL 300
@		IN SOA	ns.dmarc.example. hostmaster.dmarc.example. 1 3600 600 86400 300
@		IN NS	ns
ns		IN A	192.0.2.53
reject		IN TXT	"v=spf1 ip4:192.0.2.10 -all"
_dmarc.reject	IN TXT	"v=DMARC1; p=reject; rua=mailto:dmarc@reject.dmarc.example"
quarantine	IN TXT	"v=spf1 ip4:192.0.2.10 -all"
_dmarc.quarantine IN TXT "v=DMARC1; p=quarantine"
none		IN TXT	"v=spf1 ip4:192.0.2.10 -all"
_dmarc.none	IN TXT	"v=DMARC1; p=none"
evil		IN TXT	"v=spf1 ip4:203.0.113.0/24 -all"
ZONE
	# the key record, in character-strings of at most 255 octets
	printf 'sel._domainkey.reject IN TXT ( "v=DKIM1; k=rsa; "'
	printf '%s' "p=$pub" | fold -w 200 | sed 's/.*/ "&"/' | tr -d '\n'
	printf ' )\n'
} >"$ZONE"
TLD=$T_TOP/t/data/zones/tld/example.zone	# the walk ends at _dmarc.example

dns_server_start "$ZONE" "$TLD" || t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "LogLevel debug" || t_bail "mauthd did not start"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"
t_note "DNS $DNS_ADDR@$DNS_PORT, mauthd $MAUTHD_MILTER, Postfix $PF_ADDR:$PF_PORT, DKIM $DKIM"

N=0
# send NAME CLIENT MAILFROM FROM [HEADER-LINE...]: one message through
# Postfix; sets MSG (the file sent), MSGID, REPLY (Postfix's reply to it)
send()
{
	local name=$1 client=$2 mailfrom=$3 from=$4
	shift 4
	N=$((N + 1))
	MSGID="$name.$N.$$@e2e.test"
	MSG=$PF_DIR/$name.eml
	postfix_make_msg "$MSG" "$MSGID" "$from" "rcpt@$PF_DOMAIN" "$name" "$@" \
	    -- "DMARC case $name."
	[ "${SIGN:-}" = "" ] || sign "$MSG" "$SIGN"
	postfix_send "$PF_DIR/$name.smtp" "$client" "client.e2e.example" \
	    "mx.client.e2e.example" "$mailfrom" "rcpt@$PF_DOMAIN" "$MSG"
	REPLY=$(postfix_reply "$PF_DIR/$name.smtp")
}

# sign FILE DOMAIN: a DKIM-Signature (dkimpy, s=sel) on top of FILE
sign()
{
	"$PY" - "$1" "$2" "$WORK/dkim.key" <<'PY' || t_diag "dkimpy could not sign $1"
import sys, dkim
path, domain, key = sys.argv[1], sys.argv[2].encode(), open(sys.argv[3], 'rb').read()
msg = open(path, 'rb').read().replace(b'\n', b'\r\n')
sig = dkim.sign(msg, b'sel', domain, key, include_headers=[b'from', b'to',
    b'subject', b'date', b'message-id'])
open(path, 'wb').write(sig.replace(b'\r\n', b'\n') + msg.replace(b'\r\n', b'\n'))
PY
}

# ours: the sink copy's Authentication-Results fields with our authserv-id
delivered()
{
	local name=$1 copy
	if copy=$(postfix_wait_msg "$MSGID"); then
		t_ok 0 "$name: delivered to the sink"
		AR=$(postfix_header "$copy" Authentication-Results | grep -iE "^$ID_RE;" || true)
	else
		t_ok 1 "$name: delivered to the sink"
		AR=
		mauthd_diag
	fi
}

# check NAME CLIENT MAILFROM: mauth check on the message just sent
check()
{
	CHECK=$("$MAUTH" check -c "$MAUTHD_CONF" --zone "$ZONE" --zone "$TLD" \
	    --ip "$2" --helo mx.client.e2e.example --mail-from "$3" "$MSG" 2>&1)
	t_is "$?" 0 "$1: mauth check evaluates the same message"
}

# ---------------------------------------------------------------- p=reject
send spoof $BAD attacker@evil.dmarc.example "CEO <ceo@reject.dmarc.example>"
t_is "$REPLY" "550 5.7.1 Email rejected per DMARC policy for reject.dmarc.example" \
    "spoof: the SMTP client sees 550 5.7.1 naming the domain" ||
    { t_diag_file "$PF_DIR/spoof.smtp" 20; mauthd_diag; }
t_ok "$(grep -qF "$MSGID" "$PF_DUMP"/* 2>/dev/null && echo 1 || echo 0)" \
    "spoof: nothing reached the sink"
check spoof $BAD attacker@evil.dmarc.example
t_is "$CHECK" "Authentication-Results: $ID; spf=pass smtp.mailfrom=attacker@evil.dmarc.example; dkim=none; dmarc=fail (p=reject sp=reject dis=reject) header.from=reject.dmarc.example" \
    "spoof: mauth check says dis=reject, as mauthd did"
t_like "$(grep -F 'dmarc=fail header_from=reject.dmarc.example' "$MAUTHD_LOG")" \
    'policy=reject dis=reject.* action=reject' "spoof: mauthd logs dmarc=fail ... action=reject"

send spf-aligned $GOOD bounce@reject.dmarc.example "CEO <ceo@reject.dmarc.example>"
t_like "$REPLY" '^250 ' "spf-aligned: the domain's own server: 250"
delivered spf-aligned
t_is "$AR" "$ID; spf=pass smtp.mailfrom=bounce@reject.dmarc.example; dkim=none; dmarc=pass (p=reject sp=reject dis=none) header.from=reject.dmarc.example" \
    "spf-aligned: dmarc=pass"
check spf-aligned $GOOD bounce@reject.dmarc.example
t_is "$CHECK" "Authentication-Results: $AR" "spf-aligned: mauth check prints what mauthd added"

if [ "$DKIM" = yes ]; then
	SIGN=reject.dmarc.example send dkim-signed $BAD news@evil.dmarc.example \
	    "CEO <ceo@reject.dmarc.example>"
	t_like "$REPLY" '^250 ' "dkim-signed: signed by the domain, sent from elsewhere: 250" ||
	    { t_diag_file "$PF_DIR/dkim-signed.smtp" 20; mauthd_diag; }
	delivered dkim-signed
	t_like "$AR" "; dkim=pass [^;]*header\\.d=reject\\.dmarc\\.example[^;]*; dmarc=pass \\(p=reject sp=reject dis=none\\) header\\.from=reject\\.dmarc\\.example$" \
	    "dkim-signed: dkim=pass, dmarc=pass through DKIM alone"
	check dkim-signed $BAD news@evil.dmarc.example
	t_is "$CHECK" "Authentication-Results: $AR" "dkim-signed: mauth check prints what mauthd added"
else
	for i in 1 2 3 4 5; do
		T_NUM=$((T_NUM + 1))
		echo "ok $T_NUM # SKIP python3-dkim not installed (scripts/deps.sh test)"
	done
fi

# ---------------------------------------------------------------- p=none
send none $BAD x@evil.dmarc.example "<a@none.dmarc.example>"
t_like "$REPLY" '^250 ' "none: p=none mail is accepted"
delivered none
t_is "$AR" "$ID; spf=pass smtp.mailfrom=x@evil.dmarc.example; dkim=none; dmarc=fail (p=none sp=none dis=none) header.from=none.dmarc.example" \
    "none: dmarc=fail in Authentication-Results"
check none $BAD x@evil.dmarc.example
t_is "$CHECK" "Authentication-Results: $AR" "none: mauth check prints what mauthd added"

# ---------------------------------------------------------------- p=quarantine
send quarantine $BAD x@evil.dmarc.example "<a@quarantine.dmarc.example>"
t_like "$REPLY" '^250 ' "quarantine: accepted (held, not refused)"
t_wait_until 20 grep -q 'milter triggers HOLD action' "$PF_LOG"
t_ok $? "quarantine: Postfix holds it (smfi_quarantine)" || postfix_diag
check quarantine $BAD x@evil.dmarc.example
t_like "$CHECK" 'dmarc=fail \(p=quarantine sp=quarantine dis=quarantine\)' \
    "quarantine: mauth check says dis=quarantine"

# ---------------------------------------------------------------- From
send two-domains $BAD x@evil.dmarc.example "<x@evil.dmarc.example>, <ceo@reject.dmarc.example>"
t_is "$REPLY" "550 5.7.1 Message refused: several From domains: evil.dmarc.example, reject.dmarc.example" \
    "two-domains: a From with two domains is refused (CVE-2019-16378 shape)"
check two-domains $BAD x@evil.dmarc.example
t_like "$CHECK" '; dmarc=permerror reason="several From domains: evil\.dmarc\.example, reject\.dmarc\.example"$' \
    "two-domains: mauth check says dmarc=permerror"

postfix_stop
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly on SIGTERM" || mauthd_diag
t_done
