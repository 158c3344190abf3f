#!/bin/sh
# mauthd-reload.t - SIGHUP under load: a new AuthservID takes effect for new
# connections; a session connected before the reload finishes under the
# configuration it started with; a broken file is logged and the
# configuration in force stays; LogLevel changes at once; keys that need a
# restart say so; not one session of the load is lost or refused.  The MTA
# side is t/lib/milterload.py (8 parallel connections) and miltertalk.py.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"
TALK="$PY $srcdir/t/lib/miltertalk.py"
LOAD="$PY $srcdir/t/lib/milterload.py"

# a DMARC policy, so every message of the load leaves a report row (whose
# reporter is the AuthservID of the session's configuration)
start_test_dns 'pass.example. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"' \
    '_dmarc.pass.example. 300 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@pass.example"'

port=$(free_port)
S=inet:$port@$addr
# conf AUTHSERV-ID LOGLEVEL [EXTRA]: the configuration file, rewritten in place
conf() {
	cat >"$tmp/mauthd.conf.new" <<CONF
Socket $S
AuthservID $1
Nameservers $addr@$dnsport
DNSTimeout 2s
Syslog no
LogLevel $2
ReportStore sqlite:$tmp/reports.db
ReportSpool $tmp/spool
${3:-}
CONF
	mv "$tmp/mauthd.conf.new" "$tmp/mauthd.conf"
}
# reload N: SIGHUP, then wait for the log to say configuration N is in force
reload() {
	kill -HUP "$mauthd_pid"
	wait_for grep -q "configuration $1 in force" "$tmp/mauthd.err"
}
# authserv SESSION-OUTPUT-FILE: the authserv-id of the A-R field inserted
authserv() {
	sed -n "s/^eom insheader 0 Authentication-Results ' \([^;]*\);.*/\1/p" "$1"
}

conf mx.one.example debug
start_mauthd "$tmp/mauthd.conf"
wait_for listening "$port"
ok $? "mauthd listens with configuration 1 (AuthservID mx.one.example)"

# a session that connects now and holds after HELO until told to go on
$TALK "$S" --client 192.0.2.77 --qid 4HELD --from '<user@pass.example>' \
    --hold-until "$tmp/go-held" >"$tmp/held.out" 2>&1 &
held=$!
started_pids="$started_pids $held"
wait_for grep -qsx hold "$tmp/held.out"
ok $? "a session connects under configuration 1 and holds after HELO"

# load: 8 connections at a time until told to stop (at least 300 sessions)
$LOAD "$S" --sessions 300 --concurrency 8 --until "$tmp/stop-load" \
    >"$tmp/load.out" 2>&1 &
load=$!
started_pids="$started_pids $load"
wait_for grep -q "LOAD000020: " "$tmp/mauthd.err"
ok $? "the load runs (20 messages logged)"

# ---------------------------------------------------------------- reload 2
conf mx.two.example debug
reload 2
ok $? "SIGHUP under load: configuration 2 in force"
$TALK "$S" --qid 4AFTER2 --from '<user@pass.example>' >"$tmp/after2.out" 2>&1
is "$(authserv "$tmp/after2.out")" mx.two.example \
    "  a new connection gets the new AuthservID"

# ---------------------------------------------------------------- broken file
cp "$tmp/mauthd.conf" "$tmp/good.conf"
printf 'Socket %s\nAuthservID mx.broken.example\nDNSTimeout 10h\n' "$S" >"$tmp/mauthd.conf"
kill -HUP "$mauthd_pid"
wait_for grep -q "reload failed" "$tmp/mauthd.err"
like "$(grep 'reload failed' "$tmp/mauthd.err")" \
    "reload failed, configuration 2 stays in force: $tmp/mauthd.conf:3: DNSTimeout: bad value \"10h\"" \
    "a broken file: logged with file:line, configuration 2 stays"
alive "$mauthd_pid"
ok $? "  mauthd keeps running"
$TALK "$S" --qid 4BROKEN --from '<user@pass.example>' >"$tmp/broken.out" 2>&1
is "$(authserv "$tmp/broken.out")" mx.two.example "  new connections still get mx.two.example"

# a resolver that cannot be built is a failed reload too, not a dead daemon
printf 'garbage\n' >"$tmp/bad.key"
conf mx.badkey.example debug "TrustAnchorFile $tmp/bad.key"
kill -HUP "$mauthd_pid"
wait_for sh -c "[ \$(grep -c 'reload failed' '$tmp/mauthd.err') -ge 2 ]"
ok $? "an unusable trust anchor: the reload fails as well"
$TALK "$S" --qid 4BADKEY --from '<user@pass.example>' >"$tmp/badkey.out" 2>&1
is "$(authserv "$tmp/badkey.out")" mx.two.example "  and configuration 2 stays"

# ---------------------------------------------------------------- reload 3
# LogLevel info from now on, and a Socket change that needs a restart
conf mx.three.example info
sed -i "s|^Socket .*|Socket inet:$(free_port)@$addr|" "$tmp/mauthd.conf"
reload 3
ok $? "a good file again: configuration 3 in force"
like "$(cat "$tmp/mauthd.err")" "reload: Socket changed: only a restart applies it" \
    "  a changed Socket is named as needing a restart"
listening "$port"
ok $? "  and mauthd still listens where it did"
$TALK "$S" --client 192.0.2.33 --qid 4AFTER3 --from '<user@pass.example>' >"$tmp/after3.out" 2>&1
is "$(authserv "$tmp/after3.out")" mx.three.example "  new connections get mx.three.example"
! grep -q "connect from client.test\[192.0.2.33\]" "$tmp/mauthd.err"
ok $? "  LogLevel info applies at once: no debug line for that session"

# ---------------------------------------------------------------- in flight
touch "$tmp/go-held"
wait "$held"
is "$?" 0 "the held session runs to the end"
is "$(authserv "$tmp/held.out")" mx.one.example \
    "  under the configuration it connected with (mx.one.example), two reloads later"
like "$(cat "$tmp/held.out")" "eom continue" "  and its message goes on"

# ---------------------------------------------------------------- the load
touch "$tmp/stop-load"
wait "$load"
is "$?" 0 "the load ends without an error"
summary=$(head -1 "$tmp/load.out")
total=$(sed -n 's/^sessions=\([0-9]*\) .*/\1/p' "$tmp/load.out")
like "$summary" "ok=$total errors=0" "  no session lost or refused ($summary)"
is "$(sed -n 's/^eom continue //p' "$tmp/load.out")" "$total" "  every message answered continue"
n1=$(sed -n 's/^authserv mx.one.example //p' "$tmp/load.out")
n2=$(sed -n 's/^authserv mx.two.example //p' "$tmp/load.out")
n3=$(sed -n 's/^authserv mx.three.example //p' "$tmp/load.out")
is "$((${n1:-0} + ${n2:-0} + ${n3:-0}))" "$total" \
    "  each got an A-R field from configuration 1, 2 or 3 (${n1:-0}/${n2:-0}/${n3:-0})"
[ "${n1:-0}" -gt 0 ] && [ "${n2:-0}" -gt 0 ] && [ "${n3:-0}" -gt 0 ]
ok $? "  and the reloads happened while it ran (each configuration served some)"
! grep -q "internal error" "$tmp/mauthd.err"
ok $? "  no internal error logged"
like "$(grep -c 'LOAD[0-9]*: ip=' "$tmp/mauthd.err")" "$total" "  one log line per message"

stop "$mauthd_pid"
is "$stop_rc" 0 "mauthd stops cleanly"

# report rows: one per message of the load, the reporter of each being the
# AuthservID its session started with (a session that outlived the
# configuration it started with once read the freed AuthservID)
rows=$(sqlite3 "$tmp/reports.db" "SELECT reporter, count(*) FROM mauth_rows
    GROUP BY reporter ORDER BY reporter" | tr '\n' ' ')
is "$rows" "mx.one.example|${n1:-0} mx.three.example|${n3:-0} mx.two.example|${n2:-0} " \
    "report rows name the AuthservID of each message's configuration"
[ "$tap_failed" -eq 0 ] || { sed 's/^/# load: /' "$tmp/load.out"; tail -30 "$tmp/mauthd.err" | sed 's/^/# mauthd: /'; }
done_testing
