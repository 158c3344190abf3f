#!/bin/bash
# postfix-reload.t - end to end: mauthd reloads (SIGHUP) while a real
# Postfix hands it a stream of messages from four parallel SMTP clients.
# A new AuthservID takes effect for the SMTP sessions that start after
# the reload; a broken file is logged and the configuration in force
# stays; no message is refused, deferred or lost: every one is accepted
# with 250, reaches the sink, and carries exactly one Authentication-
# Results field of ours, from the old or the new configuration.  Postfix
# gets its milter settings from conf/postfix-main.cf.snippet.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink swaks unbound; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done

OLD=$MAUTHD_AUTHSERV_ID		# mauth.e2e.test
NEW=mx2.e2e.test
GOOD=192.0.2.10
dns_server_start "$T_TOP/t/data/zones/e2e/e2e.example.zone" || t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "LogLevel info" || t_bail "mauthd did not start"
# Postfix wired with conf/postfix-main.cf.snippet (the sample's port
# replaced by this mauthd's): the snippet's settings come last and win
PF_MAIN_CF=$(sed "s/inet:127\.0\.0\.1:8891/$MAUTHD_MILTER/" "$T_TOP/conf/postfix-main.cf.snippet")
postfix_start || t_bail "private Postfix did not start"
t_is "$(postconf -c "$PF_CONF" -xh smtpd_milters non_smtpd_milters milter_default_action 2>/dev/null | tr '\n' ' ')" \
    "$MAUTHD_MILTER $MAUTHD_MILTER tempfail " "Postfix configured by conf/postfix-main.cf.snippet"

# sender W: messages until $PF_DIR/stop exists (10 at least); each line of
# $PF_DIR/sent.W is "MSGID REPLY-CODE"
sender()
{
	local w=$1 i=0 msgid
	while [ ! -e "$PF_DIR/stop" ] || [ $i -lt 10 ]; do
		i=$((i + 1))
		msgid="load.$w.$i.$$@e2e.test"
		postfix_make_msg "$PF_DIR/load.$w.eml" "$msgid" alice@pass.e2e.example \
		    "rcpt@$PF_DOMAIN" "load $w $i" -- "Message $i of sender $w."
		postfix_send "$PF_DIR/load.$w.smtp" $GOOD client.e2e.example \
		    mx.client.e2e.example alice@pass.e2e.example "rcpt@$PF_DOMAIN" \
		    "$PF_DIR/load.$w.eml"
		echo "$msgid $(postfix_reply "$PF_DIR/load.$w.smtp" | cut -c1-3)" >>"$PF_DIR/sent.$w"
	done
}
sent() { cat "$PF_DIR"/sent.* 2>/dev/null | wc -l; }
for w in 1 2 3 4; do
	sender $w &
	SENDERS+=($!)
done
t_wait_until 60 eval '[ "$(sent)" -ge 12 ]'
t_ok $? "four SMTP clients send through Postfix and mauthd ($(sent) messages so far)"

# one message now: the authserv-id of its A-R field
probe()
{
	local msgid="probe.$1.$$@e2e.test" copy
	postfix_make_msg "$PF_DIR/probe.eml" "$msgid" alice@pass.e2e.example \
	    "rcpt@$PF_DOMAIN" "probe $1" -- "Probe."
	postfix_send "$PF_DIR/probe.smtp" $GOOD client.e2e.example \
	    mx.client.e2e.example alice@pass.e2e.example "rcpt@$PF_DOMAIN" "$PF_DIR/probe.eml"
	copy=$(postfix_wait_msg "$msgid") || return 1
	postfix_header "$copy" Authentication-Results | sed -n 's/^\([^;]*\); spf=.*/\1/p'
}

sed -i "s/^AuthservID .*/AuthservID $NEW/" "$MAUTHD_CONF"
kill -HUP "$MAUTHD_PID"
t_wait_until 10 grep -q "configuration 2 in force" "$MAUTHD_LOG"
t_ok $? "SIGHUP under load: configuration 2 in force"
before=$(sent)
t_is "$(probe new)" "$NEW" "  an SMTP session after the reload gets AuthservID $NEW"

cp "$MAUTHD_CONF" "$PF_DIR/good.conf"
sed -i 's/^DNSTimeout .*/DNSTimeout 10h/' "$MAUTHD_CONF"
kill -HUP "$MAUTHD_PID"
t_wait_until 10 grep -q "reload failed" "$MAUTHD_LOG"
t_like "$(grep 'reload failed' "$MAUTHD_LOG")" \
    "configuration 2 stays in force: $MAUTHD_CONF:[0-9]+: DNSTimeout: bad value" \
    "a broken file under load: logged, configuration 2 stays"
t_is "$(probe broken)" "$NEW" "  sessions still get $NEW"
cp "$PF_DIR/good.conf" "$MAUTHD_CONF"

t_wait_until 60 eval '[ "$(sent)" -ge $((before + 12)) ]'
touch "$PF_DIR/stop"
for p in "${SENDERS[@]}"; do
	wait "$p"
done
total=$(sent)
t_is "$(cut -d' ' -f2 "$PF_DIR"/sent.* | sort | uniq -c | sed 's/^ *//')" "$total 250" \
    "all $total messages of the load accepted with 250"

declare -A ids=()
lost=0 bad=0 patience=30	# once one is missing, the rest are not waited for
while read -r msgid code; do
	if ! copy=$(postfix_wait_msg "$msgid" $patience 2>/dev/null); then
		lost=$((lost + 1)) patience=1
		continue
	fi
	ar=$(postfix_header "$copy" Authentication-Results | grep -E "^($OLD|$NEW);")
	if [ "$(printf '%s\n' "$ar" | grep -c .)" -ne 1 ]; then
		bad=$((bad + 1))
		continue
	fi
	ids[${ar%%;*}]=$((${ids[${ar%%;*}]:-0} + 1))
done < <(cat "$PF_DIR"/sent.*)
t_is "$lost" 0 "  every one reached the sink"
t_is "$bad" 0 "  each with exactly one A-R field of ours"
t_ok "$(( ${ids[$OLD]:-0} > 0 && ${ids[$NEW]:-0} > 0 ? 0 : 1 ))" \
    "  from both configurations ($OLD: ${ids[$OLD]:-0}, $NEW: ${ids[$NEW]:-0})"
t_is "$(grep -c 'internal error' "$MAUTHD_LOG")" 0 "no internal error in mauthd's log"
t_is "$(grep -cE 'status=(deferred|bounced)|milter-reject' "$PF_LOG")" 0 \
    "nothing deferred, bounced or refused by the milter in Postfix's log"

postfix_stop
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly on SIGTERM" || mauthd_diag
t_done
