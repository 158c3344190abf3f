#!/bin/bash
# postfix-dkim.t - end to end: a real Postfix hands each message to mauthd,
# which finds DKIM keys in a real unbound DNS server on loopback.
#
#   - an internal client's message (InternalHosts) leaves signed, with RSA
#     and Ed25519 (one SigningTable entry naming two keys), and the copy
#     smtp-sink receives verifies with dkimpy and with mauth;
#   - an external message carrying a valid signature (made by mauth sign)
#     gets dkim=pass in mauthd's Authentication-Results, a changed one
#     dkim=fail, an unsigned one dkim=none.
# Keys are made here by openssl (test-only).
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
$PY -c 'import dkim, nacl' 2>/dev/null ||
    t_skip_all "python3-dkim or python3-nacl not installed"
MAUTH=${top_builddir:-$T_TOP}/tools/mauth
TOOL=${top_builddir:-$T_TOP}/t/c/dkim-tool
[ -x "$MAUTH" ] && [ -x "$TOOL" ] || t_skip_all "tools/mauth or t/c/dkim-tool not built"

ID=$MAUTHD_AUTHSERV_ID		# mauth.e2e.test
DOMAIN=dkim.e2e.example
INTERNAL=192.0.2.10		# InternalHosts below
EXTERNAL=203.0.113.9

# ---------------------------------------------------------------- keys, DNS
t_tmpdir DIR
mkdir -m 700 "$DIR/keys"
(umask 077
 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DIR/keys/rsa.pem" 2>/dev/null
 openssl genpkey -algorithm ed25519 -out "$DIR/keys/ed.pem" 2>/dev/null)
rsa_p=$(openssl pkey -in "$DIR/keys/rsa.pem" -pubout -outform DER | base64 -w0)
ed_p=$(openssl pkey -in "$DIR/keys/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
printf 'rsa\t%s:rsa2026:./rsa.pem\ned\t%s:ed2026:./ed.pem\n' "$DOMAIN" "$DOMAIN" >"$DIR/keys/keytable"
printf '*@%s\trsa,ed\n' "$DOMAIN" >"$DIR/keys/signingtable"

# zone_txt NAME VALUE: a TXT record in 200-octet character-strings
zone_txt() {
	printf '%s IN TXT (' "$1"
	printf '%s' "$2" | fold -w 200 | sed 's/.*/ "&"/' | tr -d '\n'
	printf ' )\n'
}
{
	printf '$ORIGIN %s.\n$TTL 300\n' "$DOMAIN"
	printf '@ IN SOA ns.%s. hostmaster.%s. ( 1 3600 600 86400 300 )\n' "$DOMAIN" "$DOMAIN"
	printf '@ IN NS ns.%s.\nns IN A 192.0.2.53\n' "$DOMAIN"
	printf '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
	zone_txt rsa2026._domainkey "v=DKIM1; k=rsa; p=$rsa_p"
	zone_txt ed2026._domainkey "v=DKIM1; k=ed25519; p=$ed_p"
} >"$DIR/$DOMAIN.zone"
# the same records for dkimpy and dkim-tool ("name value" lines)
printf 'rsa2026._domainkey.%s v=DKIM1; k=rsa; p=%s\ned2026._domainkey.%s v=DKIM1; k=ed25519; p=%s\n' \
    "$DOMAIN" "$rsa_p" "$DOMAIN" "$ed_p" >"$DIR/dns.txt"

# The DMARC tree walk (RFC 9989 4.10) asks up to _dmarc.example: serve the
# zones above $DOMAIN too (the server refuses names outside its zones).
dns_server_start "$DIR/$DOMAIN.zone" "$T_TOP/t/data/zones/e2e/e2e.example.zone" \
    "$T_TOP/t/data/zones/tld/example.zone" || t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "LogLevel debug" \
    "InternalHosts 127.0.0.0/8, ::1, $INTERNAL/32" \
    "KeyTable $DIR/keys/keytable" "SigningTable refile:$DIR/keys/signingtable" ||
    t_bail "mauthd did not start"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"
t_note "DNS $DNS_ADDR@$DNS_PORT, mauthd $MAUTHD_MILTER, Postfix $PF_ADDR:$PF_PORT"

N=0
# deliver NAME CLIENT MSGFILE MSGID: one message through Postfix; sets COPY
# (the sink's copy) and AR (its Authentication-Results values)
deliver()
{
	local name=$1 client=$2 msg=$3 msgid=$4 out=$PF_DIR/$1.smtp
	postfix_send "$out" "$client" "client.e2e.example" "mx.client.e2e.example" \
	    "alice@$DOMAIN" "rcpt@$PF_DOMAIN" "$msg"
	t_like "$(postfix_reply "$out")" '^250 ' "$name: Postfix accepts the message" ||
	    t_diag_file "$out" 20
	COPY= AR=
	if COPY=$(postfix_wait_msg "$msgid"); then
		t_ok 0 "$name: delivered to the sink"
		AR=$(postfix_header "$COPY" Authentication-Results)
	else
		t_ok 1 "$name: delivered to the sink"
		mauthd_diag
	fi
}

# make NAME: a new message from alice@$DOMAIN; sets MSG and MSGID
make_msg()
{
	N=$((N + 1))
	MSGID="$1.$N.$$@e2e.test" MSG=$PF_DIR/$1.eml
	postfix_make_msg "$MSG" "$MSGID" "Alice <alice@$DOMAIN>" "rcpt@$PF_DOMAIN" \
	    "DKIM case $1" -- "Hello,"$'\n\n'"a line of DKIM case $1."
}

# ---------------------------------------------------------------- outbound
make_msg outbound
deliver outbound "$INTERNAL" "$MSG" "$MSGID"
SIGS=$(postfix_header "$COPY" DKIM-Signature)
t_is "$(printf '%s\n' "$SIGS" | grep -c .)" 2 "outbound: the sink's copy carries two DKIM-Signature fields"
t_like "$SIGS" "a=rsa-sha256; c=relaxed/relaxed; d=$DOMAIN; s=rsa2026;" "  one rsa-sha256, s=rsa2026"
t_like "$SIGS" "a=ed25519-sha256; c=relaxed/relaxed; d=$DOMAIN; s=ed2026;" "  one ed25519-sha256, s=ed2026"
t_unlike "$AR" "^$ID" "  and no Authentication-Results of ours (outbound mail is not verified)"
t_is "$($PY "$T_TOP/t/lib/dkim-interop.py" verify "$DIR/dns.txt" "$COPY")" pass \
    "  dkimpy verifies the copy Postfix delivered"
t_is "$("$TOOL" "$DIR/dns.txt" "$COPY" | cut -d' ' -f1-3 | tr '\n' ';')" \
    "pass d=$DOMAIN s=rsa2026;pass d=$DOMAIN s=ed2026;" "  mauth verifies both signatures"
t_like "$(cat "$MAUTHD_LOG")" "internal=yes signed=$DOMAIN/rsa2026,$DOMAIN/ed2026 action=accept" \
    "  mauthd logs the signatures it made"

# ---------------------------------------------------------------- inbound
make_msg signed
"$MAUTH" sign -d "$DOMAIN" -s rsa2026 -k "$DIR/keys/rsa.pem" "$MSG" >"$MSG.signed" ||
    t_bail "mauth sign failed"
deliver signed "$EXTERNAL" "$MSG.signed" "$MSGID"
t_like "$AR" "^$ID; spf=fail smtp\.mailfrom=alice@$DOMAIN; dkim=pass header\.d=$DOMAIN header\.i=@$DOMAIN header\.s=rsa2026 header\.a=rsa-sha256 header\.b=" \
    "external, valid signature: dkim=pass in mauthd's Authentication-Results"

make_msg tampered
"$MAUTH" sign -d "$DOMAIN" -s ed2026 -k "$DIR/keys/ed.pem" "$MSG" |
    sed 's/a line of DKIM case/a CHANGED line of DKIM case/' >"$MSG.tampered"
deliver tampered "$EXTERNAL" "$MSG.tampered" "$MSGID"
t_like "$AR" "^$ID; spf=fail smtp\.mailfrom=alice@$DOMAIN; dkim=fail reason=\"body hash mismatch: the body was changed\" header\.d=$DOMAIN header\.i=@$DOMAIN header\.s=ed2026 header\.a=ed25519-sha256" \
    "external, body changed after signing: dkim=fail"

make_msg unsigned
deliver unsigned 198.51.100.20 "$MSG" "$MSGID"
t_like "$AR" "^$ID; spf=fail smtp\.mailfrom=alice@$DOMAIN; dkim=none; dmarc=none header\.from=$DOMAIN$" \
    "external, unsigned: dkim=none (and dmarc=none: $DOMAIN publishes no DMARC record)"

mauthd_stop
t_is $? 0 "mauthd stops cleanly on SIGTERM"
t_done
