# pg.sh - a private PostgreSQL server for tests.  Source it (it sources
# common.sh); bash only; needs root (the server runs as user postgres)
# and Debian's postgresql package.
#
#   pg_start
#       initdb a cluster in a temp dir (as postgres, trust authentication),
#       start it listening on a unix socket in that dir only (no TCP), and
#       create the database "mauth".  Sets PG_DIR, PG_LOG and PG_URI (a
#       libpq URI for ReportStore).  Stopped at exit.
#   pg_stop       stop the server (fast shutdown: sessions are cut)
#   pg_restart    start it again after pg_stop
#   pg_psql SQL   run SQL in the mauth database, unaligned tuples only
#
# PG_BIN names the server's bin directory (default: the newest under
# /usr/lib/postgresql).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR= PG_LOG= PG_URI=

_pg()
{
	(cd / && runuser -u postgres -- "$PG_BIN/$1" "${@:2}")
}

pg_start()
{
	if [ ! -x "$PG_BIN/initdb" ]; then
		t_diag "PostgreSQL server not installed (apt-get install postgresql)"
		return 1
	fi
	t_tmpdir PG_DIR || return 1
	chown postgres "$PG_DIR"
	PG_LOG=$PG_DIR/server.log
	if ! _pg initdb -D "$PG_DIR/db" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1; then
		t_diag_file "$PG_DIR/initdb.log"
		return 1
	fi
	t_cleanup pg_stop
	pg_restart || return 1
	if ! _pg psql -h "$PG_DIR" -U postgres -qc 'CREATE DATABASE mauth' postgres \
	    >"$PG_DIR/createdb.log" 2>&1; then
		t_diag_file "$PG_DIR/createdb.log"
		return 1
	fi
	PG_URI="postgresql:///mauth?host=$PG_DIR&user=postgres"
}

pg_restart()
{
	if ! _pg pg_ctl -D "$PG_DIR/db" -l "$PG_LOG" -w -t 30 \
	    -o "-k $PG_DIR -c listen_addresses=''" start >/dev/null 2>&1; then
		t_diag "PostgreSQL did not start"
		t_diag_file "$PG_LOG"
		return 1
	fi
}

pg_stop()
{
	[ -n "$PG_DIR" ] && [ -e "$PG_DIR/db/postmaster.pid" ] || return 0
	_pg pg_ctl -D "$PG_DIR/db" -m fast -w stop >/dev/null 2>&1
}

pg_psql()
{
	_pg psql -h "$PG_DIR" -U postgres -d mauth -qAtc "$1"
}
