#!/bin/bash
# report-pg.t - the PostgreSQL report store, for a fleet: a real server
# (initdb in a temp dir, unix socket only, started and stopped here); two
# mauthd instances write to it and one report per domain covers both;
# the schema is created once and versioned; PostgreSQL stopped in the
# middle of a load loses no row: mauthd spools and catches up once the
# server is back.  Load comes from bench/milter-load (the MTA side of the
# milter protocol), DNS from a real unbound.
. "$(dirname "$0")/lib/dns-server.sh"
. "$(dirname "$0")/lib/mauthd.sh"
. "$(dirname "$0")/lib/pg.sh"
t_cleanup dns_cleanup

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run PostgreSQL as postgres"
for tool in unbound xmllint runuser; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done
[ -x "${PG_BIN:-}/initdb" ] || t_skip_all "PostgreSQL server not installed"
MAUTH=${top_builddir:-$T_TOP}/tools/mauth
LOAD=${top_builddir:-$T_TOP}/bench/milter-load
[ -x "$LOAD" ] || t_bail "$LOAD not built"
"$MAUTH" report rows -c /dev/null 2>&1 | grep -q 'without libpq' &&
    t_skip_all "mauth built without libpq"

PY=/usr/bin/python3
REPORT_PY=$T_TOP/t/lib/dmarc_report.py
SCHEMA=$T_TOP/t/vectors/dmarc/schemas/dmarcbis-aggregate-dmarc-xml-0.2.xsd
ZONES=$T_TOP/t/data/zones
GOOD=192.0.2.10 BAD=203.0.113.9

dns_server_start "$ZONES/e2e/report.example.zone" "$ZONES/tld/example.zone" ||
    t_bail "unbound did not start"
pg_start || t_bail "PostgreSQL did not start"
t_tmpdir WORK

# ---------------------------------------------------------------- two MTAs
MAUTHD_AUTHSERV_ID=mx1.e2e.test
MPORT=$(t_free_port 127.0.0.1)
mauthd_start "$DNS_ADDR@$DNS_PORT" "ReportStore $PG_URI" "LogLevel debug" \
    "MetricsSocket inet:$MPORT@127.0.0.1" || t_bail "mauthd 1 did not start"
M1_PID=$MAUTHD_PID M1_SOCK=inet:$MAUTHD_PORT@127.0.0.1 M1_LOG=$MAUTHD_LOG
M1_CONF=$MAUTHD_CONF
t_cleanup "kill -TERM $M1_PID 2>/dev/null; wait $M1_PID 2>/dev/null"
MAUTHD_PID=		# the library stops the second instance only
MAUTHD_AUTHSERV_ID=mx2.e2e.test
mauthd_start "$DNS_ADDR@$DNS_PORT" "ReportStore $PG_URI" "LogLevel debug" ||
    t_bail "mauthd 2 did not start"
M2_SOCK=inet:$MAUTHD_PORT@127.0.0.1

t_is "$(pg_psql 'SELECT COUNT(*), MAX(version) FROM mauth_schema')" "1|1" \
    "two instances started together: the schema was created once, version 1"

# load SOCKET N CLIENT FROM: N messages through milter-load; prints its summary
load()
{
	"$LOAD" -s "$1" -c 4 -n "$2" -a "$3" -F "user@$4" -R "rcpt@e2e.test" \
	    -t 30 2>>"$WORK/load.err"
}
count()
{
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"
}

OUT1=$(load "$M1_SOCK" 150 $GOOD a.report.example)
t_is "$(count accept "$OUT1")" 150 "mx1: 150 messages from $GOOD accepted" || t_diag "$OUT1"
OUT2=$(load "$M2_SOCK" 100 $BAD a.report.example)
# a reject with its own text counts as replycode in milter-load
t_is "$(count replycode "$OUT2")" 100 "mx2: 100 spoofed messages from $BAD rejected (p=reject)" ||
    t_diag "$OUT2"
t_is "$(pg_psql "SELECT reporter, COUNT(*) FROM mauth_rows GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" \
    "mx1.e2e.test|150 mx2.e2e.test|100 " "PostgreSQL holds each MTA's rows"

CONF=$WORK/mauth.conf
cp "$M1_CONF" "$CONF"
echo "ReportEmail dmarc@mx.e2e.test" >>"$CONF"
mkdir "$WORK/dry"
OUT=$("$MAUTH" report send -c "$CONF" --from 0 --to "$(($(date +%s) + 60))" \
    --dry-run "$WORK/dry" 2>&1)
t_is "$?" 0 "mauth report send --dry-run on PostgreSQL" || t_diag "$OUT"
f=$(ls "$WORK"/dry/*a.report.example*.xml.gz 2>/dev/null | head -n 1)
gunzip -c "$f" >"$WORK/a.xml"
xmllint --noout --schema "$SCHEMA" "$WORK/a.xml" 2>"$WORK/lint"
t_ok $? "  a valid RFC 9990 report for a.report.example" || t_diag_file "$WORK/lint"
t_is "$("$PY" "$REPORT_PY" counts "$WORK/a.xml" | awk '{print $1, $2, $NF}')" \
"$GOOD pass 150
$BAD reject 100" "  one report covers both MTAs: 150 + 100 messages"

# ---------------------------------------------------------------- outage
# 2000 messages through mx1; PostgreSQL goes away in the middle and comes
# back; every row must be there once the spool is replayed.
BEFORE=$(pg_psql "SELECT COUNT(*) FROM mauth_rows WHERE reporter = 'mx1.e2e.test'")
"$LOAD" -s "$M1_SOCK" -c 4 -n 2000 -a $GOOD -F user@a.report.example \
    -R rcpt@e2e.test -t 30 >"$WORK/outage.out" 2>>"$WORK/load.err" &
LOAD_PID=$!
t_wait_until 20 eval '[ "$(pg_psql "SELECT COUNT(*) FROM mauth_rows")" -ge $((BEFORE + 200)) ]'
pg_stop
t_ok $? "PostgreSQL stopped"
kill -0 "$LOAD_PID" 2>/dev/null
t_ok $? "  while the load is still running"
sleep 1
pg_restart
t_ok $? "  and started again"
wait "$LOAD_PID"
OUT=$(cat "$WORK/outage.out")
t_is "$(count accept "$OUT")" 2000 "  the MTA saw all 2000 messages accepted" || t_diag "$OUT"
t_wait_until 30 eval '[ "$(pg_psql "SELECT COUNT(*) FROM mauth_rows WHERE reporter = '"'mx1.e2e.test'"'")" -eq $((BEFORE + 2000)) ]'
t_is "$(pg_psql "SELECT COUNT(*) FROM mauth_rows WHERE reporter = 'mx1.e2e.test'")" \
    "$((BEFORE + 2000))" "  no row lost: all 2000 in PostgreSQL after the restart"
t_like "$(cat "$M1_LOG")" "rows go to the spool" "  mx1 logged that it spooled"
t_like "$(cat "$M1_LOG")" "replayed, the store is up to date" "  and that it caught up"
t_is "$(pg_psql "SELECT COUNT(*) - COUNT(DISTINCT id) FROM mauth_rows")" 0 \
    "  each row once"
# metric NAME: its value on mx1's metrics page
metric()
{
	"$PY" -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if l.startswith(sys.argv[2] + " "):
        print(l.split()[1])' "http://127.0.0.1:$MPORT/metrics" "$1"
}
SPOOLED=$(metric 'mauth_report_rows_total{result="spooled"}')
t_ok "$([ "${SPOOLED:-0}" -gt 0 ]; echo $?)" "  metrics: $SPOOLED rows spooled"
t_is "$(metric 'mauth_report_rows_total{result="replayed"}')" "$SPOOLED" \
    "  and as many replayed"
t_is "$(metric 'mauth_report_rows_total{result="lost"}')" 0 "  none lost"
t_is "$(metric mauth_report_store_up)" 1 "  the store is up again"

mauthd_stop
t_is "$?" 0 "mx2 stops cleanly"
kill -TERM "$M1_PID"
wait "$M1_PID"
t_is "$?" 0 "mx1 stops cleanly"
t_done
