#!/bin/bash
# report-kill.t - nothing is lost when mauthd is killed: 2000 messages go
# through a real Postfix to mauthd (SQLite store) while mauthd is killed
# with SIGKILL, then started again (it replays what it had spooled).
# Every message the sink received has its row in the store; every row
# that has no message in the sink belongs to a message the SMTP client saw
# refused (DMARC p=reject) or tempfailed (mauthd gone: Postfix's
# milter_default_action); checked by Message-ID.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink unbound; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done
MAUTH=${top_builddir:-$T_TOP}/tools/mauth
PY=/usr/bin/python3
ZONES=$T_TOP/t/data/zones
TOTAL=${REPORT_KILL_MESSAGES:-2000}
GOOD=192.0.2.10 BAD=203.0.113.9

dns_server_start "$ZONES/e2e/report.example.zone" "$ZONES/tld/example.zone" ||
    t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" || t_bail "mauthd did not start"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"
t_tmpdir WORK

# one session in eight comes from a client a.report.example's SPF refuses:
# DMARC p=reject, 550, and still a row
"$PY" "$T_TOP/t/lib/smtp_load.py" "$PF_ADDR:$PF_PORT" "$TOTAL" "$WORK/seen" \
    --sessions 8 --per-session 25 --client $GOOD --client $GOOD --client $GOOD \
    --client $GOOD --client $GOOD --client $GOOD --client $GOOD --client $BAD \
    --pause 0.05 --tag kill$$ 2>"$WORK/load.err" &
LOAD_PID=$!
t_cleanup "kill $LOAD_PID 2>/dev/null"

t_wait_until 60 eval '[ "$(cat "$WORK/seen" 2>/dev/null | wc -l)" -ge $((TOTAL / 3)) ]' ||
    t_bail "the load did not get going: $(tail -n 5 "$WORK/load.err")"
kill -KILL "$MAUTHD_PID"
wait "$MAUTHD_PID" 2>/dev/null
KILLED_AT=$(wc -l <"$WORK/seen")
t_ok 0 "mauthd killed with SIGKILL after $KILLED_AT of $TOTAL messages"
sleep 0.3
# the same configuration and port again (Postfix's smtpd_milters)
"$MAUTHD" -f -c "$MAUTHD_CONF" >>"$MAUTHD_LOG" 2>&1 &
MAUTHD_PID=$!
t_wait_until 10 t_listening 127.0.0.1 "$MAUTHD_PORT"
t_ok $? "mauthd started again on the same socket" || mauthd_diag

wait "$LOAD_PID"
t_is "$(wc -l <"$WORK/seen")" "$TOTAL" "the client finished all $TOTAL messages" ||
    t_diag_file "$WORK/load.err"
t_wait_until 60 eval 'postqueue -c "$PF_CONF" -p 2>/dev/null | grep -q "Mail queue is empty"'
t_ok $? "Postfix delivered everything it accepted"
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly (queue flushed)"

# ---------------------------------------------------------------- compare
awk '$3 == "250" { print $2 }' "$WORK/seen" | sort >"$WORK/accepted"
awk '$3 != "250" { print $2 }' "$WORK/seen" | sort >"$WORK/not-accepted"
grep -h '^Message-ID: ' "$PF_DUMP"/* | sed 's/^Message-ID: //; s/\r$//' |
    sort >"$WORK/sink"
"$MAUTH" report rows -c "$MAUTHD_CONF" | cut -f3 | sort >"$WORK/rows"
t_note "accepted $(wc -l <"$WORK/accepted"), refused or tempfailed $(wc -l <"$WORK/not-accepted"), in the sink $(wc -l <"$WORK/sink"), rows $(wc -l <"$WORK/rows")"

t_ok "$([ "$(grep -c ' 4[0-9][0-9] ' "$WORK/seen")" -gt 0 ]; echo $?)" \
    "some messages were tempfailed while mauthd was down"
t_ok "$([ "$(grep -c ' 550 ' "$WORK/seen")" -gt 0 ]; echo $?)" \
    "some were refused by DMARC (p=reject)"
t_is "$(grep -vc ' \(250\|4[0-9][0-9]\|5[0-9][0-9]\) ' "$WORK/seen")" 0 \
    "the client saw a reply to every message"
t_is "$(diff "$WORK/accepted" "$WORK/sink" | head -n 5)" "" \
    "the sink has exactly the messages the client saw accepted"
t_is "$(sort -u "$WORK/rows" | wc -l)" "$(wc -l <"$WORK/rows")" "one row per message at most"
t_is "$(comm -23 "$WORK/sink" "$WORK/rows" | head -n 5)" "" \
    "every message in the sink has its row"
t_is "$(comm -13 "$WORK/sink" "$WORK/rows" | comm -23 - "$WORK/not-accepted" | head -n 5)" "" \
    "every other row belongs to a message the client saw refused or tempfailed"
EXTRA=$(comm -13 "$WORK/sink" "$WORK/rows" | wc -l)
REFUSED=$(grep -c ' 550 ' "$WORK/seen")
t_ok "$([ "$EXTRA" -ge "$REFUSED" ]; echo $?)" \
    "  ($EXTRA such rows: the $REFUSED refused by DMARC, and those answered while mauthd died)"

postfix_stop
t_done
