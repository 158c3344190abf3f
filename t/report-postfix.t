#!/bin/bash
# report-postfix.t - DMARC aggregate reports end to end: messages through
# a real Postfix and mauthd (DNS from a real unbound) are recorded in the
# SQLite store; `mauth report` shows them, writes them (--dry-run) and
# sends them through the same Postfix to its sink.  Each attachment is
# decompressed and validated with xmllint against the RFC 9990 schema
# (RFC 7489's in legacy mode, delivered through ReportSendmail), and its
# counts are the messages sent, per source and result.  Also: Subject and
# file name as RFC 9990 prescribes them, DKIM results with their
# selectors (dkimpy signs), an external destination without
# an authorisation record is not sent to (and the output says so), one
# with it is, a failed delivery is retried with the same Report-ID, a
# period already sent is not sent again, expiry.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink swaks unbound xmllint; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done

MAUTH=${top_builddir:-$T_TOP}/tools/mauth
PY=/usr/bin/python3
REPORT_PY=$T_TOP/t/lib/dmarc_report.py
SCHEMA=$T_TOP/t/vectors/dmarc/schemas/dmarcbis-aggregate-dmarc-xml-0.2.xsd
ZONES=$T_TOP/t/data/zones
GOOD=192.0.2.10 BAD=203.0.113.9
SUBMITTER=mx.e2e.test

t_tmpdir WORK
# dkim.example: no SPF, p=reject, a DKIM key made now; its mail passes
# DMARC through DKIM alone
openssl genrsa -out "$WORK/dkim.key" 2048 2>/dev/null || t_bail "openssl genrsa failed"
pub=$(openssl rsa -in "$WORK/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
{
	cat <<'ZONE'
$ORIGIN dkim.example.
$TTL 300
@	IN SOA	ns.dkim.example. hostmaster.dkim.example. 1 3600 600 86400 300
@	IN NS	ns
ns	IN A	192.0.2.53
_dmarc	IN TXT	"v=DMARC1; p=reject; rua=mailto:agg@dkim.example"
ZONE
	printf 'sel._domainkey IN TXT ( "v=DKIM1; k=rsa; "'
	printf '%s' "p=$pub" | fold -w 200 | sed 's/.*/ "&"/' | tr -d '\n'
	printf ' )\n'
} >"$WORK/dkim.example.zone"

dns_server_start "$ZONES/e2e/report.example.zone" "$ZONES/e2e/vendor.example.zone" \
    "$WORK/dkim.example.zone" "$ZONES/tld/example.zone" || t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "LogLevel debug" || t_bail "mauthd did not start"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"

# ---------------------------------------------------------------- mail
N=0
SENT_IDS=() ACCEPTED=()
# send NAME CLIENT FROM-DOMAIN WANT-REPLY-RE: one message, its reply checked
send()
{
	local name=$1 client=$2 dom=$3 want=$4 msgid msg out
	N=$((N + 1))
	msgid="$name.$N.$$@e2e.test"
	msg=$WORK/$name.$N.eml out=$WORK/$name.$N.smtp
	postfix_make_msg "$msg" "$msgid" "user@$dom" "rcpt@$PF_DOMAIN" "$name" \
	    -- "Reporting case $name."
	[ "$dom" != dkim.example ] || sign "$msg" "$dom"
	postfix_send "$out" "$client" "client.e2e.example" "mx.client.e2e.example" \
	    "user@$dom" "rcpt@$PF_DOMAIN" "$msg"
	t_like "$(postfix_reply "$out")" "$want" "$name #$N: $want" ||
	    t_diag_file "$out" 20
	SENT_IDS+=("<$msgid>")
	[ "$want" != '^250 ' ] || ACCEPTED+=("$msgid")
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

T0=$(date +%s)
for i in 1 2 3; do send a-pass $GOOD a.report.example '^250 '; done
for i in 1 2; do send a-fail $BAD a.report.example '^550 5\.7\.1 '; done
for i in 1 2; do send b-fail $BAD b.report.example '^250 '; done
send c-pass $GOOD c.report.example '^250 '
for i in 1 2; do send dkim-pass $BAD dkim.example '^250 '; done
T1=$(($(date +%s) + 1))
PERIOD=(--from "$((T0 - 60))" --to "$T1")
for id in "${ACCEPTED[@]}"; do
	postfix_wait_msg "$id" >/dev/null || t_bail "<$id> not delivered"
done
SINK0=$(ls "$PF_DUMP" | wc -l)
t_is "$SINK0" 8 "the 8 accepted messages reached the sink"
# A copy of the store for the legacy-format run below (nothing is being
# written now: every message has been answered).
cp "$MAUTHD_DIR/report/reports.db" "$WORK/legacy.db"
cp "$MAUTHD_DIR/report/reports.db-wal" "$WORK/legacy.db-wal" 2>/dev/null

# ---------------------------------------------------------------- rows
run_mauth()
{
	OUT=$("$MAUTH" report "$@" 2>&1)
	RC=$?
}

run_mauth rows -c "$MAUTHD_CONF" "${PERIOD[@]}"
t_is "$RC" 0 "mauth report rows exits 0" || t_diag "$OUT"
t_is "$(printf '%s\n' "$OUT" | grep -c .)" 10 "10 messages, 10 rows (rejected ones included)"
t_is "$(printf '%s\n' "$OUT" | cut -f3 | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "${SENT_IDS[@]}" | sort | tr '\n' ' ')" \
    "  one row per Message-ID sent"
t_is "$(printf '%s\n' "$OUT" | awk -F'\t' '$4 == "a.report.example" && $6 == "'$BAD'" {print $7, $8}' | sort -u)" \
    "fail reject" "  a.report.example from $BAD: dmarc fail, disposition reject"
t_is "$(printf '%s\n' "$OUT" | cut -f2 | sort -u)" "$MAUTHD_AUTHSERV_ID" \
    "  reporter is mauthd's AuthservID"

# ---------------------------------------------------------------- show
run_mauth show -c "$MAUTHD_CONF" --domain a.report.example
t_is "$RC" 0 "mauth report show exits 0"
t_like "$OUT" "messages +5" "  a.report.example: 5 messages"
t_like "$OUT" "dmarc pass +3 \(60\.0%\)" "  3 pass (60%)"
t_like "$OUT" "dmarc fail +2 \(40\.0%\): 0 quarantined, 2 rejected" "  2 fail, rejected"
t_like "$OUT" "top failing $BAD +2 failed" "  top failing source $BAD"

# ---------------------------------------------------------------- configs
# mauth reads mauthd's file plus the Report* keys (set once: no repeats)
mauth_conf()
{
	local file=$WORK/$1.conf
	shift
	cp "$MAUTHD_CONF" "$file"
	printf '%s\n' "ReportEmail dmarc-reports@$SUBMITTER" "ReportOrgName E2E Test" \
	    "ReportContactInfo https://$SUBMITTER/dmarc" "$@" >>"$file"
	echo "$file"
}
DEAD_PORT=$(t_free_port)
CONF_DEAD=$(mauth_conf dead "ReportSMTPServer 127.0.0.1:$DEAD_PORT" "ReportSMTPTLS none")
CONF_SMTP=$(mauth_conf smtp "ReportSMTPServer $PF_ADDR:$PF_PORT" "ReportSMTPTLS opportunistic")

# ---------------------------------------------------------------- dry run
mkdir "$WORK/dry"
run_mauth send -c "$CONF_SMTP" "${PERIOD[@]}" --dry-run "$WORK/dry"
t_is "$RC" 0 "send --dry-run exits 0" || t_diag "$OUT"
t_is "$(ls "$WORK/dry" | wc -l)" 4 "  one file per policy domain with rua"
t_like "$(ls "$WORK/dry")" "^$SUBMITTER!a\.report\.example!$((T0 - 60))!$T1![0-9a-f]{32}\.xml\.gz$" \
    "  named receiver!domain!begin!end!id.xml.gz (RFC 9990)"
for f in "$WORK"/dry/*.xml.gz; do
	gunzip -c "$f" >"${f%.gz}"
	xmllint --noout --schema "$SCHEMA" "${f%.gz}" 2>"$WORK/lint"
	t_ok $? "  $(basename "$f" | cut -d'!' -f2): valid RFC 9990 XML" ||
	    t_diag_file "$WORK/lint"
done
t_like "$OUT" "b\.report\.example -> dmarc@vendor\.example: would be sent \(external, authorised\)" \
    "  vendor.example's authorisation record found"
t_like "$OUT" "c\.report\.example -> dmarc@stranger\.example: not sent: external destination not authorised: no v=DMARC1 record at c\.report\.example\._report\._dmarc\.stranger\.example" \
    "  stranger.example: not sent, and said so"
t_is "$(ls "$PF_DUMP" | wc -l)" "$SINK0" "  nothing mailed"

# ---------------------------------------------------------------- failure
run_mauth send -c "$CONF_DEAD" "${PERIOD[@]}"
t_is "$RC" 1 "send through a relay that is down exits 1"
t_like "$OUT" "a\.report\.example -> agg@a\.report\.example: failed, retried by the next run: 127\.0\.0\.1 port $DEAD_PORT: cannot connect" \
    "  and says what failed"
ID_A=$(printf '%s\n' "$OUT" | sed -n 's/^a\.report\.example: report \([0-9a-f]*\):.*/\1/p')
t_like "$ID_A" '^[0-9a-f]{32}$' "  a.report.example's Report-ID $ID_A"

# ---------------------------------------------------------------- send
run_mauth send -c "$CONF_SMTP" "${PERIOD[@]}"
t_is "$RC" 0 "send through Postfix exits 0" || t_diag "$OUT"
t_like "$OUT" "a\.report\.example -> agg@a\.report\.example: sent report $ID_A \(retry\)" \
    "  the failed report is retried with the same Report-ID"
t_like "$OUT" "b\.report\.example -> agg@b\.report\.example: sent report" "  b to its own domain"
t_like "$OUT" "b\.report\.example -> dmarc@vendor\.example: sent report" "  b to vendor.example"
t_like "$OUT" "c\.report\.example -> dmarc@stranger\.example: not sent: external destination not authorised" \
    "  c: not sent to stranger.example, said so"

# check_report NAME REPORT-ID DOMAIN WANT-COUNTS: the sink's copy
check_report()
{
	local name=$1 id=$2 dom=$3 want=$4 copy line file
	if ! copy=$(postfix_wait_msg "$id@$SUBMITTER"); then
		t_ok 1 "$name: report delivered to the sink"
		return
	fi
	t_ok 0 "$name: report delivered to the sink"
	mkdir -p "$WORK/$name"
	line=$("$PY" "$REPORT_PY" attachment "$copy" "$WORK/$name")
	file=$(printf '%s' "$line" | cut -f1)
	t_like "$file" "^$SUBMITTER!${dom//./\\.}!$((T0 - 60))!$T1!$id\.xml\.gz$" \
	    "  attachment $file"
	t_is "$(printf '%s' "$line" | cut -f2)" \
	    "Report Domain: $dom Submitter: $SUBMITTER Report-ID: <$id>" "  Subject (RFC 9990)"
	gunzip -c "$WORK/$name/$file" >"$WORK/$name/report.xml"
	t_ok $? "  decompresses"
	xmllint --noout --schema "$SCHEMA" "$WORK/$name/report.xml" 2>"$WORK/lint"
	t_ok $? "  validates against the RFC 9990 schema" || t_diag_file "$WORK/lint"
	t_is "$("$PY" "$REPORT_PY" field "$WORK/$name/report.xml" report_metadata/report_id)" \
	    "$id" "  report_id is the Report-ID"
	t_is "$("$PY" "$REPORT_PY" counts "$WORK/$name/report.xml")" "$want" \
	    "  counts per source and result are the messages sent"
}

check_report a "$ID_A" a.report.example \
"$GOOD pass fail pass pass a.report.example 3
$BAD reject fail fail fail a.report.example 2"
ID_B=$(printf '%s\n' "$OUT" | sed -n 's/^b\.report\.example: report \([0-9a-f]*\):.*/\1/p')
check_report b "$ID_B" b.report.example \
"$BAD none fail fail fail b.report.example 2"
ID_D=$(printf '%s\n' "$OUT" | sed -n 's/^dkim\.example: report \([0-9a-f]*\):.*/\1/p')
check_report dkim "$ID_D" dkim.example \
"$BAD pass pass fail none dkim.example 2"
t_is "$("$PY" "$REPORT_PY" dkim "$WORK/dkim/report.xml")" "$BAD dkim.example sel pass" \
    "  with the DKIM result: domain, selector sel, pass"
t_is "$(grep -lF "<$ID_B@$SUBMITTER>" "$PF_DUMP"/* | wc -l)" 2 \
    "b's report went to both destinations"
t_is "$(grep -l 'Report Domain: c\.report\.example' "$PF_DUMP"/* 2>/dev/null | wc -l)" 0 \
    "c's report was not mailed"

# ---------------------------------------------------------------- again
BEFORE=$(ls "$PF_DUMP" | wc -l)
run_mauth send -c "$CONF_SMTP" "${PERIOD[@]}"
t_is "$RC" 0 "a second run exits 0"
t_is "$(printf '%s\n' "$OUT" | grep -c 'already sent for this period')" 4 \
    "  the four deliveries are not repeated"
sleep 1
t_is "$(ls "$PF_DUMP" | wc -l)" "$BEFORE" "  nothing more reaches the sink"

# ---------------------------------------------------------------- legacy
# RFC 7489 format through ReportSendmail, on the copy of the store made
# before anything was sent (so the sent-log above does not stop it).
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly"
cat >"$WORK/sendmail" <<EOF
#!/bin/sh
n=\$(ls "$WORK/legacy-out" | grep -c "^mail")
printf '%s\n' "\$*" >"$WORK/legacy-out/args.\$n"
cat >"$WORK/legacy-out/mail.\$n"
EOF
chmod 755 "$WORK/sendmail"
mkdir "$WORK/legacy-out"
CONF_LEGACY=$(mauth_conf legacy "ReportFormat rfc7489" "ReportSendmail $WORK/sendmail")
sed -i "s|^ReportStore .*|ReportStore sqlite:$WORK/legacy.db|" "$CONF_LEGACY"
run_mauth send -c "$CONF_LEGACY" "${PERIOD[@]}" --domain a.report.example
t_is "$RC" 0 "legacy send through ReportSendmail exits 0" || t_diag "$OUT"
t_is "$(cat "$WORK/legacy-out/args.0" 2>/dev/null)" "-t -oi -f dmarc-reports@$SUBMITTER" \
    "  sendmail -t -oi -f ReportEmail"
mkdir "$WORK/legacy"
file=$("$PY" "$REPORT_PY" attachment "$WORK/legacy-out/mail.0" "$WORK/legacy" | cut -f1)
gunzip -c "$WORK/legacy/$file" >"$WORK/legacy/report.xml"
sed 's| targetNamespace="http://dmarc.org/dmarc-xml/0.1"||' \
    "$T_TOP/t/vectors/dmarc/schemas/rfc7489-appendix-c.xsd" >"$WORK/rfc7489.xsd"
xmllint --noout --schema "$WORK/rfc7489.xsd" "$WORK/legacy/report.xml" 2>"$WORK/lint"
t_ok $? "  validates against the RFC 7489 appendix C schema" || t_diag_file "$WORK/lint"
t_unlike "$(cat "$WORK/legacy/report.xml")" "xmlns" "  without a namespace"
t_is "$("$PY" "$REPORT_PY" counts "$WORK/legacy/report.xml")" \
"$GOOD none fail pass pass a.report.example 3
$BAD reject fail fail fail a.report.example 2" "  counts per source and result"

# ---------------------------------------------------------------- expire
run_mauth expire -c "$CONF_SMTP" --older-than 1d
t_is "$OUT" "0 rows older than 1d deleted" "expire --older-than 1d: nothing that young"
sleep 1
run_mauth expire -c "$CONF_SMTP" --older-than 0s
t_is "$OUT" "10 rows older than 0s deleted" "expire --older-than 0s: every row"
run_mauth rows -c "$CONF_SMTP"
t_is "$OUT" "" "  none left"

postfix_stop
t_done
