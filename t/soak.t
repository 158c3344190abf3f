#!/bin/bash
# soak.t - bench/soak at 5,000 messages (50 SMTP sessions at once through a
# private Postfix to mauthd; five streams: signed, unsigned with a forged
# A-R, SPF fail, DMARC p=reject sender (rejected), SPF temperror under
# On-TempError tempfail): every message accounted for (sink received + refused), each
# stream's verdicts in mauthd's log, RSS and descriptors grow under 5% over
# the second half, no crash.  bench/soak -n 100000 is the full soak;
# SOAK_MESSAGES overrides the count here.
. "$(dirname "$0")/lib/common.sh"

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink unbound openssl; do
	command -v "$tool" >/dev/null || t_skip_all "$tool not installed"
done
build=${top_builddir:-$T_TOP}
[ -x "$build/bench/smtp-load" ] || t_skip_all "bench/smtp-load not built"

n=${SOAK_MESSAGES:-5000}
# one malloc arena: a short run's RSS then measures what mauthd holds
# (bench/soak says why; the fault tests do the same)
export MALLOC_ARENA_MAX=1
t_tmpdir dir || t_bail "no temp dir"
out=$("$T_TOP/bench/soak" -n "$n" --no-deps 2>"$dir/soak.err")
status=$?
err=$(cat "$dir/soak.err")
t_note "$out"
# field KEY [LINE-PATTERN]: KEY's value in the soak: line matching PATTERN
field() {
	printf '%s\n' "$out" | grep -E "^soak: ${2:-}" | tr ' ' '\n' |
	    sed -n "s/^$1=//p" | head -n 1
}

t_is "$(field messages)" "$n" "bench/soak sent $n messages" || t_diag "$err"
t_is "$(field accounted)" "$n" "  all accounted for: $(field sink_received) received by the sink + $(field refused) refused"
t_is "$(field lost)" 0 "  none lost"
for s in signed unsigned spffail dmarc temperror; do
	sent=$(field sent "stream=$s ")
	t_is "$(field logged_as_expected "stream=$s ")" "$sent" \
	    "  stream $s: mauthd logged the expected verdict for all $sent"
done
t_is "$(field tempfail "stream=temperror ")" "$(field sent "stream=temperror ")" \
    "  stream temperror: every message refused with 451 (On-TempError tempfail)"
t_is "$(field reject "stream=dmarc ")" "$(field sent "stream=dmarc ")" \
    "  stream dmarc: every message rejected with 550 (DMARC p=reject)"
g=$(field second_half_growth "rss_kb ")
if printf '%s\n' "$out" | grep -q '^soak: rss_check=skipped'; then
	t_ok 0 "  mauthd RSS $(field start "rss_kb ") -> $(field mid "rss_kb ") -> $(field end "rss_kb ") kB # SKIP ASan build: its quarantine holds freed memory"
else
	awk -v g="${g%\%}" 'BEGIN { exit !(g != "" && g < 5) }'
	t_ok $? "  mauthd RSS $(field start "rss_kb ") -> $(field mid "rss_kb ") -> $(field end "rss_kb ") kB: second half +$g (under 5%)"
fi
g=$(field second_half_growth "fds ")
awk -v g="${g%\%}" 'BEGIN { exit !(g != "" && g < 5) }'
t_ok $? "  mauthd fds $(field start "fds ") -> $(field mid "fds ") -> $(field end "fds "): second half +$g (under 5%)"
t_is "$(field crashes)" 0 "  no crash: alive at the end, stopped with status $(field stop_status)"
t_is "$(field report_rows)" "$n" "  reporting on: one report row per message in the store"
t_is "$status" 0 "  bench/soak says PASS" || t_diag "$err"
t_done
