# measure.sh - one measurement of bench/run: start the milters of a
# scenario, warm up, send the messages, read the milters' CPU time and
# peak memory, count the queries that reached the test DNS server, and
# check from the header fields the milters added that they did the work.
# Source after milters.sh and mauthd-bench.sh; bash only.
#
#   measure ID VIA MILTERS SIZE CONC SOCK CACHE
#	Appends one line to $RESULTS:
#	  ID STATUS RATE CPU RSS P50 P99 DNSQ PFCPU CHECKS   (tab-separated)
#	CPU and PFCPU are ms per message of the milters and of Postfix (all
#	its processes; "" for VIA alone).
#	STATUS is "ok", or what went wrong (then the other fields may be
#	missing).  VIA: postfix (bench/smtp-load through Postfix) or alone
#	(bench/milter-load against the first milter).  MILTERS: "none" or
#	names joined by "+" (milters.sh).  CACHE: warm (a warm-up pass with
#	the same milters first) or cold (fresh milters and a fresh resolver
#	cache for the peers, no warm-up).
#
# How many messages: a warm measurement runs for about MEASURE_SECS
# seconds at the rate the warm-up reached (at least 100 messages, or 10
# per connection; at most 5000, 2000 at 64 KB); a cold one sends
# MEASURE_COLD messages (1000; 100 at one connection).
#
# Needs: BENCH_DIR, BENCH_TOP, BENCH_BUILD, RESULTS, PF_* (postfix.sh,
# for VIA postfix), DNS_LOG (dns-server.sh), MEASURE_SECS, MEASURE_COLD.

HZ=$(getconf CLK_TCK)

# cpu_ticks PID...: utime + stime of the processes (all their threads,
# those already gone included)
cpu_ticks()
{
	local p t=0 s
	for p in "$@"; do
		s=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $s
		t=$((t + ${12} + ${13}))
	done
	echo $t
}

# hwm_kb PID...: the sum of peak resident sizes
hwm_kb()
{
	local p t=0 v
	for p in "$@"; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo $t
}

# pf_cpu_ticks: CPU of our Postfix: the master, its live children and
# those it has reaped (cutime + cstime); all of Postfix runs under it
pf_cpu_ticks()
{
	local m p s t
	m=$(_pf_master_pid) || { echo 0; return; }
	s=$(sed 's/^.*) //' "/proc/$m/stat" 2>/dev/null) || { echo 0; return; }
	set -- $s
	t=$((${12} + ${13} + ${14} + ${15}))
	for p in $(pgrep -P "$m"); do
		t=$((t + $(cpu_ticks "$p")))
	done
	echo $t
}

# per_msg TICKS N: ms per message
per_msg() { awk -v t="$1" -v hz="$HZ" -v n="$2" 'BEGIN { printf "%.3f", t / hz / n * 1000 }'; }

field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# dns_queries: queries the test DNS server logged so far
dns_queries()
{
	grep -c ' IN$' "$DNS_LOG" 2>/dev/null || echo 0
}

# expect_checks MILTERS: the results the milters must have put in every
# message (checks.py's words; others may come with them)
expect_checks()
{
	case $1 in
	mauthd) echo "spf=pass dkim=pass dmarc=pass report" ;;
	mauthd-norep|mauthd-pg|opendkim-verify+opendmarc)
		echo "spf=pass dkim=pass dmarc=pass" ;;
	opendkim-verify) echo "dkim=pass" ;;
	opendmarc) echo "spf=pass dmarc=pass" ;;
	opendkim-sign|mauthd-sign-rsa) echo "sign=rsa-sha256" ;;
	mauthd-sign-ed) echo "sign=ed25519-sha256" ;;
	mauthd-sign-dual) echo "sign=rsa-sha256 sign=ed25519-sha256" ;;
	*) echo "-" ;;
	esac
}

# checks_cover CHECKS WANT: every word of WANT is in CHECKS (as often),
# and CHECKS holds for every message (no "(K of N)")
checks_cover()
{
	local got=" $1 " w
	[ "$2" = - ] && return 0
	case $1 in *" of "*")") return 1 ;; esac
	for w in $2; do
		case $got in
		*" $w "*) got=${got/ $w / } ;;
		*) return 1 ;;
		esac
	done
}

# pf_queue_empty: Postfix has delivered everything it accepted
pf_queue_empty()
{
	[ -z "$(find "$PF_DIR/queue/incoming" "$PF_DIR/queue/active" \
	    "$PF_DIR/queue/deferred" "$PF_DIR/queue/maildrop" -type f \
	    -print -quit 2>/dev/null)" ]
}

# pf_drain: wait (60 s at most) until the queue is empty, so that one
# scenario's deliveries do not take CPU from the next one's measurement
pf_drain()
{
	t_wait_until 60 pf_queue_empty ||
	    log "the Postfix queue did not drain in 60 s"
}

pf_set_milters()
{
	postconf -c "$PF_CONF" -e "smtpd_milters = $1" &&
	    postfix -c "$PF_CONF" reload >/dev/null 2>&1
	# New smtpd processes pick the setting up; idle old ones exit.
	sleep 1.5
}

# measure_count CONC SIZE WARMUP-RATE: messages for a warm measurement
# perf_start ID PID...: with BENCH_PERF=DIR, sample the milters' stacks
# during the measured load (perf record, all threads) into DIR/ID.data
perf_start()
{
	local id=$1
	shift
	perf__pid=
	[ -n "${BENCH_PERF:-}" ] && [ $# -gt 0 ] && command -v perf >/dev/null || return 0
	mkdir -p "$BENCH_PERF"
	perf record -q -F 1999 -g -o "$BENCH_PERF/$id.data" \
	    -p "$(IFS=,; echo "$*")" >/dev/null 2>"$BENCH_PERF/$id.err" &
	perf__pid=$!
	perf__id=$id
	sleep 0.5	# perf attaches to every thread before the load starts
}

# perf_stop: end the sampling; DIR/ID.txt is where the CPU time went, by
# library and function (self time, the hottest first)
perf_stop()
{
	[ -n "${perf__pid:-}" ] || return 0
	kill -INT "$perf__pid" 2>/dev/null
	wait "$perf__pid" 2>/dev/null
	perf report -q -i "$BENCH_PERF/$perf__id.data" --no-children \
	    --sort dso,symbol --stdio -g none --percent-limit 0.5 \
	    >"$BENCH_PERF/$perf__id.txt" 2>/dev/null
	perf__pid=
}

measure_count()
{
	awk -v c="$1" -v s="$2" -v r="${3:-0}" -v t="$MEASURE_SECS" 'BEGIN {
		lo = c > 10 ? 10 * c : 100; hi = s == "64k" ? 2000 : 5000
		n = int(r * t); if (n < lo) n = lo; if (n > hi) n = hi
		print n }'
}

measure()
{
	local id=$1 via=$2 milters=$3 size=$4 conc=$5 sock=$6 cache=$7
	local pids=() socks=() m p rc n file out c0 c1 q0 q1 hwm warm pf0 pf1
	local status=ok checks want load=() lout=$BENCH_DIR/load.out
	local report_db= warm_n=0 rows
	if [ "$milters" != none ]; then
		for m in ${milters//+/ }; do
			M_REPORT_DB=
			milter_start "$m" "$sock"
			rc=$?
			[ -n "${M_REPORT_DB:-}" ] && report_db=$M_REPORT_DB
			if [ $rc != 0 ]; then
				for p in "${pids[@]}"; do milter_stop "$p"; done
				[ $rc = 2 ] && status="n/a (not built)" ||
				    status="failed to start $m"
				printf '%s\t%s\n' "$id" "$status" >>"$RESULTS"
				return
			fi
			pids+=("$M_PID")
			if [ "$via" = postfix ]; then socks+=("$M_PFSOCK")
			else socks+=("$M_SOCK"); fi
		done
	fi
	# signing scenarios sign the message as submitted: unsigned
	file=$BENCH_DIR/msg-$([ "${milters#*sign}" != "$milters" ] && echo u-)$([ "$size" = 64k ] && echo 65536 || echo 4096).eml
	if [ "$via" = postfix ]; then
		pf_set_milters "$(IFS=,; echo "${socks[*]:-}")"
		pf_drain
		rm -f "$PF_DUMP"/* 2>/dev/null
		load=("$BENCH_BUILD/bench/smtp-load" -s "127.0.0.1:$PF_PORT" -P)
	else
		load=("$BENCH_BUILD/bench/milter-load" -s "${socks[0]}" -H)
	fi
	load+=(-f "$file" -c "$conc" -m 10 -F sender@sender.example
	    -R rcpt@bench.test -e mail.sender.example
	    -a 192.0.2.10 -a 192.0.2.11 -a 192.0.2.12)
	if [ "$cache" = warm ]; then
		warm_n=$((conc > 1 ? 5 * conc : 10))
		warm=$("${load[@]}" -n "$warm_n" 2>/dev/null | grep '^msgs=')
		n=$(measure_count "$conc" "$size" "$(field rate "$warm")")
	else
		[ -n "$peer__pid" ] && peer_resolver_restart
		n=$((conc > 1 ? MEASURE_COLD : MEASURE_COLD / 10))
	fi
	q0=$(dns_queries)
	[ "$via" = postfix ] && pf0=$(pf_cpu_ticks)
	c0=$(cpu_ticks "${pids[@]}")
	perf_start "$id" "${pids[@]}"
	"${load[@]}" -n "$n" >"$lout" 2>>"$BENCH_DIR/load.err"
	perf_stop
	c1=$(cpu_ticks "${pids[@]}")
	if [ "$via" = postfix ]; then
		pf_drain	# delivery is part of what Postfix does per message
		pf1=$(pf_cpu_ticks)
	fi
	q1=$(dns_queries)
	hwm=$(hwm_kb "${pids[@]}")
	out=$(grep '^msgs=' "$lout" | tail -n 1)
	if [ "$via" = postfix ]; then
		# a few delivered copies are enough to see what was added
		checks=$(/usr/bin/python3 "$BENCH_TOP/bench/lib/checks.py" mail \
		    "$file" $(ls -d "$PF_DUMP"/* 2>/dev/null | head -n 20))
		rm -f "$PF_DUMP"/* 2>/dev/null
	else
		checks=$(/usr/bin/python3 "$BENCH_TOP/bench/lib/checks.py" load "$lout")
	fi
	# a DMARC report row for every message mauthd saw (each message's end
	# waits for its row's commit, so all are in by now)
	if [ -n "$report_db" ]; then
		rows=$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from mauth_rows").fetchone()[0])' \
		    "$report_db" 2>/dev/null)
		if [ "$rows" = $((warm_n + n)) ]; then
			checks="$checks report"
		else
			checks="$checks report-rows=${rows:-?}/$((warm_n + n))"
		fi
	fi
	for p in "${pids[@]}"; do milter_stop "$p"; done
	want=$(expect_checks "$milters")
	checks_cover "$checks" "$want" || checks="UNEXPECTED: $checks (want $want)"
	local acc err
	acc=$(field accept "$out") err=$(field errors "$out")
	if [ -z "$acc" ]; then
		printf '%s\tload failed\n' "$id" >>"$RESULTS"
		return
	fi
	[ "$err" = 0 ] && [ "$acc" = "$n" ] || status="accepted $acc/$n, errors $err"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$status" \
	    "$(field rate "$out")" "$(per_msg $((c1 - c0)) "$n")" \
	    "$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
	    "$(field p50_ms "$out")" "$(field p99_ms "$out")" \
	    "$((q1 - q0))" "${pf1:+$(per_msg $((pf1 - pf0)) "$n")}" \
	    "$checks" >>"$RESULTS"
	log "$id: n=$n $(field rate "$out")/s cpu=$((c1 - c0)) ticks${pf1:+ postfix=$((pf1 - pf0)) ticks} dnsq=$((q1 - q0)) checks: $checks"
}
