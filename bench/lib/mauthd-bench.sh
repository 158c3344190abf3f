# mauthd-bench.sh - mauthd for bench/run, through t/lib/mauthd.sh.
# Source after milters.sh.  mauthd__start NAME SOCKTYPE returns 2 ("n/a")
# when this build's mauthd cannot do the job yet:
#   - it is not a milter yet (filter/main.c does not call smfi_main);
#   - a unix socket was asked and t/lib/mauthd.sh has no MAUTHD_SOCKET;
#   - a signing scenario and lib/conf.h has no signing keys yet;
#   - a reporting scenario and this build has no report store
#     (mauthd-norep: ReportStore none; mauthd-pg: PostgreSQL, needs the
#     postgresql package and libpq; plain mauthd records in SQLite, the
#     default).

mauthd__is_milter()
{
	grep -q smfi_main "$BENCH_TOP"/filter/*.c 2>/dev/null &&
	    [ -r "$BENCH_TOP/t/lib/mauthd.sh" ]
}

mauthd__can_sign()
{
	grep -qi 'sign' "$BENCH_TOP/lib/conf.h" 2>/dev/null
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
	local name=$1 type=$2 lines=()
	mauthd__is_milter || return 2
	if [ "$type" = unix ] && ! grep -q MAUTHD_SOCKET "$BENCH_TOP/t/lib/mauthd.sh"; then
		return 2
	fi
	case $name in
	mauthd) ;;
	mauthd-norep)
		mauthd__can_report || return 2
		lines+=("ReportStore none") ;;
	mauthd-pg)
		mauthd__can_report || return 2
		mauthd__pg || return $?
		lines+=("ReportStore $PG_URI") ;;
	mauthd-sign-*)
		mauthd__can_sign || return 2
		# Key names follow conf/mauthd.conf once signing lands.
		lines+=("InternalHosts 192.0.2.0/24")
		case $name in
		*-rsa)  lines+=("SigningKey sender.example rsa $BENCH_DIR/rsa.key") ;;
		*-ed)   lines+=("SigningKey sender.example ed $BENCH_DIR/ed.key") ;;
		*-dual) lines+=("SigningKey sender.example rsa $BENCH_DIR/rsa.key"
			    "SigningKey sender.example ed $BENCH_DIR/ed.key") ;;
		esac ;;
	esac
	# shellcheck source=/dev/null
	. "$BENCH_TOP/t/lib/mauthd.sh"
	MAUTHD=$BENCH_BUILD/filter/mauthd MAUTHD_AUTHSERV_ID=bench.mauth \
	    mauthd_start "$DNS_ADDR@$DNS_PORT" "${lines[@]}" >/dev/null 2>&1 || {
		echo "bench: mauthd did not start:" >&2
		tail -n 20 "$MAUTHD_LOG" >&2
		return 1
	}
	M_PID=$MAUTHD_PID
	M_SOCK=inet:$MAUTHD_PORT@127.0.0.1
	M_PFSOCK=inet:127.0.0.1:$MAUTHD_PORT
	MAUTHD_PID=	# bench/run stops it with milter_stop
}
