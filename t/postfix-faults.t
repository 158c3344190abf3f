#!/bin/bash
# postfix-faults.t - MTA faults through a real Postfix: mauthd keeps running,
# leaks nothing, and every message it sees gets a defined verdict
#
# A private Postfix (t/lib/postfix.sh) with mauthd as its milter and unbound
# (t/lib/dns-server.sh) serving t/data/zones/faults/.  Messages go in byte
# for byte (t/lib/smtpraw.py; XCLIENT sets the client 192.0.2.10, which SPF
# passes): a header field of 1 MB and one of 90 KB (more than one milter
# packet holds), 10,000 header fields of which 1,000 are A-R fields
# claiming our authserv-id, NUL bytes, bare LF and bare CR, lines of 5,000
# and 1,500 octets, invalid UTF-8 in a quoted display name and the local
# part of From: (the domain stays plain, so DMARC's From parser takes it;
# t/mauthd-faults.t has an unparsable one, refused).  Each is accepted and
# reaches the sink with exactly one A-R field of ours, spf=pass, and
# mauthd logs its verdict.  Then clients that hang up in the middle of DATA (the
# milter's abort path), and Postfix stopped and started again while
# clients keep sending.  Two rounds of all that: mauthd's descriptors are
# back where they started and its memory is flat between the rounds; it
# never restarted and stops cleanly (status 0: no leak under the
# sanitizers).  The same faults straight over the milter protocol are
# t/mauthd-faults.t.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink unbound; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done
PY=/usr/bin/python3
ID=$MAUTHD_AUTHSERV_ID
ID_RE=${ID//./\\.}

# glibc gives new threads arenas of their own (up to 8 per core) and keeps
# what they grew to: with one arena, RSS shows what mauthd holds rather
# than how many arenas its threads have touched so far.  Under ASan the
# quarantine keeps freed memory on purpose: RSS says nothing there (LSan
# checks leaks at exit instead).
export MALLOC_ARENA_MAX=1
ASAN=no
ldd "$MAUTHD" 2>/dev/null | grep -q libasan && ASAN=yes

# the TLD zone answers the DMARC tree walk's last query (_dmarc.example)
dns_server_start "$T_TOP/t/data/zones/faults/faults.example.zone" \
    "$T_TOP/t/data/zones/tld/example.zone" || t_bail "unbound did not start"
mauthd_start "$DNS_ADDR@$DNS_PORT" "On-TempError tempfail" "LogLevel info" ||
    t_bail "mauthd did not start"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"
PID=$MAUTHD_PID
t_tmpdir DIR || t_bail "no temp dir"
RAW() { $PY "$T_TOP/t/lib/smtpraw.py" "$PF_ADDR" "$PF_PORT" "$@"; }
fds() { ls "/proc/$PID/fd" 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2>/dev/null; }

# make ROUND: the messages of one round, $DIR/NAME.R.eml, Message-ID
# <NAME.R@faults.example>
make() {
	$PY - "$DIR" "$1" "$ID" <<'PYEOF'
import sys
d, r, ar_id = sys.argv[1], sys.argv[2], sys.argv[3].encode()
def msg(name, head=b'', body=b'Test body.\r\n', frm=b'<user@pass.faults.example>'):
    m = (b'From: ' + frm + b'\r\nTo: <rcpt@e2e.test>\r\nSubject: fault ' +
         name.encode() + b'\r\nMessage-ID: <' + name.encode() + b'.' +
         r.encode() + b'@faults.example>\r\n' + head + b'\r\n' + body)
    open('%s/%s.%s.eml' % (d, name, r), 'wb').write(m)
msg('plain')
msg('header-1m', b'X-Big: ' + b'a' * (1 << 20) + b'\r\n')
msg('header-90k', b'X-Big: ' + b'b' * 90000 + b'\r\n')
msg('headers-10k', b''.join(
    b'Authentication-Results: ' + ar_id + b'; spf=pass smtp.mailfrom=f@x.example\r\n'
    if i % 10 == 0 else b'X-Field-%d: value %d\r\n' % (i, i) for i in range(10000)))
msg('nul', b'X-Nul: before\0after\r\n', b'body\0with\0NULs\r\n\0\r\n')
msg('bare-lf', b'X-Bare: bare\rCR\r\n', b'line one\nline two\rstill two\r\nlast\n')
msg('long-lines', b'X-Long: ' + b'L' * 1500 + b'\r\n', (b'x' * 5000 + b'\r\n') * 3)
msg('non-utf8-from', b'Subject: \xed\xa0\x80 \xff\r\n', b'\xff\xfe\r\n',
    frm=b'"\xff\xfe\xc3(" <us\xe9r@pass.faults.example>')
PYEOF
}
CASES="plain header-1m header-90k headers-10k nul bare-lf long-lines non-utf8-from"

# judged NAME ROUND: Postfix accepted it, the sink got it with exactly one
# A-R field of ours saying spf=pass, and mauthd logged the verdict.
judged() {
	local name=$1 r=$2 reply copy ar mine qid
	reply=$(RAW "$DIR/$name.$r.eml")
	t_like "$reply" '^250 ' "$name (round $r): Postfix accepts it" || return
	qid=${reply##* }
	if ! copy=$(postfix_wait_msg "$name.$r@faults.example" 60); then
		t_ok 1 "  delivered to the sink"
		return
	fi
	ar=$(postfix_header "$copy" Authentication-Results)
	mine=$(printf '%s\n' "$ar" | grep -iE "^$ID_RE;" || true)
	t_like "$mine" "^$ID_RE; spf=pass smtp\.mailfrom=user@pass\.faults\.example; dkim=none; dmarc=none header\.from=pass\.faults\.example$" \
	    "  delivered with one A-R field of ours: spf=pass, dkim=none, dmarc=none" ||
	    t_diag "A-R fields: $(printf '%s\n' "$ar" | head -n 3)"
	t_wait_until 10 grep -q "$qid: .* spf=pass .*action=accept" "$MAUTHD_LOG"
	t_ok $? "  mauthd logged its verdict"
	if [ "$name" = headers-10k ]; then
		t_is "$(printf '%s\n' "$ar" | grep -ciE "^$ID_RE;")" 1 \
		    "  the 1,000 forged A-R fields with our id are gone, ours is there"
		t_like "$(grep "$qid: " "$MAUTHD_LOG")" "forged_ar_removed=1000 " \
		    "  logged: forged_ar_removed=1000"
	fi
}

# restart_under_load ROUND: Postfix stops and starts while clients send;
# messages are then refused or lost on the client side (that is the
# point), and afterwards mail flows and is judged again
restart_under_load() {
	local r=$1 pids=() i
	for i in 1 2 3 4 5; do
		RAW "$DIR/plain.$r.eml" --count 40 >"$DIR/load.$r.$i" 2>&1 &
		pids+=($!)
	done
	sleep 1
	postfix -c "$PF_CONF" stop >/dev/null 2>&1
	t_wait_until 20 eval '! t_listening "$PF_ADDR" "$PF_PORT"'
	postfix -c "$PF_CONF" start >/dev/null 2>&1
	t_wait_until 20 t_listening "$PF_ADDR" "$PF_PORT"
	t_ok $? "Postfix stopped and started again under load (round $r)"
	wait "${pids[@]}"
	t_ok "$(kill -0 "$PID" 2>/dev/null; echo $?)" "  mauthd still running"
}

round() {
	local r=$1 name out
	make "$r"
	for name in $CASES; do
		judged "$name" "$r"
	done
	out=$(RAW "$DIR/plain.$r.eml" --drop-after 200 --count 30 | sort | uniq -c | sed 's/^ *//')
	t_is "$out" "30 dropped" "30 clients hang up in the middle of DATA (round $r)"
	restart_under_load "$r"
	make "$r.after"
	judged plain "$r.after"
}

# the baseline once the resolver is up (libunbound opens its sockets and
# pipes with the first lookup)
make 0
judged plain 0
sleep 2
fd0=$(fds)
round 1
sleep 2
fd1=$(fds) rss1=$(rss)
round 2
sleep 2
fd2=$(fds) rss2=$(rss)
t_is "$fd1" "$fd0" "mauthd's descriptors after round 1: $fd1 (at start $fd0)"
t_is "$fd2" "$fd0" "  and after round 2: $fd2"
if [ $ASAN = yes ]; then
	t_ok 0 "mauthd's RSS between rounds: $rss1 kB, then $rss2 kB # SKIP ASan's quarantine keeps freed memory"
else
	t_ok $((rss2 * 100 <= rss1 * 105 ? 0 : 1)) \
	    "mauthd's RSS flat between rounds: $rss1 kB, then $rss2 kB (under 5% growth)"
fi
t_is "$(grep -c "starting with" "$MAUTHD_LOG")" 1 "mauthd never restarted"
t_is "$(grep -cE ' (error|fatal): ' "$MAUTHD_LOG")" 0 "no error in mauthd's log" ||
    grep -E ' (error|fatal): ' "$MAUTHD_LOG" | head -n 5 | sed 's/^/# /'
postfix_stop
mauthd_stop
t_is "$?" 0 "mauthd stops cleanly (status 0)" || mauthd_diag
t_done
