#!/bin/sh
# check.t - mauth check: the Authentication-Results line it prints for SPF
# (the test message is unsigned, so every line has "dkim=none", then its dmarc=)
# verdicts answered from t/data/zones/check.zone, that forged A-R fields in
# the input change nothing, and the exit status of every kind of failure.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
MAUTH=$top_builddir/tools/mauth
ZONE=$srcdir/t/data/zones/check.zone

# A real unbound on loopback for --nameserver (stopped by dns_cleanup)
. "$srcdir/t/lib/dns-server.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"; dns_cleanup' EXIT

n=0
failed=0
ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
is() {	# is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	ok $? "$3"
	if [ "$1" != "$2" ]; then
		printf '#      got: %s\n#   expected: %s\n' "$1" "$2"
	fi
}

# run ARGS... : sets out, err, rc
run() {
	"$MAUTH" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

printf 'AuthservID mx.test.example\n' >"$tmp/mauthd.conf"
C="-c $tmp/mauthd.conf --zone $ZONE"

cat >"$tmp/msg.eml" <<'EOF'
Return-Path: <bounce@pass.check.example>
From: Someone <someone@pass.check.example>
To: rcpt@test.example
Subject: mauth check test

Hello.
EOF

AR="Authentication-Results: mx.test.example;"
# the message's From domain has no DMARC record: dmarc=none (its own
# cases are in t/dmarc-check.t)
DM="; dmarc=none header.from=pass.check.example"

# ---------------------------------------------------------------- verdicts
check_line() {	# check_line DESCRIPTION WANT ARGS...
	desc=$1 want=$2
	shift 2
	run check $C "$@"
	is "$rc" 0 "$desc: exit 0"
	is "$out" "$want" "$desc: A-R line"
}

check_line pass "$AR spf=pass smtp.mailfrom=user@pass.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example --mail-from user@pass.check.example "$tmp/msg.eml"
check_line "pass, MAIL FROM in angle brackets" \
	"$AR spf=pass smtp.mailfrom=user@pass.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example --mail-from '<user@pass.check.example>' "$tmp/msg.eml"
check_line fail "$AR spf=fail smtp.mailfrom=user@fail.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example --mail-from user@fail.check.example "$tmp/msg.eml"
check_line softfail "$AR spf=softfail smtp.mailfrom=user@softfail.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example --mail-from user@softfail.check.example "$tmp/msg.eml"
check_line neutral "$AR spf=neutral smtp.mailfrom=user@neutral.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --mail-from user@neutral.check.example "$tmp/msg.eml"
check_line "none (no SPF record)" "$AR spf=none smtp.mailfrom=user@nospf.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --mail-from user@nospf.check.example "$tmp/msg.eml"
check_line permerror \
	"$AR spf=permerror reason=\"permerror.check.example: term \\\"frobnicate\\\": unknown mechanism \\\"frobnicate\\\"\" smtp.mailfrom=user@permerror.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example --mail-from user@permerror.check.example "$tmp/msg.eml"
check_line "null sender: HELO identity passes" "$AR spf=pass smtp.helo=mx.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example --mail-from '<>' "$tmp/msg.eml"
check_line "null sender: HELO identity fails" "$AR spf=fail smtp.helo=mx.check.example; dkim=none$DM" \
	--ip 198.51.100.7 --helo mx.check.example --mail-from '' "$tmp/msg.eml"
check_line "IPv6 client not in the record" "$AR spf=fail smtp.mailfrom=user@pass.check.example; dkim=none$DM" \
	--ip 2001:db8::25 --helo mx.check.example --mail-from user@pass.check.example "$tmp/msg.eml"
check_line "MAIL FROM defaults to Return-Path" \
	"$AR spf=pass smtp.mailfrom=bounce@pass.check.example; dkim=none$DM" \
	--ip 192.0.2.10 --helo mx.check.example "$tmp/msg.eml"
check_line "no --ip: SPF not evaluated, DKIM finds no signature, DMARC still runs" "$AR dkim=none$DM" \
	--helo mx.check.example --mail-from user@pass.check.example "$tmp/msg.eml"

run check $C --authserv-id other.test.example --ip 192.0.2.10 \
	--mail-from user@pass.check.example "$tmp/msg.eml"
is "$out" "Authentication-Results: other.test.example; spf=pass smtp.mailfrom=user@pass.check.example; dkim=none$DM" \
	"--authserv-id overrides AuthservID"

run check $C --ip 192.0.2.10 --mail-from user@fail.check.example - <"$tmp/msg.eml"
is "$out" "$AR spf=fail smtp.mailfrom=user@fail.check.example; dkim=none$DM" "message from stdin (-)"
run check $C --ip 192.0.2.10 --mail-from user@fail.check.example <"$tmp/msg.eml"
is "$out" "$AR spf=fail smtp.mailfrom=user@fail.check.example; dkim=none$DM" "message from stdin (no argument)"

# Several --zone files make one table: include:_spf.example.net is in
# another file than the record that names it.
run check -c "$tmp/mauthd.conf" --zone "$srcdir/t/data/zones/example.org.zone" \
	--zone "$srcdir/t/data/zones/example.net.zone" --ip 203.0.113.5 \
	--mail-from user@include.example.org "$tmp/msg.eml"
is "$out" "$AR spf=pass smtp.mailfrom=user@include.example.org; dkim=none$DM" \
	"--zone repeated: include: across zone files"

# ---------------------------------------------------------------- live DNS
# The same verdicts through libunbound from a real server (--nameserver or
# the config's Nameservers), and temperror from one that never answers.
# The tree walk of DMARC (RFC 9989 4.10) asks up to _dmarc.example, and the
# test server refuses names outside its zones: serve the TLD too.
if dns_server_start "$ZONE" "$srcdir/t/data/zones/tld/example.zone" &&
    dns_blackhole_start; then
	NS="$DNS_ADDR@$DNS_PORT"
	run check -c "$tmp/mauthd.conf" --nameserver "$NS" --ip 192.0.2.10 \
		--helo mx.check.example --mail-from user@pass.check.example "$tmp/msg.eml"
	is "$rc" 0 "--nameserver: exit 0"
	is "$out" "$AR spf=pass smtp.mailfrom=user@pass.check.example; dkim=none$DM" "--nameserver: pass"
	q=$(dns_server_queries pass.check.example TXT)
	[ "$q" -ge 1 ]
	ok $? "  the server was asked ($q TXT queries)"
	run check -c "$tmp/mauthd.conf" --nameserver "$NS" --ip 192.0.2.10 \
		--mail-from user@permerror.check.example "$tmp/msg.eml"
	is "$out" "$AR spf=permerror reason=\"permerror.check.example: term \\\"frobnicate\\\": unknown mechanism \\\"frobnicate\\\"\" smtp.mailfrom=user@permerror.check.example; dkim=none$DM" \
		"--nameserver: permerror"
	run check -c "$tmp/mauthd.conf" --nameserver "$NS" --ip 198.51.100.7 \
		--helo mx.check.example --mail-from '<>' "$tmp/msg.eml"
	is "$out" "$AR spf=fail smtp.helo=mx.check.example; dkim=none$DM" "--nameserver: null sender"

	printf 'AuthservID mx.test.example\nNameservers %s\n' "$NS" >"$tmp/ns.conf"
	run check -c "$tmp/ns.conf" --ip 192.0.2.10 --mail-from user@softfail.check.example \
		"$tmp/msg.eml"
	is "$out" "$AR spf=softfail smtp.mailfrom=user@softfail.check.example; dkim=none$DM" \
		"Nameservers from the config"

	printf 'AuthservID mx.test.example\nDNSTimeout 300ms\nOn-TempError tempfail\n' \
		>"$tmp/bh.conf"
	run check -c "$tmp/bh.conf" --nameserver "$BLACKHOLE_ADDR@$BLACKHOLE_PORT" \
		--ip 192.0.2.10 --mail-from user@pass.check.example "$tmp/msg.eml"
	is "$rc" 0 "server that never answers: still exit 0 (a verdict)"
	case $out in
	"$AR spf=temperror reason=\"pass.check.example: "*"\" smtp.mailfrom=user@pass.check.example; dkim=none; dmarc=temperror reason=\"_dmarc.pass.check.example: DNS TIMEOUT"*"\" header.from=pass.check.example") r=0 ;;
	*) r=1 ;;
	esac
	ok $r "  spf=temperror with a reason naming the domain"
	[ -n "$out" ] && echo "# $out"
else
	echo "# could not start unbound or the black hole"
	ok 1 "real DNS server on loopback"
fi

# ---------------------------------------------------------------- forged A-R
{
	printf 'Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=user@fail.check.example\n'
	printf 'Authentication-Results: (forged) MX.TEST.EXAMPLE;\n\tspf=pass smtp.mailfrom=user@fail.check.example\n'
	cat "$tmp/msg.eml"
} >"$tmp/forged.eml"
run check $C --ip 192.0.2.10 --mail-from user@fail.check.example "$tmp/forged.eml"
is "$rc" 0 "forged A-R in the input: exit 0"
is "$out" "$AR spf=fail smtp.mailfrom=user@fail.check.example; dkim=none$DM" \
	"forged A-R claiming pass does not change the verdict"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
ok $? "exactly one line printed"

# ---------------------------------------------------------------- exit codes
run check $C --bogus "$tmp/msg.eml"
is "$rc" 2 "unknown option: exit 2"
case $err in *"unknown option '--bogus'"*usage:*) r=0 ;; *) r=1 ;; esac
ok $r "  names the option and prints the usage on stderr"
is "$out" "" "  nothing on stdout"

run check $C --ip 192.0.2.300 "$tmp/msg.eml"
is "$rc" 2 "bad --ip: exit 2"
case $err in *"192.0.2.300"*) r=0 ;; *) r=1 ;; esac
ok $r "  names the address"

run check $C "$tmp/msg.eml" --ip
is "$rc" 2 "--ip without its argument: exit 2"

run check $C --nameserver 127.0.0.1 "$tmp/msg.eml"
is "$rc" 2 "--zone with --nameserver: exit 2"
run check --nameserver 127.0.0.1@99999 "$tmp/msg.eml"
is "$rc" 2 "bad --nameserver port: exit 2"
run check $C "$tmp/msg.eml" "$tmp/msg.eml"
is "$rc" 2 "two messages: exit 2"

run check $C --ip 192.0.2.10 "$tmp/no-such.eml"
is "$rc" 1 "unreadable message: exit 1"
case $err in *"no-such.eml"*) r=0 ;; *) r=1 ;; esac
ok $r "  names the file"

run check -c "$tmp/mauthd.conf" --zone "$tmp/no-such.zone" --ip 192.0.2.10 "$tmp/msg.eml"
is "$rc" 1 "unreadable zone: exit 1"
printf '$ORIGIN bad.example.\nx IN TXT "unterminated\n' >"$tmp/bad.zone"
run check -c "$tmp/mauthd.conf" --zone "$tmp/bad.zone" --ip 192.0.2.10 "$tmp/msg.eml"
is "$rc" 1 "malformed zone: exit 1"
case $err in *"bad.zone"*) r=0 ;; *) r=1 ;; esac
ok $r "  names the zone file"

printf 'NoSuchKey yes\n' >"$tmp/bad.conf"
run check -c "$tmp/bad.conf" --zone "$ZONE" --ip 192.0.2.10 "$tmp/msg.eml"
is "$rc" 1 "bad config: exit 1"
case $err in *"bad.conf"*"NoSuchKey"*) r=0 ;; *) r=1 ;; esac
ok $r "  names the file and the key"
run check -c "$tmp/no-such.conf" --zone "$ZONE" "$tmp/msg.eml"
is "$rc" 1 "missing config: exit 1"

# ---------------------------------------------------------------- dispatch, help
run
is "$rc" 2 "mauth without a command: exit 2"
case $err in *usage:*) r=0 ;; *) r=1 ;; esac
ok $r "  usage on stderr"
run frobnicate
is "$rc" 2 "unknown command: exit 2"
case $err in *"unknown command 'frobnicate'"*usage:*) r=0 ;; *) r=1 ;; esac
ok $r "  named, with the usage on stderr"
run --version
is "$rc" 0 "--version: exit 0"
case $out in "mauth "[0-9]*) r=0 ;; *) r=1 ;; esac
ok $r "  prints the version ($out)"
run help
is "$rc" 0 "help: exit 0"
case $out in *check*) r=0 ;; *) r=1 ;; esac
ok $r "  lists check"
run help check
is "$rc" 0 "help check: exit 0"
help_check=$out
run check --help
is "$rc" 0 "check --help: exit 0"
is "$out" "$help_check" "  same text as 'mauth help check'"
for opt in -c --config --zone --nameserver --ip --helo --mail-from --authserv-id --help; do
	case $out in *"$opt"*) r=0 ;; *) r=1 ;; esac
	ok $r "  documents $opt"
done
case $out in *"example"*"mauth check --zone"*) r=0 ;; *) r=1 ;; esac
ok $r "  with an example"
run help nosuch
is "$rc" 2 "help for an unknown command: exit 2"

echo "1..$n"
[ "$failed" -eq 0 ]
