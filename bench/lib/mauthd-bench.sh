# mauthd-bench.sh - mauthd for bench/run, through t/lib/mauthd.sh.
# Source after milters.sh.  mauthd__start NAME SOCKTYPE starts
#   mauthd            inbound: SPF, DKIM verify, DMARC (the default config,
#                     which records a DMARC report row per message in
#                     SQLite, WAL, synchronous=FULL)
#   mauthd-norep      the same with ReportStore none
#   mauthd-pg         the same recording in a private PostgreSQL (needs the
#                     postgresql package and libpq; "n/a" without)
#   mauthd-sign-rsa   outbound (InternalHosts 192.0.2.0/24): signs with
#   mauthd-sign-ed    the RSA-2048 key, the Ed25519 key, or both (two
#   mauthd-sign-dual  DKIM-Signature fields, RFC 8463), through a KeyTable
#                     and SigningTable as an operator would write them
# on a TCP port or a unix socket in BENCH_DIR.  Returns 2 ("n/a") when
# this build cannot do the job.  Sets M_PID, M_SOCK, M_PFSOCK, M_LOG and
# M_REPORT_DB (the SQLite report store, for mauthd; else empty).

# mauthd__tables: the KeyTable and one SigningTable per signing scenario
mauthd__tables()
{
	[ -r "$BENCH_DIR/keytable" ] && return 0
	printf 'rsa sender.example:rsa:%s\ned sender.example:ed:%s\n' \
	    "$BENCH_DIR/rsa.key" "$BENCH_DIR/ed.key" >"$BENCH_DIR/keytable"
	echo "sender.example rsa" >"$BENCH_DIR/signing-rsa"
	echo "sender.example ed" >"$BENCH_DIR/signing-ed"
	echo "sender.example rsa,ed" >"$BENCH_DIR/signing-dual"
}

mauthd__can_report()
{
	grep -q report_store "$BENCH_TOP/lib/conf.h" 2>/dev/null
}

# mauthd__pg - the bench's PostgreSQL (t/lib/pg.sh), started on first use
mauthd__pg()
{
	[ -n "${PG_URI:-}" ] && return 0
	# shellcheck source=/dev/null
	. "$BENCH_TOP/t/lib/pg.sh"
	[ -x "${PG_BIN:-}/initdb" ] || return 2
	"$BENCH_BUILD/tools/mauth" report rows -c /dev/null 2>&1 |
	    grep -q 'without libpq' && return 2
	pg_start >/dev/null 2>&1 || return 1
}

mauthd__start()
{
	local name=$1 type=$2 lines=() sock=
	[ -x "$BENCH_BUILD/filter/mauthd" ] || return 2
	case $name in
	mauthd) ;;
	mauthd-norep)
		mauthd__can_report || return 2
		lines+=("ReportStore none") ;;
	mauthd-pg)
		mauthd__can_report || return 2
		mauthd__pg || return $?
		lines+=("ReportStore $PG_URI") ;;
	mauthd-sign-rsa|mauthd-sign-ed|mauthd-sign-dual)
		mauthd__tables
		lines+=("InternalHosts 192.0.2.0/24"
		    "KeyTable $BENCH_DIR/keytable"
		    "SigningTable $BENCH_DIR/signing-${name#mauthd-sign-}") ;;
	*)
		echo "bench: unknown mauthd scenario $name" >&2
		return 1 ;;
	esac
	[ "$type" = unix ] && sock=$BENCH_DIR/$name.sock
	# shellcheck source=/dev/null
	. "$BENCH_TOP/t/lib/mauthd.sh"
	MAUTHD=$BENCH_BUILD/filter/mauthd MAUTHD_AUTHSERV_ID=bench.mauth \
	    MAUTHD_SOCKET=$sock \
	    mauthd_start "$DNS_ADDR@$DNS_PORT" "${lines[@]}" >/dev/null 2>&1 || {
		echo "bench: mauthd did not start:" >&2
		tail -n 20 "$MAUTHD_LOG" >&2
		return 1
	}
	M_PID=$MAUTHD_PID
	if [ -n "$sock" ]; then
		M_SOCK=local:$sock
		M_PFSOCK=unix:$sock
	else
		M_SOCK=inet:$MAUTHD_PORT@127.0.0.1
		M_PFSOCK=inet:127.0.0.1:$MAUTHD_PORT
	fi
	M_LOG=$MAUTHD_LOG
	# the store a row per message goes to, when it is SQLite (the default)
	M_REPORT_DB=
	case " ${lines[*]} " in
	*" ReportStore "*) ;;
	*) [ "$name" = mauthd ] && M_REPORT_DB=$MAUTHD_DIR/report/reports.db ;;
	esac
	MAUTHD_PID=	# bench/run stops it with milter_stop
}
