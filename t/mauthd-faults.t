#!/bin/sh
# mauthd-faults.t - an MTA that misbehaves or sends extreme mail, straight
# over the milter protocol (t/lib/milterfault.py plays the MTA): the client
# hangs up mid-DATA and mid-header, aborts and retries, sends a 1 MB and a
# 60 KB header field, 10,000 header fields (5,000 of them forged A-R),
# NUL bytes, bare LF and CR, 100,000-octet lines, invalid UTF-8 in From:
# (a malformed From: DMARCMalformedFrom's reject),
# a 20,000-octet MAIL FROM, unknown and truncated packets, a packet that
# claims 2 GB.  mauthd keeps running, judges every message it gets to the
# end of (spf= in its A-R field, one log line with the verdict), and after
# hundreds of broken sessions, many at once, holds no more file
# descriptors than before and its memory stays flat; told to stop while a
# message is half-way, it exits promptly and cleanly.  (The same faults
# through a real Postfix are t/postfix-faults.t.)
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
[ -x "$UNBOUND" ] || skip_all "unbound not installed"
FAULT="$PY $srcdir/t/lib/milterfault.py"

# glibc gives new threads arenas of their own (up to 8 per core) and keeps
# what they grew to: with one arena, RSS shows what mauthd holds rather
# than how many arenas its threads have touched so far.  Under ASan the
# quarantine keeps freed memory on purpose: RSS says nothing there (LSan
# checks leaks at exit instead).
MALLOC_ARENA_MAX=1
export MALLOC_ARENA_MAX
ASAN=no
ldd "$MAUTHD" 2>/dev/null | grep -q libasan && ASAN=yes

dnsport=$(free_port udp)
cat >"$tmp/unbound.conf" <<CONF
server:
	interface: $addr
	port: $dnsport
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: "$tmp/unbound.pid"
	use-syslog: no
	logfile: "$tmp/unbound.log"
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "." static
	local-data: 'pass.example. 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"'
	local-data: 'fail.example. 300 IN TXT "v=spf1 -all"'
remote-control:
	control-enable: no
CONF
"$UNBOUND" -d -c "$tmp/unbound.conf" 2>"$tmp/unbound.err" &
started_pids="$started_pids $!"
wait_for grep -qs "start of service" "$tmp/unbound.log" ||
    skip_all "unbound did not start: $(cat "$tmp/unbound.err" "$tmp/unbound.log")"

port=$(free_port)
cat >"$tmp/mauthd.conf" <<CONF
Socket inet:$port@$addr
AuthservID mx.test.example
Nameservers $addr@$dnsport
DNSTimeout 2s
Syslog no
LogLevel info
ReportStore sqlite:$tmp/reports.db
ReportSpool $tmp/spool
CONF
start_mauthd "$tmp/mauthd.conf"
wait_for listening "$port" || skip_all "mauthd did not start: $(cat "$tmp/mauthd.err")"
S=inet:$port@$addr

# run SCENARIO [COUNT]: its lines in $out
run() {
	out=$($FAULT "$S" "$1" --count "${2:-1}" 2>&1)
}
# all_lines SCENARIO COUNT RESULT DESCRIPTION: every session ended in RESULT
all_lines() {
	run "$1" "$2"
	got=$(printf '%s\n' "$out" | sed "s/^$1 [0-9]* //" | sort | uniq -c | sed 's/^ *//')
	is "$got" "$2 $3" "$4"
}
alive_check() {
	alive "$mauthd_pid"
	ok $? "  mauthd still running"
}
fds() {
	ls "/proc/$mauthd_pid/fd" 2>/dev/null | wc -l
}
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$mauthd_pid/status"
}

all_lines normal 1 "eom continue pass 0" "a plain message: spf=pass, delivered"
fd0=$(fds)

all_lines drop-data 20 closed "20 clients hang up after the first body chunk"
alive_check
all_lines drop-header 20 closed "20 clients hang up in the middle of a header packet"
alive_check
all_lines abort-retry 5 "eom continue fail 0" "abort mid-body, then a second message on the connection: judged (spf=fail)"
wait_for grep -q "4FAULT2: .*mailfrom=<user@fail.example> spf=fail .*action=accept" "$tmp/mauthd.err"
ok $? "  the second message has its log line"

run header-1m
like "$out" "header-1m 1 refused" "a 1 MB header field: more than the milter protocol carries, the connection is dropped"
alive_check
all_lines header-60k 1 "eom continue pass 0" "a 60 KB header field: judged"
all_lines headers-10k 1 "eom continue pass 5000" \
    "10,000 header fields, 5,000 of them A-R fields with our authserv-id: all 5,000 removed"
wait_for grep -q "spf=pass .*forged_ar_removed=5000 action=accept" "$tmp/mauthd.err"
ok $? "  logged: forged_ar_removed=5000"
all_lines nul 1 "eom continue pass 0" "NUL bytes in a header value and the body: judged"
all_lines bare-lf 1 "eom continue pass 0" "bare LF and CR in header values and the body: judged"
all_lines long-lines 1 "eom continue pass 0" "body lines of 100,000 octets, a header line of 2,000: judged"
# a From field that does not parse: DMARCMalformedFrom (default reject)
all_lines non-utf8-from 1 "eom replycode-550 pass 0" \
    "invalid UTF-8 and 8-bit bytes in From: and Subject:: judged (malformed From: 550)"
wait_for grep -q "dmarc=permerror .*action=reject" "$tmp/mauthd.err"
ok $? "  logged: dmarc=permerror action=reject"

# regression: the MAIL FROM is cut in the log line, the verdict is not
all_lines long-mailfrom 1 "eom continue pass 0" "a MAIL FROM of 20,000 octets: judged"
line=$(grep "mailfrom=<llll" "$tmp/mauthd.err" | tail -n 1)
like "$line" "lll... spf=pass " "  its log line keeps the verdict (MAIL FROM shortened, marked ...)"
like "$line" "forged_ar_removed=0 action=accept" "  and ends with the action"
ok $((${#line} < 700 ? 0 : 1)) "  and is short (${#line} octets)"

run garbage
like "$out" "garbage 1 closed" "an unknown command, then a truncated packet"
alive_check
run huge-length
like "$out" "huge-length 1 refused closed" "a packet claiming 2 GB: the connection is dropped"
alive_check
all_lines normal 3 "eom continue pass 0" "after all that, plain messages are judged as before"

# ---------------------------------------------------------------- leaks
# warm up (thread stacks, resolver cache, malloc arenas), then two rounds
# of broken sessions, ten clients at a time; fds back to where they were,
# memory flat between the rounds
mix="drop-data drop-header abort-retry garbage huge-length header-1m normal"
round() {
	clients=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		for sc in $mix; do
			$FAULT "$S" "$sc" --count 4 >/dev/null 2>&1
		done &
		clients="$clients $!"
	done
	for p in $clients; do
		wait "$p"
	done
}
round
sleep 0.5
fd1=$(fds)
rss1=$(rss)
round
round
sleep 0.5
fd2=$(fds)
rss2=$(rss)
alive_check
is "$fd1" "$fd0" "file descriptors after 280 broken and normal sessions: $fd1 (at start: $fd0)"
is "$fd2" "$fd0" "  and after 560 more: $fd2"
if [ $ASAN = yes ]; then
	ok 0 "resident memory between rounds: $rss1 kB, then $rss2 kB # SKIP ASan's quarantine keeps freed memory"
else
	ok $((rss2 * 100 <= rss1 * 105 ? 0 : 1)) "resident memory flat between rounds: $rss1 kB, then $rss2 kB (under 5% growth)"
fi
grep -E ": (error|fatal): |panic" "$tmp/mauthd.err" | head -n 5 >"$tmp/errors"
is "$(cat "$tmp/errors")" "" "no error in mauthd's log"

# SIGTERM while a message is half-way: libmilter stops serving open
# sessions, so mauthd closes it within its one-second drain and exits
# cleanly; the MTA then applies its milter_default_action
$FAULT "$S" pause-eom >"$tmp/pause.out" 2>&1 &
client=$!
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$mauthd_pid"
# a second SIGTERM while it stops must not kill it half-way (it did: a
# thread started before the signal mask was set took it)
sleep 0.3
kill -TERM "$mauthd_pid"
wait "$mauthd_pid"
stop_rc=$?
t1=$(date +%s%N)
is "$stop_rc" 0 "SIGTERM (twice) during a message: mauthd stops cleanly (status 0: under the sanitizers, no leak)"
ok $(( (t1 - t0) / 1000000 < 3000 ? 0 : 1 )) "  within 3 s ($(( (t1 - t0) / 1000000 )) ms)"
wait "$client"
like "$(cat "$tmp/pause.out")" "pause-eom 1 refused" "  the MTA side sees the connection go"
like "$(cat "$tmp/mauthd.err")" "stopping with 1 MTA connection open" "  and mauthd logs that it left one open"
like "$(tail -n 1 "$tmp/mauthd.err")" "info: stopped" "  and that it stopped"
done_testing
