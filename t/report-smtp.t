#!/bin/bash
# report-smtp.t - report delivery through an SMTP relay that needs
# STARTTLS and AUTH (t/lib/smtp_tls_server.py): the certificate is
# verified against ReportSMTPCAFile (a wrong CA fails, naming the error),
# the password is never sent without TLS, a wrong password fails with the
# server's reply, and the right settings deliver the report inside TLS,
# authenticated.  Rows come from mauthd driven by bench/milter-load.
. "$(dirname "$0")/lib/dns-server.sh"
. "$(dirname "$0")/lib/mauthd.sh"
t_cleanup dns_cleanup

for tool in unbound openssl xmllint; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done
MAUTH=${top_builddir:-$T_TOP}/tools/mauth
LOAD=${top_builddir:-$T_TOP}/bench/milter-load
[ -x "$LOAD" ] || t_bail "$LOAD not built"
PY=/usr/bin/python3
ZONES=$T_TOP/t/data/zones

dns_server_start "$ZONES/e2e/report.example.zone" "$ZONES/tld/example.zone" ||
    t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" || t_bail "mauthd did not start"
t_tmpdir WORK
OUT=$("$LOAD" -s "inet:$MAUTHD_PORT@127.0.0.1" -c 2 -n 20 -a 192.0.2.10 \
    -F user@a.report.example -R rcpt@e2e.test 2>&1)
t_like "$OUT" "accept=20 " "20 messages through mauthd" || t_diag "$OUT"

# ---------------------------------------------------------------- relay
cert()
{
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
	    -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/$1.key" \
	    -out "$WORK/$1.crt" >/dev/null 2>&1
}
cert relay || t_bail "openssl could not make a certificate"
cert other
mkdir "$WORK/relay"
"$PY" "$T_TOP/t/lib/smtp_tls_server.py" "$WORK/port" "$WORK/relay" \
    "$WORK/relay.crt" "$WORK/relay.key" reports 's3cret pass' &
SERVER_PID=$!
t_cleanup "kill $SERVER_PID 2>/dev/null"
t_wait_until 10 test -s "$WORK/port" || t_bail "the test SMTP server did not start"
PORT=$(cat "$WORK/port")

printf 's3cret pass\n' >"$WORK/password"
printf 'wrong\n' >"$WORK/wrong"
chmod 600 "$WORK/password" "$WORK/wrong"
# conf NAME LINE...: mauthd's file plus ReportEmail and LINEs
conf()
{
	local file=$WORK/$1.conf
	shift
	cp "$MAUTHD_CONF" "$file"
	printf '%s\n' "ReportEmail dmarc@mx.e2e.test" "ReportSMTPServer 127.0.0.1:$PORT" \
	    "ReportSMTPUser reports" "$@" >>"$file"
	echo "$file"
}
send()
{
	OUT=$("$MAUTH" report send -c "$1" --from 0 --to "$(($(date +%s) + 60))" 2>&1)
	RC=$?
}

send "$(conf wrongca "ReportSMTPTLS required" "ReportSMTPCAFile $WORK/other.crt" \
    "ReportSMTPPasswordFile $WORK/password")"
t_is "$RC" 1 "a certificate the CA file does not vouch for: send fails"
t_like "$OUT" "agg@a\.report\.example: failed, retried by the next run: 127\.0\.0\.1: TLS: self[- ]signed certificate" \
    "  naming the verification error"

send "$(conf notls "ReportSMTPTLS none" "ReportSMTPPasswordFile $WORK/password")"
t_is "$RC" 1 "no TLS but a user: send fails"
t_like "$OUT" "refusing to send the password without TLS" "  the password is not sent in clear"
t_unlike "$(cat "$WORK/relay/commands")" "AUTH" "  no AUTH command reached the server"

send "$(conf wrongpw "ReportSMTPTLS required" "ReportSMTPCAFile $WORK/relay.crt" \
    "ReportSMTPPasswordFile $WORK/wrong")"
t_is "$RC" 1 "a wrong password: send fails"
t_like "$OUT" "AUTH PLAIN: 535 5\.7\.8 bad credentials" "  quoting the server"

send "$(conf good "ReportSMTPTLS required" "ReportSMTPCAFile $WORK/relay.crt" \
    "ReportSMTPPasswordFile $WORK/password")"
t_is "$RC" 0 "STARTTLS verified, AUTH PLAIN: the report is sent" || t_diag "$OUT"
t_like "$OUT" "agg@a\.report\.example: sent report [0-9a-f]{32} \(retry\)" "  as a retry of the failures"
MAIL=$WORK/relay/mail.0
t_is "$(head -n 1 "$MAIL" 2>/dev/null)" \
    "X-Test-Session: tls=yes auth=reports from=dmarc@mx.e2e.test to=agg@a.report.example" \
    "  inside TLS, authenticated, from ReportEmail to the rua address"
t_like "$(tr '\n' ' ' <"$WORK/relay/commands")" \
    "STARTTLS EHLO [^ ]+ AUTH \*\*\* MAIL FROM:<dmarc@mx\.e2e\.test> RCPT TO:<agg@a\.report\.example> DATA QUIT $" \
    "  STARTTLS, EHLO again, AUTH, then the mail"
mkdir "$WORK/att"
file=$("$PY" "$T_TOP/t/lib/dmarc_report.py" attachment "$MAIL" "$WORK/att" | cut -f1)
gunzip -c "$WORK/att/$file" >"$WORK/report.xml"
xmllint --noout --schema "$T_TOP/t/vectors/dmarc/schemas/dmarcbis-aggregate-dmarc-xml-0.2.xsd" \
    "$WORK/report.xml" 2>"$WORK/lint"
t_ok $? "  the attachment is a valid RFC 9990 report" || t_diag_file "$WORK/lint"
t_is "$("$PY" "$T_TOP/t/lib/dmarc_report.py" counts "$WORK/report.xml")" \
    "192.0.2.10 pass fail pass pass a.report.example 20" "  of the 20 messages"

mauthd_stop
t_done
