#!/bin/bash
# keys-cli.t - mauth keys gen on the file system and its refusals: the key
# file (mode 0600 whatever the umask, owned by --user, loadable by mauthd),
# the tables (entries added, other lines and comments kept, refile:
# patterns, mauthd -n accepts the result); bad input, each a clear error
# that leaves nothing behind: an unknown algorithm, 512-bit RSA, Ed25519
# with a size, an unwritable or missing directory, an existing key file
# (never overwritten without --force), a clash in the KeyTable, bad names,
# options that do not apply; and --help: every subcommand with an example.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/keys.sh"

[ -x "$MAUTH" ] || t_skip_all "$MAUTH not built"
t_tmpdir D
cd "$D" || t_bail "cd $D"
mkdir -m 700 keys

# ---------------------------------------------------------------- a key file
(umask 0; "$MAUTH" keys gen --domain example.com --selector s1 --dir keys >s1.rec 2>s1.err)
t_is "$?" 0 "keys gen --dir DIR" || t_diag_file s1.err
K=$D/keys/example.com.s1.pem
t_is "$(stat -c %a "$K" 2>/dev/null)" 600 "  key file DIR/DOMAIN.SELECTOR.pem, mode 0600 under umask 0"
t_like "$(head -1 "$K")" '^-----BEGIN PRIVATE KEY-----$' "  PKCS#8 PEM"
pub=$(openssl pkey -in "$K" -pubout -outform DER 2>/dev/null | base64 -w0)
t_is "$(tr -d '\n\t' <s1.rec | grep -o '"[^"]*"' | tr -d '"\n ')" \
    "v=DKIM1;k=rsa;p=$pub" "  the record printed holds the key's public half (as openssl sees it)"
t_like "$(cat s1.err)" "wrote $K \\(rsa, 2048 bits, mode 0600\\)" "  says what it wrote"
t_is "$(openssl pkey -in "$K" -text -noout 2>/dev/null | head -1)" "Private-Key: (2048 bit, 2 primes)" \
    "  openssl reads a 2048-bit RSA key"

"$MAUTH" keys gen --domain example.com --selector e1 --algorithm ed25519 --dir keys \
    --user nobody >e1.rec 2>e1.err
t_is "$?" 0 "keys gen --algorithm ed25519 --user nobody"
t_is "$(stat -c '%a %U' keys/example.com.e1.pem 2>/dev/null)" "600 nobody" "  mode 0600, owned by nobody"
t_like "$(cat e1.err)" "warning: nobody cannot reach the key: $D/keys \\(mode 0700\\) is in the way" \
    "  warns that nobody cannot get through the 0700 directory"
mkdir -m 755 open
"$MAUTH" keys gen --domain example.com --selector e2 --algorithm ed25519 --dir open \
    --user nobody:nogroup >/dev/null 2>e2.err
t_is "$(stat -c '%U:%G' open/example.com.e2.pem 2>/dev/null)" "nobody:nogroup" "--user nobody:nogroup: owner and group"
t_unlike "$(cat e2.err)" "warning" "  no warning when the directory is open to it"
t_like "$(head -1 e1.rec)" '^e1\._domainkey\.example\.com\. IN TXT \( "v=DKIM1; k=ed25519; "$' "  k=ed25519 record"
t_is "$(openssl pkey -in keys/example.com.e1.pem -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)" \
    "$(tr -d '\n\t' <e1.rec | grep -o '"p=[^"]*"' | tr -d '"' | sed 's/^p=//')" \
    "  p= is the raw Ed25519 public key (RFC 8463)"

# ---------------------------------------------------------------- refusals
# refused CODE PATTERN DESC ARGS...: exit status CODE, stderr matching
# PATTERN, no new file in keys/
refused() {
	local code=$1 pat=$2 desc=$3 before after
	shift 3
	before=$(ls -l keys | md5sum)
	"$MAUTH" keys "$@" >ref.out 2>ref.err
	t_is "$?" "$code" "$desc: exit $code"
	t_like "$(cat ref.err)" "$pat" "  says: $(head -1 ref.err)"
	after=$(ls -l keys | md5sum)
	t_is "$after" "$before" "  nothing written"
	t_is "$(wc -c <ref.out)" 0 "  no record printed"
}
refused 2 "unknown algorithm 'dsa' \\(rsa or ed25519\\)" "unknown algorithm" \
    gen --domain example.com --selector x --algorithm dsa --dir keys
refused 1 "512-bit RSA keys are too short: .*RFC 8301" "512-bit RSA" \
    gen --domain example.com --selector x --bits 512 --dir keys
refused 1 "at most 8192" "RSA over 8192 bits" \
    gen --domain example.com --selector x --bits 16384 --dir keys
refused 1 "Ed25519 keys have 256 bits" "Ed25519 with --bits 2048" \
    gen --domain example.com --selector x --algorithm ed25519 --bits 2048 --dir keys
refused 1 "nosuchdir: No such file or directory \\(the key directory must exist\\)" \
    "missing directory" gen --domain example.com --selector x --dir "$D/nosuchdir"
sum=$(md5sum <"$K")
refused 1 "$K: already exists; not overwritten \\(--force replaces it\\)" \
    "existing key file" gen --domain example.com --selector s1 --dir keys
t_is "$(md5sum <"$K")" "$sum" "  the existing key is unchanged"
refused 2 'selector "a b" has a character' "selector with a space" \
    gen --domain example.com --selector 'a b' --dir keys
refused 2 'domain "localhost" is not a domain name of two or more labels' \
    "one-label domain" gen --domain localhost --selector x --dir keys
refused 2 "option '--grace' does not apply here" "an option of another subcommand" \
    gen --domain example.com --selector x --grace 3
refused 2 "--domain and --selector are required" "no selector" gen --domain example.com
refused 1 "no such user \"no-such-user-mauth\"" "unknown --user" \
    gen --domain example.com --selector x --dir keys --user no-such-user-mauth
refused 2 "--keytable and --signingtable go together" "one table only" \
    gen --domain example.com --selector x --dir keys --keytable kt

# an unwritable directory: as root, run as nobody (root may write anywhere)
mkdir -m 755 ro
if [ "$(id -u)" -eq 0 ]; then
	as_other="setpriv --reuid=nobody --regid=nogroup --clear-groups"
else
	chmod 555 ro
	as_other=
fi
$as_other "$MAUTH" keys gen --domain example.com --selector x --dir "$D/ro" >ro.out 2>ro.err
t_is "$?" 1 "unwritable directory: exit 1"
t_like "$(cat ro.err)" "$D/ro: cannot create the key there: Permission denied" "  says: $(cat ro.err)"
t_is "$(ls ro | wc -l)" 0 "  nothing written"

"$MAUTH" keys gen --domain example.com --selector s1 --dir keys --force >force.rec 2>force.err
t_is "$?" 0 "existing key file with --force: replaced"
t_ok "$([ "$(md5sum <"$K")" != "$sum" ] && echo 0 || echo 1)" "  the file holds a new key"
t_is "$(stat -c %a "$K")" 600 "  mode 0600"
t_like "$(cat force.err)" "replaced $K" "  says replaced"
t_ok "$(cmp -s s1.rec force.rec && echo 1 || echo 0)" "  and prints the new record"

# ---------------------------------------------------------------- tables
printf '# keys of mauth\n\n# the old key\nold example.org:old:%s\n' "$D/keys/example.com.s1.pem" >keytable
printf '# who signs\n*@example.org old  # keep me\n' >signingtable
"$MAUTH" keys gen --domain example.com --selector t1 --dir keys \
    --keytable "$D/keytable" --signingtable "refile:$D/signingtable" >t1.rec 2>t1.err
t_is "$?" 0 "keys gen with tables (refile: SigningTable)" || t_diag_file t1.err
t_is "$(head -4 keytable)" "$(printf '# keys of mauth\n\n# the old key\nold example.org:old:%s' "$D/keys/example.com.s1.pem")" \
    "  KeyTable: the operator's lines kept as they were"
t_like "$(sed -n 5p keytable)" "^t1\\._domainkey\\.example\\.com	example\\.com:t1:$D/keys/example\\.com\\.t1\\.pem	# mauth: created=[0-9-]{10}T[0-9:]{8}Z$" \
    "  KeyTable: NAME DOMAIN:SELECTOR:PATH with a created= note"
t_is "$(cat signingtable)" "$(printf '# who signs\n*@example.org old  # keep me\n*@example.com\tt1._domainkey.example.com')" \
    "  SigningTable: *@DOMAIN entry added (refile:), the rest kept"
t_like "$(cat t1.err)" "now signs with t1\\._domainkey\\.example\\.com" "  says so"

"$MAUTH" keys gen --domain example.com --selector t2 --algorithm ed25519 --dir keys \
    --keytable "$D/keytable" --signingtable "refile:$D/signingtable" >t2.rec 2>t2.err
t_is "$?" 0 "a second key for the domain"
t_is "$(grep -c example.com signingtable)" 1 "  SigningTable entry left as it is"
t_like "$(cat t2.err)" "has an entry already, left as it is" "  says activate switches it"

cp keytable keytable.before
refused 1 "keytable:5: the KeyTable already has t1\\._domainkey\\.example\\.com \\(--force replaces it\\)" \
    "KeyTable entry exists" gen --domain example.com --selector t1 --dir "$D" \
    --keytable "$D/keytable" --signingtable "refile:$D/signingtable"
t_is "$(cat keytable)" "$(cat keytable.before)" "  KeyTable unchanged"
t_ok "$([ -e "$D/example.com.t1.pem" ] && echo 1 || echo 0)" "  no key made in the other directory"

printf 'Socket inet:1@127.0.0.1\nKeyTable %s\nSigningTable refile:%s\n' "$D/keytable" "$D/signingtable" >mauthd.conf
if [ -x "$MAUTHD" ]; then
	"$MAUTHD" -n -c mauthd.conf >n.out 2>&1
	t_is "$?" 0 "mauthd -n accepts the tables keys gen wrote" || t_diag_file n.out
fi

# a table mauthd would refuse is never written
printf 'bad example.com:x:%s\n' "$D/nosuch.pem" >kt-bad
printf 'example.com bad\n' >st-bad
cp kt-bad kt-bad.before
refused 1 "tables not changed: .*kt-bad:1: .*nosuch.pem: No such file" \
    "tables that would not load" gen --domain example.com --selector t3 --dir "$D" \
    --keytable "$D/kt-bad" --signingtable "$D/st-bad"
t_is "$(cat kt-bad)" "$(cat kt-bad.before)" "  KeyTable unchanged"
t_ok "$([ -e "$D/example.com.t3.pem" ] && echo 1 || echo 0)" "  the new key file removed again"

# a KeyTable entry for "%" (the From domain) has no one record
printf 'any %%:s1:%s\n' "$K" >kt-any
"$MAUTH" keys zone --keytable kt-any >any.out 2>any.err
t_is "$?" 0 "keys zone: DOMAIN \"%\" entry"
t_is "$(grep -c 'IN TXT' any.out)" 0 "  no record for it"
t_like "$(cat any.err)" 'any: domain "%" is the From address.s; check one with --domain D --selector s1' "  a note says why"

# ---------------------------------------------------------------- help
"$MAUTH" keys --help >help.out 2>&1
t_is "$?" 0 "mauth keys --help"
for sub in gen test rotate activate retire list zone; do
	t_like "$(cat help.out)" "^usage: mauth keys $sub " "  documents $sub"
	"$MAUTH" keys "$sub" --help >sub.out 2>&1
	t_like "$(sed -n '/^example:/,$p' sub.out)" "^  mauth keys $sub " "  mauth keys $sub --help has an example"
done
"$MAUTH" help keys >help2.out 2>&1
t_is "$(cat help2.out)" "$(cat help.out)" "mauth help keys: the same text"
"$MAUTH" --help | grep -q '^  keys '
t_ok $? "mauth --help lists keys"
"$MAUTH" keys frobnicate >/dev/null 2>fr.err
t_is "$?" 2 "unknown subcommand: usage error"
t_like "$(cat fr.err)" "unknown command 'frobnicate'" "  naming it"

t_done
