#!/bin/bash
# sendmail-e2e.t - end to end through Debian's Sendmail (sendmail-bin, run
# from its .deb unpacked at test time: t/lib/sendmail.sh), which hands each
# message to mauthd by the INPUT_MAIL_FILTER of conf/sendmail.mc.snippet
# (on a loopback port of its own), with a real unbound serving the test
# zone.  Sendmail has no XCLIENT: clients are real loopback addresses
# (127.0.0.1 external, 127.0.0.2 in InternalHosts).
#   - a message DKIM-signed by the From domain (dkimpy, key made here)
#     leaves with mauthd's Authentication-Results: dkim=pass, dmarc=pass;
#     mauthd logs it under Sendmail's queue id (macro {i});
#   - an Authentication-Results field forged with our authserv-id is
#     removed, another server's is kept;
#   - a spoofed From of the p=reject domain gets "550 5.7.1" at swaks and
#     never reaches the sink;
#   - an internal client's message leaves signed by mauthd, and the copy
#     the sink received verifies with dkimpy;
#   - with mauthd gone, F=T makes Sendmail answer 4xx (never unchecked).
# Skipped only when the .deb files are not at hand (scripts/deps.sh test
# fetches them).
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/sendmail.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Sendmail"
sendmail_debs || t_skip_all "$SM_WHY"
for tool in m4 unshare dpkg-deb smtp-sink swaks unbound openssl; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done
# Sendmail waits 60 s at start-up unless its host name has a dot: it gets
# one of its own in a UTS namespace (and its own /etc/hosts and /dev/log)
unshare --uts --mount true 2>/dev/null ||
    t_bail "unshare --uts --mount does not work here: $(unshare --uts --mount true 2>&1)"
PY=/usr/bin/python3
"$PY" -c 'import dkim' 2>/dev/null || t_bail "python3-dkim not installed: run scripts/deps.sh test"

ID=$MAUTHD_AUTHSERV_ID
ID_RE=${ID//./\\.}
DOMAIN=sm.example		# p=reject; its SPF names 192.0.2.10 only
EXTERNAL=127.0.0.1		# not in InternalHosts: verified
INTERNAL=127.0.0.2		# InternalHosts: signed
RCPT=rcpt@$SM_DOMAIN

# ---------------------------------------------------------------- keys, DNS
t_tmpdir WORK
mkdir -m 700 "$WORK/keys"
(umask 077
 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/keys/ext.pem" 2>/dev/null
 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/keys/out.pem" 2>/dev/null) ||
    t_bail "openssl genpkey"
ext_p=$(openssl pkey -in "$WORK/keys/ext.pem" -pubout -outform DER | base64 -w0)
out_p=$(openssl pkey -in "$WORK/keys/out.pem" -pubout -outform DER | base64 -w0)
printf 'out\t%s:out:%s\n' "$DOMAIN" "$WORK/keys/out.pem" >"$WORK/keys/keytable"
printf '*@%s\tout\n' "$DOMAIN" >"$WORK/keys/signingtable"

# zone_txt NAME VALUE: a TXT record in 200-octet character-strings
zone_txt() {
	printf '%s IN TXT (' "$1"
	printf '%s' "$2" | fold -w 200 | sed 's/.*/ "&"/' | tr -d '\n'
	printf ' )\n'
}
ZONE=$WORK/$DOMAIN.zone
{
	printf '$ORIGIN %s.\n$TTL 300\n' "$DOMAIN"
	printf '@ IN SOA ns.%s. hostmaster.%s. ( 1 3600 600 86400 300 )\n' "$DOMAIN" "$DOMAIN"
	printf '@ IN NS ns.%s.\nns IN A 192.0.2.53\n' "$DOMAIN"
	printf '@ IN TXT "v=spf1 ip4:192.0.2.10 -all"\n'
	printf '_dmarc IN TXT "v=DMARC1; p=reject"\n'
	zone_txt ext._domainkey "v=DKIM1; k=rsa; p=$ext_p"
	zone_txt out._domainkey "v=DKIM1; k=rsa; p=$out_p"
} >"$ZONE"
# the key records for dkimpy's verification ("name value" lines)
printf 'ext._domainkey.%s v=DKIM1; k=rsa; p=%s\nout._domainkey.%s v=DKIM1; k=rsa; p=%s\n' \
    "$DOMAIN" "$ext_p" "$DOMAIN" "$out_p" >"$WORK/dns.txt"

dns_server_start "$ZONE" "$T_TOP/t/data/zones/tld/example.zone" ||
    t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "LogLevel debug" "InternalHosts $INTERNAL/32" \
    "KeyTable $WORK/keys/keytable" "SigningTable refile:$WORK/keys/signingtable" ||
    t_bail "mauthd did not start"
sendmail_start "$MAUTHD_PORT" || t_bail "private Sendmail did not start"
t_note "Sendmail $SM_VERSION on 127.0.0.1:$SM_PORT, mauthd $MAUTHD_MILTER, DNS $DNS_ADDR@$DNS_PORT, sink $PF_SINK_PORT"

N=0
# send NAME CLIENT MAILFROM FROM [HEADER-LINE...]: one message through
# Sendmail; sets MSG (the file sent), MSGID, REPLY (Sendmail's reply to it)
# and QID (the queue id in a 250 reply).
# SIGN=SELECTOR signs it first with dkimpy as $DOMAIN.
send()
{
	local name=$1 client=$2 mailfrom=$3 from=$4
	shift 4
	N=$((N + 1))
	MSGID="$name.$N.$$@$SM_DOMAIN"
	MSG=$WORK/$name.eml
	postfix_make_msg "$MSG" "$MSGID" "$from" "$RCPT" "Sendmail case $name" "$@" \
	    -- "Hello,"$'\n\n'"a line of Sendmail case $name."
	if [ -n "${SIGN:-}" ]; then
		if "$PY" "$T_TOP/t/lib/dkim-interop.py" sign "$WORK/keys/$SIGN.pem" \
		    "$DOMAIN" "$SIGN" relaxed/relaxed <"$MSG" >"$MSG.signed"; then
			mv "$MSG.signed" "$MSG"
		else
			t_diag "dkimpy could not sign $MSG"
		fi
	fi
	sendmail_send "$WORK/$name.smtp" "$client" "mx.client.example" \
	    "$mailfrom" "$RCPT" "$MSG"
	REPLY=$(postfix_reply "$WORK/$name.smtp")
	QID=$(printf '%s\n' "$REPLY" | sed -n 's/^250 2\.0\.0 \([0-9A-Za-z]*\) .*/\1/p')
}

# delivered NAME: wait for the sink's copy of MSGID; sets COPY and AR (the
# values of its Authentication-Results fields with our authserv-id)
delivered()
{
	if COPY=$(sendmail_wait_msg "$MSGID"); then
		t_ok 0 "$1: delivered to the sink"
		AR=$(postfix_header "$COPY" Authentication-Results | grep -iE "^$ID_RE;" || true)
	else
		t_ok 1 "$1: delivered to the sink"
		COPY=/dev/null AR=
		mauthd_diag
	fi
}

# ---------------------------------------------------------------- (a) verify
SIGN=ext send signed $EXTERNAL news@$DOMAIN "CEO <ceo@$DOMAIN>"
t_like "$REPLY" '^250 2\.0\.0 [0-9A-Za-z]+ Message accepted for delivery$' \
    "signed: Sendmail accepts a DKIM-signed message from $EXTERNAL" ||
    { t_diag_file "$WORK/signed.smtp" 20; mauthd_diag; }
delivered signed
t_like "$AR" "^$ID_RE; spf=fail [^;]*smtp\\.mailfrom=news@sm\\.example; dkim=pass [^;]*header\\.d=sm\\.example[^;]*; dmarc=pass \\(p=reject sp=reject dis=none\\) header\\.from=sm\\.example$" \
    "signed: mauthd's Authentication-Results: spf=fail (loopback), dkim=pass, dmarc=pass"
t_like "$(grep -F "info: $QID: " "$MAUTHD_LOG")" "^mauthd\\[[0-9]+\\]: info: $QID: ip=127\\.0\\.0\\.1 .* dkim=pass:sm\\.example:ext .*action=accept" \
    "signed: mauthd logs the message under Sendmail's queue id ($QID, macro {i})"

# ---------------------------------------------------------------- (b) forged A-R
SIGN=ext send forged $EXTERNAL news@$DOMAIN "CEO <ceo@$DOMAIN>" \
    "Authentication-Results: $ID; spf=pass smtp.mailfrom=ceo@$DOMAIN; dkim=pass header.d=forged.example" \
    "Authentication-Results: other.example; spf=pass smtp.mailfrom=news@$DOMAIN"
t_like "$REPLY" '^250 ' "forged: accepted"
delivered forged
t_is "$(printf '%s\n' "$AR" | grep -c .)" 1 \
    "forged: one Authentication-Results field with our authserv-id in the sink's copy"
t_unlike "$AR" 'forged\.example' "  mauthd's own, not the forged one"
t_like "$(postfix_header "$COPY" Authentication-Results)" '^other\.example; spf=pass' \
    "  another server's field is kept"
t_like "$(grep -F "info: $QID: " "$MAUTHD_LOG")" ' forged_ar_removed=1 ' \
    "  mauthd logs forged_ar_removed=1"

# ---------------------------------------------------------------- (c) p=reject
send spoof $EXTERNAL ceo@$DOMAIN "CEO <ceo@$DOMAIN>"
t_is "$REPLY" "550 5.7.1 Email rejected per DMARC policy for $DOMAIN" \
    "spoof: swaks sees 550 5.7.1 naming the domain (SPF fails from $EXTERNAL, no DKIM)" ||
    { t_diag_file "$WORK/spoof.smtp" 20; mauthd_diag; }
sleep 0.5
t_ok "$(grep -qF "$MSGID" "$PF_DUMP"/* 2>/dev/null && echo 1 || echo 0)" \
    "spoof: nothing reached the sink"
t_like "$(grep -F "header_from=$DOMAIN" "$MAUTHD_LOG" | tail -n 1)" \
    'spf=fail .*dmarc=fail .*action=reject' "spoof: mauthd logs spf=fail dmarc=fail action=reject"

# ---------------------------------------------------------------- (d) sign
send outbound $INTERNAL alice@$DOMAIN "Alice <alice@$DOMAIN>"
t_like "$REPLY" '^250 ' "outbound: Sendmail accepts an internal client's message ($INTERNAL)"
delivered outbound
SIGS=$(postfix_header "$COPY" DKIM-Signature)
t_is "$(printf '%s\n' "$SIGS" | grep -c .)" 1 "outbound: the sink's copy carries one DKIM-Signature"
t_like "$SIGS" "a=rsa-sha256; c=relaxed/relaxed; d=sm\\.example; s=out;" "  rsa-sha256, d=$DOMAIN, s=out"
t_is "$AR" "" "  and no Authentication-Results of ours (outbound mail is not verified)"
t_is "$("$PY" "$T_TOP/t/lib/dkim-interop.py" verify "$WORK/dns.txt" "$COPY")" pass \
    "  dkimpy verifies the copy Sendmail delivered"
t_like "$(cat "$MAUTHD_LOG")" "internal=yes signed=$DOMAIN/out action=accept" \
    "  mauthd logs the signature it made"

# ---------------------------------------------------------------- F=T
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly on SIGTERM" || mauthd_diag
send down $EXTERNAL news@$DOMAIN "CEO <ceo@$DOMAIN>"
t_like "$(grep -E '^ *<(-|\*\*) +[0-9]{3} ' "$WORK/down.smtp" | sed -n '/4[0-9][0-9] /{p;q}')" \
    '^ *<(-|\*\*) +4[0-9][0-9] 4\.' "mauthd down: Sendmail answers 4xx (F=T), never accepts unchecked" ||
    t_diag_file "$WORK/down.smtp" 20

sendmail_stop
t_done
