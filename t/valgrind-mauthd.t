#!/bin/bash
# valgrind-mauthd.t - mauthd under valgrind's memcheck for 1,000 messages
# through a real Postfix: no memory error, no definite leak
#
# Slow (a few minutes), so it runs only with MAUTH_VALGRIND=1 (scripts/
# test.sh sets it for CI); it skips for a sanitizer build (valgrind cannot
# run ASan programs).  mauthd (t/lib/mauthd.sh with MAUTHD_WRAPPER) judges
# four streams sent by bench/smtp-load through a private Postfix that
# takes the PROXY protocol: SPF pass with a forged A-R field, SPF fail,
# SPF temperror (a CNAME loop) refused with 451, DKIM-signed mail verified
# (dkim=pass, dmarc=pass), an internal client's mail signed, and clients
# that hang up mid-DATA (t/lib/smtpraw.py).  valgrind's exit code (99 for any error
# or definite leak) and its log (-q: only errors and definite leaks are
# written) decide.
. "$(dirname "$0")/lib/dns-server.sh"	# first: it sets its own EXIT trap,
. "$(dirname "$0")/lib/postfix.sh"	# which common.sh's replaces;
. "$(dirname "$0")/lib/mauthd.sh"	# dns_cleanup is registered below
t_cleanup dns_cleanup

[ "${MAUTH_VALGRIND:-0}" = 1 ] || t_skip_all "set MAUTH_VALGRIND=1 to run mauthd under valgrind (slow)"
[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
command -v valgrind >/dev/null || t_skip_all "valgrind not installed (scripts/deps.sh test)"
if ldd "$MAUTHD" 2>/dev/null | grep -q 'libasan'; then
	t_skip_all "$MAUTHD is built with AddressSanitizer"
fi
LOAD=${top_builddir:-$T_TOP}/bench/smtp-load
[ -x "$LOAD" ] || t_skip_all "bench/smtp-load not built"
N=${VALGRIND_MESSAGES:-1000}

t_tmpdir DIR || t_bail "no temp dir"
# vg.example: SPF, DMARC p=reject and a DKIM key made here by mauth keys
# gen, for a stream that mauthd verifies and one that it signs
MAUTH=${top_builddir:-$T_TOP}/tools/mauth
mkdir -m 700 "$DIR/keys"
"$MAUTH" keys gen --domain vg.example --selector s1 --dir "$DIR/keys" \
    --keytable "$DIR/keys/keytable" --signingtable "$DIR/keys/signingtable" \
    >"$DIR/s1.record" 2>"$DIR/gen.err" || t_bail "mauth keys gen: $(cat "$DIR/gen.err")"
{
	printf '$ORIGIN vg.example.\n$TTL 300\n'
	printf '@ IN SOA ns.vg.example. hostmaster.vg.example. 1 3600 600 86400 300\n'
	printf '@ IN NS ns\nns IN A 192.0.2.53\n'
	printf '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
	printf '_dmarc IN TXT "v=DMARC1; p=reject"\n'
	cat "$DIR/s1.record"
} >"$DIR/vg.example.zone"
dns_server_start "$T_TOP/t/data/zones/faults/faults.example.zone" \
    "$T_TOP/t/data/zones/tld/example.zone" "$DIR/vg.example.zone" ||
    t_bail "unbound did not start"
MAUTHD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
--show-leak-kinds=definite --errors-for-leak-kinds=definite \
--num-callers=40 --log-file=$DIR/valgrind.%p"
MAUTHD_DNS_TIMEOUT=5s
mauthd_start "$DNS_ADDR@$DNS_PORT" "On-TempError tempfail" "LogLevel info" \
    "InternalHosts 127.0.0.0/8, 192.0.2.99" "KeyTable $DIR/keys/keytable" \
    "SigningTable $DIR/keys/signingtable" ||
    t_bail "mauthd did not start under valgrind"
PF_MAIN_CF="smtpd_upstream_proxy_protocol = haproxy
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000"
postfix_start "$MAUTHD_MILTER" || t_bail "private Postfix did not start"

printf 'From: <user@pass.faults.example>\r\nTo: <rcpt@e2e.test>\r\nSubject: vg\r\nAuthentication-Results: %s; spf=pass smtp.mailfrom=forged@x.example\r\n\r\nbody\r\n' \
    "$MAUTHD_AUTHSERV_ID" >"$DIR/msg.eml"
printf 'From: <user@vg.example>\r\nTo: <rcpt@e2e.test>\r\nSubject: vg signed\r\nMessage-ID: <vg@vg.example>\r\n\r\nbody\r\n' \
    >"$DIR/vg.eml"
"$MAUTH" sign --domain vg.example --selector s1 --key "$DIR/keys/vg.example.s1.pem" \
    "$DIR/vg.eml" >"$DIR/signed.eml" 2>"$DIR/sign.err" || t_bail "mauth sign: $(cat "$DIR/sign.err")"
# stream NAME CLIENT MAILFROM COUNT [MESSAGE]: bench/smtp-load, 5 sessions
stream() {
	"$LOAD" -s "$PF_ADDR:$PF_PORT" -P -a "$2" -c 5 -m 10 -n "$4" -F "$3" \
	    -R "rcpt@$PF_DOMAIN" -e mx.client.faults.example -f "${5:-$DIR/msg.eml}" \
	    -t 300 >"$DIR/$1.out" 2>&1
}
each=$((N * 18 / 100))
stream pass 192.0.2.10 user@pass.faults.example "$each" &
p1=$!
stream fail 203.0.113.9 user@pass.faults.example "$each" &
p2=$!
stream temperror 192.0.2.10 user@loop.faults.example "$each" &
p3=$!
stream verify 192.0.2.10 user@vg.example "$each" "$DIR/signed.eml" &
p4=$!
stream sign 192.0.2.99 user@vg.example "$each" "$DIR/vg.eml" &
p5=$!
drops=$((N - 5 * each))
/usr/bin/python3 "$T_TOP/t/lib/smtpraw.py" "$PF_ADDR" "$PF_PORT" "$DIR/msg.eml" \
    --proxy --drop-after 40 --count "$drops" >"$DIR/drop.out" 2>&1
wait $p1 $p2 $p3 $p4 $p5
field() { tail -n 1 "$DIR/$1.out" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
t_is "$(field pass accept)" "$each" "$each SPF-pass messages with a forged A-R field accepted"
t_is "$(field fail accept)" "$each" "$each SPF-fail messages accepted"
t_is "$(field temperror tempfail)" "$each" "$each SPF-temperror messages refused with 451"
t_is "$(field verify accept)" "$each" "$each DKIM-signed messages accepted"
t_is "$(grep -c 'dkim=pass:vg.example:s1 dmarc=pass' "$MAUTHD_LOG")" "$each" \
    "  each verified: dkim=pass, dmarc=pass"
t_is "$(field sign accept)" "$each" "$each messages from an internal client accepted"
t_is "$(grep -c 'signed=vg.example/s1' "$MAUTHD_LOG")" "$each" "  each signed with vg.example/s1"
t_is "$(sort "$DIR/drop.out" | uniq -c | sed 's/^ *//')" "$drops dropped" \
    "$drops clients hung up mid-DATA"
t_is "$(grep -c 'action=' "$MAUTHD_LOG")" $((5 * each)) \
    "mauthd logged a verdict for each of the $((5 * each)) whole messages"
postfix_stop
mauthd_stop
status=$?
t_is "$status" 0 "mauthd under valgrind stops with status 0 (99: memcheck found errors)"
ls "$DIR"/valgrind.* >/dev/null 2>&1
t_ok $? "valgrind ran mauthd (its log file is there)"
# -q: the log holds nothing but errors and definite leaks
logs=$(cat "$DIR"/valgrind.* 2>/dev/null)
t_unlike "$logs" 'definitely lost' "no definite leak" ||
    printf '%s\n' "$logs" | head -n 60 | sed 's/^/# /'
t_is "$(printf '%s' "$logs" | grep -c '^==[0-9]*== [A-Z]')" 0 "no memory error" ||
    printf '%s\n' "$logs" | head -n 60 | sed 's/^/# /'
t_done
