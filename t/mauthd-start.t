#!/bin/sh
# mauthd-start.t - mauthd starts (also with the sample conf/mauthd.conf and
# the commands of conf/mauthd.service), listens (TCP_NODELAY on the listening
# socket), drops privileges to UserID (after binding a privileged port and
# reading a root-only trust anchor and DKIM key; no capabilities left; a
# session still works and signs), gives a local: socket SocketMode, owner and group, writes and
# removes PidFile, detaches only once it is up, stops
# cleanly on SIGTERM and SIGINT, reloads on SIGHUP, and refuses to start on a
# bad configuration or a busy socket.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/daemon.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
[ -x "$PY" ] || skip_all "$PY not installed"

port=$(free_port)
# a resolver that is never asked: no message goes through in this test
cat >"$tmp/tcp.conf" <<CONF
Socket inet:$port@$addr
AuthservID mx.test.example
Nameservers $addr@9
LogLevel debug
Syslog no
ReportStore sqlite:$tmp/reports.db
ReportSpool $tmp/spool
CONF

# ---------------------------------------------------------------- inet socket
start_mauthd "$tmp/tcp.conf"
wait_for listening "$port"
ok $? "mauthd -f listens on inet:$port@$addr"
wait_for grep -q "TCP_NODELAY set on the listening socket" "$tmp/mauthd.err"
ok $? "  and sets TCP_NODELAY on the listening socket"
like "$(cat "$tmp/mauthd.err")" "listening on inet:$port@$addr" "  and logs where it listens"

# a second daemon on the same socket fails and says why
"$MAUTHD" -f -c "$tmp/tcp.conf" 2>"$tmp/second.err"
is "$?" 69 "a second mauthd on the same port exits 69 (EX_UNAVAILABLE)"
like "$(cat "$tmp/second.err")" "cannot listen on inet:$port@$addr: Address already in use" \
    "  saying the address is in use"

kill -HUP "$mauthd_pid"
sleep 0.3
alive "$mauthd_pid"
ok $? "SIGHUP does not stop mauthd"
wait_for grep -q "reloaded $tmp/tcp.conf: configuration 2 in force" "$tmp/mauthd.err"
ok $? "  it reloads the configuration (t/mauthd-reload.t tests reloads)"

stop "$mauthd_pid" TERM
is "$stop_rc" 0 "SIGTERM stops mauthd with status 0"
like "$(cat "$tmp/mauthd.err")" "stopping on SIGTERM" "  logging why"
! listening "$port"
ok $? "  and the port is closed"

start_mauthd "$tmp/tcp.conf"
wait_for listening "$port"
stop "$mauthd_pid" INT
is "$stop_rc" 0 "SIGINT stops mauthd with status 0 as well"
like "$(cat "$tmp/mauthd.err")" "stopping on SIGINT" "  logging why"

# ---------------------------------------------------------------- sample + unit
# conf/mauthd.conf as shipped (only Socket moved to a free port), started,
# checked and reloaded with the commands of conf/mauthd.service
unit=$srcdir/conf/mauthd.service
# (and the report store, whose default directory the unit's StateDirectory makes)
sed "s|^Socket.*|Socket inet:$port@$addr|" "$srcdir/conf/mauthd.conf" >"$tmp/sample.conf"
printf 'ReportStore sqlite:%s/sample.db\nReportSpool %s/sample-spool\n' "$tmp" "$tmp" \
    >>"$tmp/sample.conf"
# unit_cmd KEY: the unit's command line for KEY with our binary and file
unit_cmd() {
	sed -n "s/^$1=//p" "$unit" |
	    sed -e "s|/usr/sbin/mauthd|$MAUTHD|" -e "s|/etc/mauth/mauthd.conf|$tmp/sample.conf|"
}
is "$(unit_cmd ExecStart)" "$MAUTHD -f -c $tmp/sample.conf" "conf/mauthd.service: ExecStart=mauthd -f -c /etc/mauth/mauthd.conf"
$(unit_cmd ExecStartPre) >"$tmp/pre.out" 2>&1
is "$?" 0 "  ExecStartPre (mauthd -n) accepts the sample configuration"
$(unit_cmd ExecStart) 2>"$tmp/mauthd.err" &
mauthd_pid=$!
started_pids="$started_pids $mauthd_pid"
wait_for listening "$port"
ok $? "  ExecStart starts mauthd with the sample configuration"
MAINPID=$mauthd_pid
eval "$(unit_cmd ExecReload)"
wait_for grep -q "reloaded $tmp/sample.conf: configuration 2 in force" "$tmp/mauthd.err"
ok $? "  ExecReload (kill -HUP \$MAINPID) reloads it"
stop "$mauthd_pid"
is "$stop_rc" 0 "  and SIGTERM (systemd's stop) ends it with status 0"

# ---------------------------------------------------------------- bad config
printf 'Socket inet:%s@%s\nDNSTimeout 10h\nReportStore none\n' "$port" "$addr" >"$tmp/bad.conf"
"$MAUTHD" -f -c "$tmp/bad.conf" 2>"$tmp/bad.err"
is "$?" 78 "a bad configuration: mauthd refuses to start (exit 78)"
is "$(cat "$tmp/bad.err")" "mauthd: $tmp/bad.conf:2: DNSTimeout: bad value \"10h\": the unit must be ms, s or m" \
    "  with the file:line error"
! listening "$port"
ok $? "  and never listens"

# ---------------------------------------------------------------- daemon mode
# without -f mauthd returns once it is up; the pid file names the daemon
mkdir "$tmp/run"
sed "s|^Syslog no|Syslog no\nPidFile $tmp/run/mauthd.pid|" "$tmp/tcp.conf" >"$tmp/daemon.conf"
"$MAUTHD" -c "$tmp/daemon.conf" 2>"$tmp/daemon.err"
is "$?" 0 "mauthd (no -f) exits 0 once the daemon is up"
dpid=$(cat "$tmp/run/mauthd.pid" 2>/dev/null)
started_pids="$started_pids $dpid"
[ -n "$dpid" ] && alive "$dpid"
ok $? "  PidFile names a running process"
listening "$port"
ok $? "  which listens already"
ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$dpid/status" 2>/dev/null)
[ -n "$ppid" ] && [ "$ppid" != $$ ]
ok $? "  detached: not a child of the shell that started it (parent $ppid)"
sid=$(cut -d' ' -f6 "/proc/$dpid/stat" 2>/dev/null)
is "$sid" "$dpid" "  a session leader (setsid)"
is "$(cat "$tmp/daemon.err")" "" "  nothing on standard error: once detached it logs nowhere (Syslog no)"
kill -TERM "$dpid"
wait_for sh -c "! kill -0 $dpid 2>/dev/null"
ok $? "  SIGTERM stops the daemon"
[ ! -e "$tmp/run/mauthd.pid" ]
ok $? "  and it removes its PidFile"

# a daemon that cannot start makes the starting command fail, with the reason
"$MAUTHD" -f -c "$tmp/tcp.conf" 2>"$tmp/blocker.err" &
blocker=$!
started_pids="$started_pids $blocker"
wait_for listening "$port"
"$MAUTHD" -c "$tmp/daemon.conf" 2>"$tmp/daemon2.err"
is "$?" 69 "mauthd (no -f) on a busy port exits 69"
like "$(cat "$tmp/daemon2.err")" "cannot listen on inet:$port@$addr" "  and says why on standard error"
stop "$blocker"

# ---------------------------------------------------------------- privileges
if [ "$(id -u)" -ne 0 ]; then
	echo "# not root: UserID and socket ownership not tested"
	done_testing
fi
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

mkdir "$tmp/nobody"
chown nobody "$tmp/nobody"
cat >"$tmp/user.conf" <<CONF
Socket inet:$port@$addr
Nameservers $addr@9
UserID nobody
PidFile $tmp/nobody/mauthd.pid
Syslog no
ReportStore sqlite:$tmp/nobody/reports.db
ReportSpool $tmp/nobody/spool
CONF
start_mauthd "$tmp/user.conf"
wait_for listening "$port"
ok $? "UserID nobody: mauthd listens"
uids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$mauthd_pid/status" | tr -s '\t ' ' ')
is "$uids" "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "  real, effective, saved and fs uid are nobody's"
gids=$(sed -n 's/^Gid:[[:space:]]*//p' "/proc/$mauthd_pid/status" | tr -s '\t ' ' ')
is "$gids" "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" "  and so are the gids"
groups=$(sed -n 's/^Groups:[[:space:]]*//p' "/proc/$mauthd_pid/status" | tr -s '\t ' ' ')
is "${groups% }" "$(id -G nobody)" "  supplementary groups are nobody's"
is "$(cat "$tmp/nobody/mauthd.pid" 2>/dev/null)" "$mauthd_pid" "  PidFile written after the drop holds its pid"
stop "$mauthd_pid"
is "$stop_rc" 0 "  SIGTERM stops it with status 0"

# a local: socket gets SocketMode and the owner UserID
mkdir "$tmp/sock"
cat >"$tmp/local.conf" <<CONF
Socket local:$tmp/sock/mauthd.sock
SocketMode 0600
UserID nobody
Nameservers $addr@9
Syslog no
ReportStore none
CONF
start_mauthd "$tmp/local.conf"
wait_for test -S "$tmp/sock/mauthd.sock"
ok $? "local: socket created"
sleep 0.2
is "$(stat -c '%a %U' "$tmp/sock/mauthd.sock" 2>/dev/null)" "600 nobody" "  with SocketMode 0600, owned by nobody"
"$MAUTHD" -f -c "$tmp/local.conf" 2>"$tmp/local2.err"
is "$?" 69 "a second mauthd does not steal a live local: socket"
like "$(cat "$tmp/local2.err")" "another process is listening there" "  and says so"
test -S "$tmp/sock/mauthd.sock"
ok $? "  the first one's socket is still there"
stop "$mauthd_pid"
is "$stop_rc" 0 "  SIGTERM stops it with status 0"

# The order of main.c: files only root may read and a port only root may
# bind are taken before the drop, and the dropped daemon still does its
# work.  A privileged port that listens proves the socket was opened as
# root; a root-only trust anchor that loads proves the resolver read its
# files before the drop (as DKIM keys will be).
pport=$($PY - "$addr" <<'PYEOF'
import random, socket, sys
for port in random.sample(range(600, 1024), 424):
    s = socket.socket()
    try:
        s.bind((sys.argv[1], port))
    except OSError:
        continue
    print(port)
    break
PYEOF
)
printf '%s\n' "example.org. IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" \
    >"$tmp/root-only.ta"
chmod 600 "$tmp/root-only.ta"
mkdir "$tmp/sock2"
# a DKIM signing key only root can read, named by the KeyTable
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/root-only.key" 2>/dev/null
chmod 600 "$tmp/root-only.key"
printf 'sel._domainkey.example.org example.org:sel:%s\n' "$tmp/root-only.key" \
    >"$tmp/keytable"
printf '*@example.org sel._domainkey.example.org\n' >"$tmp/signingtable"
cat >"$tmp/order.conf" <<CONF
Socket inet:$pport@$addr
UserID nobody:daemon
TrustAnchorFile $tmp/root-only.ta
KeyTable $tmp/keytable
SigningTable refile:$tmp/signingtable
Nameservers $addr@9
DNSTimeout 300ms
AuthservID mx.test.example
Syslog no
ReportStore none
CONF
start_mauthd "$tmp/order.conf"
wait_for listening "$pport"
ok $? "UserID nobody:daemon on privileged port $pport: listening (bound before the drop)"
is "$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$mauthd_pid/status" | tr -s '\t ' ' ')" \
    "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "  running as nobody"
is "$(sed -n 's/^Gid:[[:space:]]*//p' "/proc/$mauthd_pid/status" | tr -s '\t ' ' ')" \
    "$(getent group daemon | cut -d: -f3) $(getent group daemon | cut -d: -f3) $(getent group daemon | cut -d: -f3) $(getent group daemon | cut -d: -f3)" \
    "  with the named group"
is "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$mauthd_pid/status")" 0000000000000000 \
    "  and no capabilities left"
# the trust anchor and the key are readable by root alone: they were read
# before the drop
! su -s /bin/sh nobody -c "cat '$tmp/root-only.ta'" >/dev/null 2>&1
ok $? "  (the trust anchor is unreadable for nobody)"
! su -s /bin/sh nobody -c "cat '$tmp/root-only.key'" >/dev/null 2>&1
ok $? "  (so is the DKIM key)"
$PY "$srcdir/t/lib/miltertalk.py" "inet:$pport@$addr" --client 127.0.0.1 \
    --from '<user@example.org>' --header 'From: <user@example.org>' \
    --header 'To: <rcpt@example.net>' --header 'Subject: signed' >"$tmp/sign.out" 2>&1
like "$(cat "$tmp/sign.out")" "DKIM-Signature ' v=1; a=rsa-sha256;" \
    "  after the drop it signs with the root-only key it loaded before"
like "$(cat "$tmp/sign.out")" "d=example.org;" "  as d=example.org"
$PY "$srcdir/t/lib/miltertalk.py" "inet:$pport@$addr" --from '<user@example.org>' \
    >"$tmp/order.out" 2>&1
like "$(cat "$tmp/order.out")" "eom insheader 0 Authentication-Results ' mx.test.example;" \
    "  a whole milter session after the drop: our A-R field"
like "$(cat "$tmp/order.out")" "spf=temperror" "  (the resolver is unreachable: temperror)"
stop "$mauthd_pid"
is "$stop_rc" 0 "  SIGTERM stops it with status 0"

# SocketMode 0660 and the group of UserID on a local: socket, in a
# directory UserID owns (as /run/mauth would be), so the dropped daemon can
# remove the socket when it stops
chown nobody "$tmp/sock2"
cat >"$tmp/local2.conf" <<CONF
Socket local:$tmp/sock2/mauthd.sock
SocketMode 0660
UserID nobody:daemon
Nameservers $addr@9
Syslog no
ReportStore none
CONF
start_mauthd "$tmp/local2.conf"
wait_for test -S "$tmp/sock2/mauthd.sock"
sleep 0.2
is "$(stat -c '%a %U %G' "$tmp/sock2/mauthd.sock" 2>/dev/null)" "660 nobody daemon" \
    "local: socket with SocketMode 0660, owner nobody, group daemon"
$PY "$srcdir/t/lib/miltertalk.py" "local:$tmp/sock2/mauthd.sock" --client local >"$tmp/local2.out" 2>&1
like "$(cat "$tmp/local2.out")" "eom continue" "  the MTA side connects through it to the dropped daemon"
stop "$mauthd_pid"
is "$stop_rc" 0 "  SIGTERM stops it with status 0"
[ ! -e "$tmp/sock2/mauthd.sock" ]
ok $? "  and the socket is removed"

done_testing
