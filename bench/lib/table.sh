# table.sh - bench/run's output: the crypto floor of this machine, the
# table of every scenario (medians over the rounds) and the issue's
# targets against the figures of this run.  Source it; bash only.
#
#   crypto_floor FILE
#	openssl speed (1 s per figure) into FILE as shell assignments:
#	RSA_SIGN_MS RSA_VERIFY_MS ED_SIGN_MS ED_VERIFY_MS SHA256_MBPS.
#   bench_table SCENARIOS RESULTS MEDIANS
#	The markdown table on stdout; MEDIANS gets "id rate cpu rss p50 p99
#	dnsq runs pfcpu" per scenario measured (dnsq: the most over the
#	rounds).
#   bench_targets MEDIANS FLOOR-FILE
#	The targets of issue 7 as a markdown table: figure, the row it comes
#	from, met or missed (by how much).

crypto_floor()
{
	local rsa ed sha
	rsa=$(openssl speed -seconds 1 -mr rsa2048 2>/dev/null | grep '^+F2:')
	ed=$(openssl speed -seconds 1 -mr ed25519 2>/dev/null | grep '^+F6:')
	sha=$(openssl speed -seconds 1 -mr -bytes 4096 sha256 2>/dev/null |
	    grep '^+F:')
	# +F2:N:BITS:SIGN/s:VERIFY/s  +F6:N:BITS:NAME:SIGN/s:VERIFY/s  +F:N:NAME:BYTES/s
	awk -v rsa="$rsa" -v ed="$ed" -v sha="$sha" 'BEGIN {
		split(rsa, r, ":"); split(ed, e, ":"); split(sha, s, ":")
		printf "RSA_SIGN_MS=%.3f\nRSA_VERIFY_MS=%.4f\n", r[4] ? 1000 / r[4] : 0, r[5] ? 1000 / r[5] : 0
		printf "ED_SIGN_MS=%.4f\nED_VERIFY_MS=%.4f\n", e[5] ? 1000 / e[5] : 0, e[6] ? 1000 / e[6] : 0
		printf "SHA256_MBPS=%.0f\n", s[4] / 1e6
	}' >"$1"
}

bench_table()
{
	printf '%s\n' "$1" | awk -F'|' -v results="$2" -v medians="$3" '
	function median(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function ratio(x, y) { return (y + 0 > 0 && x != "") ? sprintf("%.2fx", x / y) : "" }
	BEGIN {
		FS = "\t"
		while ((getline line < results) > 0) {
			split(line, f, "\t")
			if (f[2] != "ok") { note[f[1]] = f[2]; continue }
			rate[f[1]] = rate[f[1]] " " f[3]; cpu[f[1]] = cpu[f[1]] " " f[4]
			rss[f[1]] = rss[f[1]] " " f[5]; p50[f[1]] = p50[f[1]] " " f[6]
			p99[f[1]] = p99[f[1]] " " f[7]; runs[f[1]]++
			if (!(f[1] in dnsq) || f[8] + 0 > dnsq[f[1]]) dnsq[f[1]] = f[8] + 0
			# a round whose checks failed is what the column shows
			if (f[9] != "") pfc[f[1]] = pfc[f[1]] " " f[9]
			if (!(f[1] in chk) || f[10] ~ /^UNEXPECTED/) chk[f[1]] = f[10]
		}
		FS = "|"
		print "| scenario | via | milter | size | conc | socket | DNS cache | msgs/s | milter CPU ms/msg | Postfix CPU ms/msg | peak RSS MB | p50 ms | p99 ms | msgs/s vs ref | CPU vs ref | ref | DNS q | checks (from the added fields) | runs |"
		print "| --- | --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |"
	}
	$1 == "" { next }
	{
		id = $1
		if (runs[id] == 0) {
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | | | | | | | | %s | | | 0 |\n", id, $2, $3, $4, $5, $6, $7, (id in note ? note[id] : "not run"), $8
			next
		}
		r = median(rate[id]); c = median(cpu[id])
		mr[id] = r; mc[id] = c
		pc = id in pfc ? sprintf("%.3f", median(pfc[id])) : ""
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, r, c, median(rss[id]), median(p50[id]), median(p99[id]), dnsq[id], runs[id], pc > medians
		printf "| %s | %s | %s | %s | %s | %s | %s | %.0f | %.3f | %s | %.1f | %.2f | %.2f | %s | %s | %s | %d | %s | %d |\n", id, $2, $3, $4, $5, $6, $7, r, c, pc, median(rss[id]), median(p50[id]), median(p99[id]), ($8 in mr ? ratio(r, mr[$8]) : ""), ($8 in mc && $3 !~ /^null/ && $3 != "none" ? ratio(c, mc[$8]) : ""), $8, dnsq[id], chk[id], runs[id]
	}'
}

bench_targets()
{
	# shellcheck source=/dev/null
	. "$2"
	awk -v rs="$RSA_SIGN_MS" -v rv="$RSA_VERIFY_MS" -v sha="$SHA256_MBPS" '
	BEGIN { FS = "\t" }
	{ rate[$1] = $2; cpu[$1] = $3; rss[$1] = $4; p50[$1] = $5; dnsq[$1] = $7; pfcpu[$1] = $9 }
	function has(id) { return id in rate }
	function row(what, fig, unit, lim, lower_ok, from,   met, v) {
		if (fig == "") { printf "| %s | n/a | %s | not measured |\n", what, from; return }
		met = lower_ok ? fig + 0 <= lim + 0 : fig + 0 >= lim + 0
		if (met) v = "met"
		else if (lim + 0 == 0 || fig + 0 == 0) v = "missed"
		else v = sprintf("missed (%.2fx the target)", lower_ok ? fig / lim : lim / fig)
		printf "| %s | %s%s | %s | %s |\n", what, fig, unit, from, v
	}
	function ctx(what, fig, from) {
		if (fig != "") printf "| %s | %s | %s | (context) |\n", what, fig, from
	}
	function xs(r) { return r == "" ? "" : r "x" }
	function ratio(a, b) { return has(a) && has(b) && rate[b] > 0 ? sprintf("%.2f", rate[a] / rate[b]) : "" }
	function get(a, arr) { return has(a) ? arr[a] : "" }
	END {
		# per 4 KB message: one RSA-2048 verify (or sign), SHA-256 of ~4 KB
		hash = sha > 0 ? 4096 / (sha * 1e6) * 1000 : 0
		fin = rv + hash; fsig = rs + hash
		print "| target | figure | from | verdict |"
		print "| --- | ---: | --- | --- |"
		row("inbound msgs/s >= 5x OpenDKIM+OpenDMARC (Postfix, 20 sessions)", ratio("pf-mauthd-in", "pf-peer-in"), "x", 5, 0, "pf-mauthd-in / pf-peer-in")
		row("inbound msgs/s >= 5x the peers, 64 KB", ratio("pf64-mauthd-in", "pf64-peer-in"), "x", 5, 0, "pf64-mauthd-in / pf64-peer-in")
		row("inbound msgs/s >= 5x the peers, 1 session, TCP", ratio("pf1-mauthd-in", "pf1-peer-in"), "x", 5, 0, "pf1-mauthd-in / pf1-peer-in")
		row("inbound msgs/s >= 5x the peers, unix sockets", ratio("pfu-mauthd-in", "pfu-peer-in"), "x", 5, 0, "pfu-mauthd-in / pfu-peer-in")
		row("inbound msgs/s >= 90% of Postfix alone (20 sessions)", ratio("pf-mauthd-in", "pf-none"), "x", 0.9, 0, "pf-mauthd-in / pf-none")
		row("inbound msgs/s >= 90% of Postfix alone, 64 KB", ratio("pf64-mauthd-in", "pf64-none"), "x", 0.9, 0, "pf64-mauthd-in / pf64-none")
		row("inbound msgs/s >= 90% of Postfix alone, 1 session", ratio("pf1-mauthd-in", "pf1-none"), "x", 0.9, 0, "pf1-mauthd-in / pf1-none")
		ctx("ceiling: Postfix with the null milter / Postfix alone (20 sessions)", xs(ratio("pf-null", "pf-none")), "pf-null / pf-none")
		ctx("mauthd inbound / the null milter, behind Postfix (20 sessions)", xs(ratio("pf-mauthd-in", "pf-null")), "pf-mauthd-in / pf-null")
		if (has("pf-none") && has("pf-null") && pfcpu["pf-none"] != "")
			ctx("CPU of Postfix itself per message: alone / with the null milter / with mauthd", sprintf("%s / %s / %s ms", pfcpu["pf-none"], pfcpu["pf-null"], pfcpu["pf-mauthd-in"]), "pf-none, pf-null, pf-mauthd-in")
		# when the machine is CPU-bound, rates go as total CPU per message
		if (pfcpu["pf-none"] != "" && pfcpu["pf-mauthd-in"] != "")
			ctx("inbound msgs/s vs Postfix alone from CPU per message (Postfix / (Postfix + mauthd), what a CPU-bound machine gets)", sprintf("%.2fx", pfcpu["pf-none"] / (pfcpu["pf-mauthd-in"] + cpu["pf-mauthd-in"])), "pf-none, pf-mauthd-in")
		if (pfcpu["pf-none"] != "" && pfcpu["pf-null"] != "")
			ctx("the same for the null milter", sprintf("%.2fx", pfcpu["pf-none"] / (pfcpu["pf-null"] + cpu["pf-null"])), "pf-none, pf-null")
		row("inbound milter CPU <= 0.3 ms per 4 KB message, behind Postfix", get("pf-mauthd-in", cpu), " ms", 0.3, 1, "pf-mauthd-in")
		row("inbound milter CPU <= 0.3 ms per 4 KB message, milter alone", get("a20-mauthd-in", cpu), " ms", 0.3, 1, "a20-mauthd-in")
		ctx("inbound milter CPU without the report row (ReportStore none), behind Postfix / alone", has("pf-mauthd-norep") && has("a20-mauthd-norep") ? sprintf("%s / %s ms", cpu["pf-mauthd-norep"], cpu["a20-mauthd-norep"]) : "", "pf-mauthd-norep, a20-mauthd-norep")
		if (has("pf-null"))
			row(sprintf("inbound CPU <= 1.5x (null milter + floor) = %.3f ms, behind Postfix", 1.5 * (cpu["pf-null"] + fin)), get("pf-mauthd-in", cpu), " ms", 1.5 * (cpu["pf-null"] + fin), 1, "pf-mauthd-in, pf-null")
		if (has("a20-null"))
			row(sprintf("inbound CPU <= 1.5x (null milter + floor) = %.3f ms, alone", 1.5 * (cpu["a20-null"] + fin)), get("a20-mauthd-in", cpu), " ms", 1.5 * (cpu["a20-null"] + fin), 1, "a20-mauthd-in, a20-null")
		row("RSA-2048 signing milter CPU <= 0.5 ms, behind Postfix", get("pf-mauthd-rsa", cpu), " ms", 0.5, 1, "pf-mauthd-rsa")
		row("RSA-2048 signing milter CPU <= 0.5 ms, milter alone", get("a20-mauthd-rsa", cpu), " ms", 0.5, 1, "a20-mauthd-rsa")
		if (has("pf-null"))
			row(sprintf("RSA-2048 signing CPU <= 1.5x (null milter + floor) = %.3f ms, behind Postfix", 1.5 * (cpu["pf-null"] + fsig)), get("pf-mauthd-rsa", cpu), " ms", 1.5 * (cpu["pf-null"] + fsig), 1, "pf-mauthd-rsa, pf-null")
		if (has("a20-null"))
			row(sprintf("RSA-2048 signing CPU <= 1.5x (null milter + floor) = %.3f ms, alone", 1.5 * (cpu["a20-null"] + fsig)), get("a20-mauthd-rsa", cpu), " ms", 1.5 * (cpu["a20-null"] + fsig), 1, "a20-mauthd-rsa, a20-null")
		row("p50 <= 3 ms, 1 connection, TCP, milter alone", get("a1-mauthd-in", p50), " ms", 3, 1, "a1-mauthd-in")
		row("p50 <= 3 ms, 1 connection, unix socket, milter alone", get("a1u-mauthd-in", p50), " ms", 3, 1, "a1u-mauthd-in")
		row("peak RSS <= 50 MB at 200 connections", get("a200-mauthd-in", rss), " MB", 50, 1, "a200-mauthd-in")
		n = 0; worst = ""; from = ""
		for (id in dnsq)
			if (id ~ /mauthd/ && id !~ /^(pfc|ac)-/) {
				n++
				if (worst == "" || dnsq[id] + 0 > worst + 0) { worst = dnsq[id]; from = id }
			}
		row(sprintf("warm DNS cache: 0 queries for a repeated sender (most in any of %d warm mauthd rows)", n), worst, "", 0, 1, from)
	}' "$1"
}
