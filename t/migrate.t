#!/bin/sh
# migrate.t - mauth migrate on the configurations Debian's opendkim and
# opendmarc packages install (t/data/migrate, copied with their licence):
# the expected mauthd.conf, every option of the input accounted for (in
# the result or reported on stderr), the result loads in mauthd -n; every
# converter on a configuration of our own (booleans, bare socket path,
# umask, seconds, nameservers, a data-set file, on-error words, merges of
# the two files, unknown options); --table lists every option once.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
MAUTH=$top_builddir/tools/mauth
MAUTHD=$top_builddir/filter/mauthd
. "$srcdir/t/lib/tap.sh"

[ -x "$MAUTH" ] || skip_all "$MAUTH not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-migrate.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
data=$srcdir/t/data/migrate

# migrate NAME ARGS...: stdout in $tmp/NAME.conf, stderr in $tmp/NAME.err
migrate() {
	name=$1
	shift
	"$MAUTH" migrate "$@" >"$tmp/$name.conf" 2>"$tmp/$name.err"
	rc=$?
}
# accounted FILE NAME: each option line of FILE is named (FILE:LINE:) in
# the result or in the report; prints those that are not
accounted() {
	grep -n -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1" | cut -d: -f1 |
	while read -r n; do
		grep -q "^# $1:$n: \|^$1:$n: " "$tmp/$2.conf" "$tmp/$2.err" ||
		    echo "$1:$n"
	done
}

# ---------------------------------------------------------------- Debian
(cd "$data" && "$OLDPWD/$MAUTH" migrate --opendkim opendkim.conf --opendmarc opendmarc.conf \
    >"$tmp/debian.conf" 2>"$tmp/debian.err")
is "$?" 0 "Debian's opendkim.conf + opendmarc.conf: exit 0"
diff "$data/debian.ref" "$tmp/debian.conf" >"$tmp/debian.diff"
ok $? "  the expected mauthd.conf (t/data/migrate/debian.ref)"
[ -s "$tmp/debian.diff" ] && sed 's/^/#   /' "$tmp/debian.diff"
err=$(cat "$tmp/debian.err")
like "$err" "opendkim.conf:7: SyslogSuccess: not mapped: " "  reports SyslogSuccess as not mapped"
is "$(grep -E '^(Canonicalization|OversignHeaders) ' "$tmp/debian.conf" | tr -s ' ')" \
    "Canonicalization relaxed/simple
OversignHeaders From" "  OpenDKIM's signing options kept: Canonicalization, OversignHeaders"
like "$err" 'opendmarc.conf:67: Socket: not used: mauthd has one Socket, already "local:/run/opendkim/opendkim.sock"' \
    "  OpenDMARC's Socket: not used, OpenDKIM's kept (one daemon, one socket)"
like "$err" 'opendmarc.conf:114: UserID: not used' "  OpenDMARC's UserID likewise"
like "$(grep '^PublicSuffixList ' "$tmp/debian.conf")" "/usr/share/publicsuffix/public_suffix_list.dat" \
    "  OpenDMARC's PublicSuffixList is kept (for DMARCDiscovery psl)"
like "$err" "mauth migrate: 10 options mapped, 1 not mapped, 4 not used (set in both files)" \
    "  and sums up"
(cd "$tmp" && cp "$OLDPWD/$data/opendkim.conf" "$OLDPWD/$data/opendmarc.conf" . &&
    "$OLDPWD/$MAUTH" migrate --opendkim opendkim.conf --opendmarc opendmarc.conf \
    >debian.conf 2>debian.err)
missing=$(cd "$tmp" && for f in opendkim.conf opendmarc.conf; do accounted "$f" debian; done)
is "$missing" "" "  every option line of both files is in the result or the report"

# the result loads (UserID: a user this host has)
if [ -x "$MAUTHD" ]; then
	sed 's/^UserID .*/UserID root/' "$tmp/debian.conf" >"$tmp/debian-root.conf"
	"$MAUTHD" -n -c "$tmp/debian-root.conf" >"$tmp/n.out" 2>&1
	is "$?" 0 "  the result passes mauthd -n ($(cat "$tmp/n.out"))"
fi

for f in opendkim.conf.simple opendkim.conf.simple-verify; do
	migrate simple --opendkim "$data/$f"
	is "$rc" 0 "Debian's $f: exit 0"
	like "$(cat "$tmp/simple.conf")" "Socket            inet:8891@localhost" "  Socket inet:8891@localhost"
	like "$(cat "$tmp/simple.err")" "SendReports: not mapped: DKIM failure reports (RFC 6651) are not sent" "  SendReports reported"
	[ -x "$MAUTHD" ] && { "$MAUTHD" -n -c "$tmp/simple.conf" >/dev/null 2>&1; ok $? "  the result passes mauthd -n"; }
done

# ---------------------------------------------------------------- converters
# a KeyTable and SigningTable with a real key, for mauthd -n on the result
mkdir -m 700 "$tmp/keys"
"$MAUTH" keys gen --domain example.org --selector s1 --dir "$tmp/keys" \
    --keytable "$tmp/keys/keytable" --signingtable "$tmp/keys/signingtable" >/dev/null 2>"$tmp/gen.err" ||
    sed 's/^/# keys gen: /' "$tmp/gen.err"
sed "s|@DATA@|$tmp|" "$data/rich-opendkim.conf" >"$tmp/rich-opendkim.conf"
cp "$data/internal-hosts" "$data/rich-opendmarc.conf" "$tmp/"
migrate rich --opendkim "$tmp/rich-opendkim.conf" --opendmarc "$tmp/rich-opendmarc.conf"
is "$rc" 0 "our configurations: exit 0"
conf=$(grep -v '^#' "$tmp/rich.conf" | grep -v '^$')
err=$(cat "$tmp/rich.err")
key() { printf '%s\n' "$conf" | sed -n "s/^$1  *//p"; }
is "$(key Socket)" "local:/run/opendkim/opendkim.sock" "a bare socket path becomes local:PATH"
is "$(key Syslog)" no "Syslog No -> no"
is "$(key SyslogFacility)" local7 "SyslogFacility local7 (OpenDKIM's kept, OpenDMARC's mail not used)"
is "$(key SocketMode)" 0775 "UMask 002 -> SocketMode 0775"
is "$(key DNSTimeout)" 7s "DNSTimeout 7 (seconds) -> 7s"
is "$(key Nameservers)" "192.0.2.53, 2001:db8::53" "Nameservers kept"
is "$(key On-TempError)" tempfail "On-DNSError tempfail -> On-TempError tempfail"
is "$(key AuthservID)" mx.example.org "AuthservID HOSTNAME is the default; OpenDMARC's mx.example.org is used"
is "$(key InternalHosts)" "192.0.2.0/24, 2001:db8::/32, 127.0.0.1, 198.51.100.7" \
    "InternalHosts from a data-set file, merged with IgnoreHosts, duplicates once"
like "$err" 'InternalHosts: mapped to InternalHosts, note: entries left out (mauthd takes addresses and networks only): "mail.example.org"' \
    "  the host name in the data set is reported"
like "$err" 'On-InternalError: not mapped: "discard": mauthd can accept, tempfail or reject' \
    "On-InternalError discard: not mapped, says why"
is "$(key KeyTable)" "file:$tmp/keys/keytable" "KeyTable kept (the same format)"
is "$(key SigningTable)" "refile:$tmp/keys/signingtable" "SigningTable kept, refile: too"
is "$(key Canonicalization)" "relaxed/simple" "Canonicalization kept"
is "$(key SignHeaders)" "From, To, Subject, Date" "SignHeaders: a list of field names"
like "$err" 'OversignHeaders: not mapped: "*": mauthd takes a list of header field names' \
    "OversignHeaders with OpenDKIM's * form: not mapped, says why"
is "$(key MinimumKeyBits)" 2048 "MinimumKeyBits kept"
is "$(key MultipleSignatures)" yes "MultipleSignatures true -> yes"
like "$err" "Selector: not mapped: mauthd signs from a KeyTable and a SigningTable" \
    "single-key Selector: not mapped, says how to write the tables"
like "$err" "HistoryFile: not mapped: mauthd records DMARC aggregate-report rows itself" \
    "HistoryFile: mauthd records report rows itself"
like "$err" "LogWhy: not mapped: no value" "an option without a value is reported"
like "$err" "NoSuchOption: not mapped: unknown option" "an unknown option is reported"
like "$err" 'DNSTimeout: not mapped: "90": mauthd'"'"'s DNSTimeout is 100ms to 60s' \
    "DNSTimeout 90: out of mauthd's range"
is "$(key RejectFailures)" yes "RejectFailures true -> yes"
missing=$(for f in "$tmp/rich-opendkim.conf" "$tmp/rich-opendmarc.conf"; do accounted "$f" rich; done)
is "$missing" "" "every option line accounted for"
[ -x "$MAUTHD" ] && { "$MAUTHD" -n -c "$tmp/rich.conf" >/dev/null 2>"$tmp/rich-n.err"; is "$?" 0 "the result passes mauthd -n"; }

migrate outrun --opendmarc "$data/opendmarc.conf" -o "$tmp/out.conf"
is "$rc" 0 "-o FILE: exit 0"
is "$(grep -c '^Socket ' "$tmp/out.conf")" 1 "  the result is in FILE"
is "$(cat "$tmp/outrun.conf")" "" "  and nothing on standard output"

# ---------------------------------------------------------------- errors
migrate nofile --opendkim "$tmp/none.conf"
is "$rc" 1 "an unreadable file: exit 1"
like "$(cat "$tmp/nofile.err")" "$tmp/none.conf: No such file or directory" "  saying why"
migrate usage
is "$rc" 2 "no file given: usage error (2)"
migrate help --help
is "$rc" 0 "--help: exit 0"
like "$(cat "$tmp/help.conf")" "mauth migrate --opendkim FILE" "  prints the usage"

# ---------------------------------------------------------------- table
migrate table --table
is "$rc" 0 "--table: exit 0"
rows=$(grep -c '^| [A-Z]' "$tmp/table.conf")
[ "$rows" -gt 150 ]
ok $? "  a row per option ($rows)"
is "$(grep '^| [A-Z]' "$tmp/table.conf" | cut -d' ' -f2 | sort -f | uniq -di)" "" "  each option once"
like "$(cat "$tmp/table.conf")" "| Socket | both | Socket |" "  Socket -> Socket"
like "$(cat "$tmp/table.conf")" "| KeyTable | OpenDKIM | KeyTable |" "  KeyTable -> KeyTable"
readme=$srcdir/README.md
if [ -f "$readme" ]; then
	sed -n '/^<!-- mauth migrate --table: begin -->$/,/^<!-- mauth migrate --table: end -->$/p' \
	    "$readme" | sed '1d;$d' >"$tmp/readme-table"
	diff "$tmp/table.conf" "$tmp/readme-table" >"$tmp/readme.diff"
	ok $? "README's migration table is mauth migrate --table's (regenerate it when a row changes)"
	[ -s "$tmp/readme.diff" ] && head -20 "$tmp/readme.diff" | sed 's/^/#   /'
fi

done_testing
