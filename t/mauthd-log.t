#!/bin/sh
# mauthd-log.t - the per-message log line read back as data: exactly one
# line per message at level info, starting with the MTA queue id, then
# key=value pairs in a fixed order (ip, helo, mailfrom, the verdicts,
# action); values with spaces or quotes are quoted so the line still
# splits; nothing per header or per DNS query at info (debug adds lines,
# never a second info line).  In the foreground everything goes to
# standard error; as a daemon to syslog with the configured
# SyslogFacility, which a reload changes (checked with a private /dev/log
# in a mount namespace: needs root and unshare, skipped otherwise).
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
TALK="$PY $srcdir/t/lib/miltertalk.py"
PARSE="$PY $srcdir/t/lib/logparse.py"

start_test_dns 'pass.example. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"' \
    'fail.example. 300 IN TXT "v=spf1 -all"'

port=$(free_port)
S=inet:$port@$addr
cat >"$tmp/mauthd.conf" <<CONF
Socket $S
AuthservID mx.test.example
Nameservers $addr@$dnsport
Syslog no
LogLevel info
ReportStore sqlite:$tmp/reports.db
ReportSpool $tmp/spool
CONF
start_mauthd "$tmp/mauthd.conf"
wait_for listening "$port"
ok $? "mauthd -f listens (LogLevel info)"

# parsed QID [FILE]: logparse's output for QID in $parsed
parsed() {
	wait_for grep -q "$1: " "${2:-$tmp/mauthd.err}"
	parsed=$($PARSE "${2:-$tmp/mauthd.err}" "$1")
}
field() {
	printf '%s\n' "$parsed" | sed -n "s/^$1=//p"
}

$TALK "$S" --qid 4LOGPASS --from '<user@pass.example>' --client 192.0.2.20 \
    --header 'From: <user@pass.example>' --header 'To: <rcpt@dest.test>' \
    --header 'Subject: five fields' --header 'Date: Mon, 1 Jan 2024 00:00:00 +0000' \
    --header 'Authentication-Results: mx.test.example; spf=pass' >/dev/null 2>&1
parsed 4LOGPASS
is "$(field info)" 1 "an inbound message with five header fields: one line at info"
is "$(field lines)" 1 "  and no other line at all (nothing per header or DNS query)"
is "$(field keys)" "ip,helo,mailfrom,spf,dkim,dmarc,header_from,forged_ar_removed,action" "  keys in order"
is "$(field dmarc)" none "  dmarc (pass.example publishes no record)"
is "$(field header_from)" pass.example "  header_from"
is "$(field ip)" 192.0.2.20 "  ip"
is "$(field mailfrom)" "<user@pass.example>" "  mailfrom"
is "$(field spf)" pass "  spf"
is "$(field dkim)" none "  dkim (the message is unsigned)"
is "$(field forged_ar_removed)" 1 "  forged_ar_removed"
is "$(field action)" accept "  action"
like "$(grep 4LOGPASS "$tmp/mauthd.err")" "mauthd[$mauthd_pid]: info: 4LOGPASS: ip=" \
    "  on standard error as mauthd[PID]: info: QID: ..."

$TALK "$S" --qid 4LOGQUOTE --from '<user@fail.example>' --helo 'odd "helo" \ name' >/dev/null 2>&1
parsed 4LOGQUOTE
is "$(field helo)" 'odd "helo" \ name' "a HELO with spaces, quotes and a backslash reads back exactly"
is "$(field spf)" fail "  and the pairs after it still parse (spf=fail)"
like "$(grep 4LOGQUOTE "$tmp/mauthd.err")" 'helo="odd \"helo\" \\ name"' "  written quoted and escaped"

$TALK "$S" --qid 4LOGINT --client 127.0.0.1 >/dev/null 2>&1
parsed 4LOGINT
is "$(field keys)" "ip,helo,mailfrom,internal,signed,action" "an internal message: ip, helo, mailfrom, internal, signed, action"
is "$(field internal)" yes "  internal=yes"

# debug: more lines about the message, still one at info
sed -i 's/^LogLevel info/LogLevel debug/' "$tmp/mauthd.conf"
kill -HUP "$mauthd_pid"
wait_for grep -q "configuration 2 in force" "$tmp/mauthd.err"
$TALK "$S" --qid 4LOGDEBUG --from '<user@pass.example>' \
    --header 'Authentication-Results: mx.test.example; spf=pass' >/dev/null 2>&1
parsed 4LOGDEBUG
is "$(field info)" 1 "LogLevel debug: still one line at info"
n=$(field lines)
[ "$n" -gt 1 ]
ok $? "  plus debug lines ($n lines in all)"
stop "$mauthd_pid"

# ---------------------------------------------------------------- syslog
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null ||
    ! unshare -m true 2>/dev/null; then
	echo "# not root or no mount namespaces: syslog not tested"
	done_testing
fi
cat >"$tmp/syslog.conf" <<CONF
Socket $S
AuthservID mx.test.example
Nameservers $addr@$dnsport
PidFile $tmp/syslog.pid
SyslogFacility local3
ReportStore none
CONF
# inside a private mount namespace: a /dev of our own with /dev/log ours
cat >"$tmp/inner.sh" <<INNER
mkdir "$tmp/realdev" && mount --bind /dev "$tmp/realdev" &&
    mount -t tmpfs -o mode=755 mauth-test-dev /dev || exit 1
for n in null zero random urandom; do ln -s "$tmp/realdev/\$n" /dev/\$n; done
$PY "$srcdir/t/lib/syslogd.py" /dev/log "$tmp/syslog.out" &
syslogd=\$!
trap 'kill \$syslogd; [ -f "$tmp/syslog.pid" ] && kill \$(cat "$tmp/syslog.pid")' EXIT
i=0; while [ ! -S /dev/log ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
"$MAUTHD" -c "$tmp/syslog.conf" 2>"$tmp/syslog-start.err" || exit 2
$TALK "$S" --qid 4SYSLOG3 --from '<user@pass.example>' >/dev/null 2>&1
sed -i 's/^SyslogFacility local3/SyslogFacility local5/' "$tmp/syslog.conf"
kill -HUP \$(cat "$tmp/syslog.pid")
i=0; while ! grep -q "configuration 2 in force" "$tmp/syslog.out" && [ \$i -lt 100 ]; do
	sleep 0.1; i=\$((i + 1)); done
$TALK "$S" --qid 4SYSLOG5 --from '<user@pass.example>' >/dev/null 2>&1
sleep 0.3
INNER
unshare -m sh "$tmp/inner.sh"
is "$?" 0 "mauthd as a daemon in a namespace with a private /dev/log"
[ -s "$tmp/syslog-start.err" ] && sed 's/^/#   /' "$tmp/syslog-start.err"
parsed 4SYSLOG3 "$tmp/syslog.out"
is "$(field info)" 1 "SyslogFacility local3: the message's line reaches syslog at info"
like "$(grep 4SYSLOG3 "$tmp/syslog.out")" "<158>" "  with priority local3.info (<158>)"
is "$(field spf)" pass "  and parses (spf=pass)"
parsed 4SYSLOG5 "$tmp/syslog.out"
like "$(grep 4SYSLOG5 "$tmp/syslog.out")" "<174>" "after a reload to local5: local5.info (<174>)"
is "$(field info)" 1 "  one line"
! grep -q '4SYSLOG' "$tmp/syslog-start.err"
ok $? "  nothing of the messages on standard error once detached"

done_testing
