#!/bin/bash
# postfix-spf.t - end to end: a real Postfix hands each message to mauthd,
# which checks SPF against a real unbound DNS server on loopback, and the
# copy Postfix relays to smtp-sink carries mauthd's Authentication-Results.
#
# Clients are set with XCLIENT (192.0.2.10 is authorised by the records of
# t/data/zones/e2e/e2e.example.zone, 203.0.113.9 is not).  Checked: pass,
# fail, softfail, temperror (DNS server stopped, a name never asked
# before), removal of a forged A-R claiming our authserv-id while another
# id's is kept, and smtp.helo= for the null sender.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink swaks unbound; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done

ID=$MAUTHD_AUTHSERV_ID		# mauth.e2e.test
ID_RE=${ID//./\\.}
ZONE=$T_TOP/t/data/zones/e2e/e2e.example.zone
GOOD=192.0.2.10			# authorised by every record of the zone
BAD=203.0.113.9			# authorised by none

# The TLD zone answers the DMARC tree walk's last query (_dmarc.example,
# RFC 9989 4.10); the server refuses names outside its zones.
dns_server_start "$ZONE" "$T_TOP/t/data/zones/tld/example.zone" ||
    t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "On-TempError accept" "LogLevel debug" ||
    t_bail "mauthd did not start"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"
t_note "DNS $DNS_ADDR@$DNS_PORT, mauthd $MAUTHD_MILTER, Postfix $PF_ADDR:$PF_PORT"

N=0
# deliver NAME CLIENT HELO MAILFROM [HEADER-LINE...]: one message through
# Postfix; sets COPY (the sink's copy, "" if none) and AR (its
# Authentication-Results values, one a line).  Two tests: accepted with
# 250, and delivered.
deliver()
{
	local name=$1 client=$2 helo=$3 from=$4 msgid msg out
	shift 4
	N=$((N + 1))
	msgid="$name.$N.$$@e2e.test"
	msg=$PF_DIR/$name.eml out=$PF_DIR/$name.smtp
	postfix_make_msg "$msg" "$msgid" "${from/#<>/postmaster@e2e.example}" \
	    "rcpt@$PF_DOMAIN" "$name" "$@" -- "SPF case $name."
	postfix_send "$out" "$client" "client.e2e.example" "$helo" "$from" \
	    "rcpt@$PF_DOMAIN" "$msg"
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

# ours: the A-R values that claim our authserv-id
ours()
{
	printf '%s\n' "$AR" | grep -iE "^$ID_RE;" || true
}

# expect_spf NAME RESULT PROPERTY [DMARC]: exactly one A-R of ours, with
# that result, and dmarc=DMARC (default none: the sender domains publish no
# DMARC record; DMARC has its own end-to-end test, t/postfix-dmarc.t)
expect_spf()
{
	local name=$1 result=$2 prop=$3 dmarc=${4:-none} mine
	mine=$(ours)
	t_is "$(printf '%s' "$mine" | grep -c .)" 1 "$name: one Authentication-Results with authserv-id $ID"
	# the test messages are unsigned: DKIM adds "dkim=none"
	if ! t_like "$mine" "^$ID_RE; spf=$result( reason=\"[^\"]*\")? ${prop//./\\.}; dkim=none; dmarc=$dmarc( reason=\"[^\"]*\")? header\\.from=[a-z0-9.-]+$" \
	    "$name: $ID; spf=$result $prop; dkim=none; dmarc=$dmarc"; then
		t_diag "all A-R fields of the sink's copy:" "$AR"
		mauthd_diag
	fi
}

# ---------------------------------------------------------------- results
deliver pass $GOOD mx.client.e2e.example alice@pass.e2e.example
expect_spf pass pass smtp.mailfrom=alice@pass.e2e.example

deliver fail $BAD mx.client.e2e.example alice@fail.e2e.example
expect_spf fail fail smtp.mailfrom=alice@fail.e2e.example

deliver softfail $BAD mx.client.e2e.example alice@softfail.e2e.example
expect_spf softfail softfail smtp.mailfrom=alice@softfail.e2e.example

# The null sender: SPF checks the HELO identity (RFC 7208 section 2.3).
deliver null-sender $GOOD mx.helo.e2e.example "<>"
expect_spf null-sender pass smtp.helo=mx.helo.e2e.example

# ---------------------------------------------------------------- forged A-R
# RFC 8601 section 5: fields claiming our authserv-id are removed, in any
# case and after a comment; another authserv-id's field is kept.
deliver forged-ar $GOOD mx.client.e2e.example bob@forged.e2e.example \
    "Authentication-Results: $ID; dkim=pass header.d=forged-one.example" \
    "Authentication-Results: (comment) ${ID^^};"$'\n\t'"dkim=pass header.d=forged-two.example" \
    "Authentication-Results: other.example; dkim=pass header.d=kept.example"
expect_spf forged-ar pass smtp.mailfrom=bob@forged.e2e.example
t_unlike "$AR" 'forged-one\.example' "forged-ar: forged field with our id removed"
t_unlike "$AR" 'forged-two\.example' "forged-ar: forged field with our id in other case, after a comment, folded, removed"
t_like "$AR" '^other\.example; dkim=pass header\.d=kept\.example$' \
    "forged-ar: field of another authserv-id kept"

# ---------------------------------------------------------------- temperror
# Stop the DNS server; temp.e2e.example was never asked, so neither
# mauthd's cache nor anything else can answer it: the lookup fails or
# times out (DNSTimeout $MAUTHD_DNS_TIMEOUT) and SPF is temperror.
t_is "$(dns_server_queries temp.e2e.example)" 0 "temperror: temp.e2e.example not asked before"
dns_server_stop
deliver temperror $GOOD mx.client.e2e.example alice@temp.e2e.example
expect_spf temperror temperror smtp.mailfrom=alice@temp.e2e.example temperror

postfix_stop
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly on SIGTERM" || mauthd_diag
t_done
