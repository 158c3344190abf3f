#!/bin/sh
# conf.t - mauthd -n: the sample configuration is valid; malformed files are
# refused with exit 78 (EX_CONFIG) and "file:line: ..." naming key and value;
# -D prints the effective configuration; -h, -V and bad options.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
MAUTHD=$top_builddir/filter/mauthd
. "$srcdir/t/lib/tap.sh"

[ -x "$MAUTHD" ] || skip_all "$MAUTHD not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-conf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# run ARGS... : sets out, err, rc
run() {
	"$MAUTHD" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

sample=$srcdir/conf/mauthd.conf
run -n -c "$sample"
is "$rc" 0 "mauthd -n -c conf/mauthd.conf exits 0"
is "$out" "mauthd: $sample: configuration valid" "  and says the configuration is valid"
is "$err" "" "  and prints nothing on standard error"

# bad NAME LINE-WANTED CONTENT: a malformed file is refused naming file:line
bad() {
	printf "$3" >"$tmp/$1.conf"
	run -n -c "$tmp/$1.conf"
	is "$rc" 78 "$1: exit 78 (EX_CONFIG)"
	is "$err" "mauthd: $tmp/$1.conf:$2" "  $1: the error names file, line, key and value"
	is "$out" "" "  $1: nothing on standard output"
}

bad unknown-key '3: unknown key "Sockets"' '# comment\n\nSockets inet:1@127.0.0.1\n'
bad repeated-key '4: LogLevel: repeated (first set on line 2)' \
    'Socket inet:8891@127.0.0.1\nLogLevel info\n\nloglevel debug\n'
bad missing-value '2: DNSTimeout: value missing' 'Syslog no\nDNSTimeout   # none\n'
bad bad-time '1: DNSTimeout: bad value "90s": must be from 100ms to 1m' 'DNSTimeout 90s\n'
bad bad-port '5: Socket: bad value "inet:70000@127.0.0.1": the port must be a number from 1 to 65535' \
    '\n\n\n\nSocket inet:70000@127.0.0.1\n'
bad bad-bool '1: Syslog: bad value "perhaps": expected yes or no (or true/false, 1/0)' 'Syslog perhaps\n'
bad bad-cidr '2: InternalHosts: bad network "10.1.0.0/8": host bits set beyond /8' \
    'LogLevel info\nInternalHosts 127.0.0.0/8, 10.1.0.0/8\n'
bad bad-user '1: UserID: bad value "mauth-nobody-here": no such user "mauth-nobody-here"' \
    'UserID mauth-nobody-here\n'
bad bad-enum '1: On-InternalError: bad value "discard": expected one of tempfail, accept, reject' \
    'On-InternalError discard\n'

# what only the resolver can judge is checked by -n too
printf 'garbage, not a DS record\n' >"$tmp/bad-ta.key"
printf 'TrustAnchorFile %s\n' "$tmp/bad-ta.key" >"$tmp/bad-ta.conf"
run -n -c "$tmp/bad-ta.conf"
is "$rc" 78 "an unparsable trust anchor: exit 78"
like "$err" "mauthd: $tmp/bad-ta.conf: resolver: " "  reported as a resolver error"
printf '. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n' \
    >"$tmp/root.key"
printf 'TrustAnchorFile %s\nNameservers 127.0.0.1, ::1@5353\n' "$tmp/root.key" >"$tmp/ta.conf"
run -n -c "$tmp/ta.conf"
is "$rc" 0 "a root DS trust anchor and two forwarders: valid"

run -n -c "$tmp/does-not-exist.conf"
is "$rc" 78 "a missing file: exit 78"
is "$err" "mauthd: $tmp/does-not-exist.conf: cannot open: No such file or directory" "  with the reason"

# a bad file also stops a real start, before anything is opened
run -f -c "$tmp/bad-port.conf"
is "$rc" 78 "mauthd -f with a bad file exits 78"
like "$err" "bad-port.conf:5: Socket:" "  naming file:line"

# -D: every key with its effective value, which is itself a valid file
run -D -c "$sample"
is "$rc" 0 "mauthd -D exits 0"
like "$out" "Socket            inet:8891@127.0.0.1" "  prints Socket"
like "$out" "DNSTimeout        5s" "  prints the default DNSTimeout"
like "$out" "# UserID (not set)" "  marks unset keys"
printf '%s\n' "$out" >"$tmp/dump.conf"
run -n -c "$tmp/dump.conf"
is "$rc" 0 "  the dump is itself a valid configuration"

run -h
is "$rc" 0 "mauthd -h exits 0"
like "$out" "usage: mauthd" "  prints the usage"
like "$out" "-n       check the configuration" "  documents -n"
run -V
is "$rc" 0 "mauthd -V exits 0"
like "$out" "mauthd " "  prints the version"
run -x
is "$rc" 64 "an unknown option exits 64 (EX_USAGE)"
like "$err" "usage: mauthd" "  with the usage on standard error"
run -n -c "$sample" extra
is "$rc" 64 "a stray argument exits 64"

done_testing
