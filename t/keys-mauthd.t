#!/bin/bash
# keys-mauthd.t - keys from `mauth keys` sign through mauthd, and dkimpy
# verifies the signatures against the records published in a real unbound
# (RSA and Ed25519); then a whole rotation: rotate -> activate refused
# while the record is not published -> published -> activate -> mauthd,
# running as UserID nobody, signs with the new selector after a reload
# (SIGHUP, no restart) -> retire (revocation record published, the old
# signatures stop verifying) -> the entry leaves the KeyTable after the
# grace period.  mauthd is driven over the milter protocol by
# t/lib/miltertalk.py as an MTA would (client 127.0.0.1: InternalHosts).
. "$(dirname "$0")/lib/dns-server.sh"	# first: common.sh replaces its EXIT trap
. "$(dirname "$0")/lib/mauthd.sh"
. "$(dirname "$0")/lib/keys.sh"
t_cleanup dns_cleanup

PY=/usr/bin/python3
command -v unbound >/dev/null || t_skip_all "unbound not installed"
[ -x "$MAUTH" ] && [ -x "$MAUTHD" ] || t_skip_all "mauth and mauthd not built"
$PY -c 'import dkim, nacl, dns.resolver' 2>/dev/null ||
    t_skip_all "python3-dkim, python3-nacl or python3-dnspython not installed"
t_tmpdir D
cd "$D" || t_bail "cd $D"
# the keys belong to mauthd's user, who must read them again on reload
mkdir -m 700 keys
USERID=
if [ "$(id -u)" -eq 0 ]; then
	chown nobody keys
	USERID=nobody
fi
ZONE=$D/example.com.zone
keys_zone_new "$ZONE" example.com
KT=$D/keytable ST=refile:$D/signingtable

# ---------------------------------------------------------------- keys
keys_mauth r1.rec err gen --domain example.com --selector r1 --dir keys \
    ${USERID:+--user $USERID} --keytable "$KT" --signingtable "$ST"
t_is "$RC" 0 "keys gen RSA r1 (tables)" || t_diag_file err
keys_mauth e1.rec err gen --domain example.com --selector e1 --dir keys \
    ${USERID:+--user $USERID} --algorithm ed25519 --keytable "$KT" --signingtable "$ST"
t_is "$RC" 0 "keys gen Ed25519 e1" || t_diag_file err
cat r1.rec e1.rec >>"$ZONE"
keys_publish "$ZONE" || t_bail "unbound did not start"
keys_mauth out err activate --domain example.com --selector e1 \
    --keytable "$KT" --signingtable "$ST" --nameserver "$NS"
t_is "$RC" 0 "keys activate e1: signs next to r1" || t_diag_file err
t_is "$(grep -v '^#' signingtable)" "$(printf '*@example.com\tr1._domainkey.example.com,e1._domainkey.example.com')" \
    "  SigningTable: one entry, both keys"

mauthd_start "$NS" "KeyTable $KT" "SigningTable $ST" "LogLevel debug" \
    ${USERID:+"UserID $USERID"} || t_bail "mauthd did not start"
if [ -n "$USERID" ]; then
	t_is "$(stat -c %U "/proc/$MAUTHD_PID")" "$USERID" "mauthd runs as $USERID"
fi

# sign NAME: one message from an internal client; the signed message as the
# MTA would pass it on in NAME.eml, miltertalk's output in NAME.out
BODY='Hello Bob,\r\n\r\nsigned with a key from mauth keys.\r\n'
sign() {
	$PY "$T_TOP/t/lib/miltertalk.py" "inet:$MAUTHD_PORT@127.0.0.1" --qid "$1" \
	    --client 127.0.0.1 --from '<alice@example.com>' \
	    --header='From: Alice <alice@example.com>' --header='To: bob@example.org' \
	    --header="Subject: $1" --header='Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	    --body "$(printf "$BODY")" >"$1.out" 2>&1
	$PY - "$1" "$BODY" <<'EOF'
import ast, sys
sigs = []
for l in open(sys.argv[1] + '.out').read().splitlines():
    if l.startswith('eom insheader 0 DKIM-Signature '):
        sigs.insert(0, ast.literal_eval(l[len('eom insheader 0 DKIM-Signature '):]))
hdrs = ['From: Alice <alice@example.com>', 'To: bob@example.org',
        'Subject: ' + sys.argv[1], 'Date: Mon, 23 Nov 2026 10:00:00 +0000']
with open(sys.argv[1] + '.eml', 'wb') as f:
    for v in sigs:
        f.write(('DKIM-Signature:' + v.replace('\n', '\r\n') + '\r\n').encode())
    for h in hdrs:
        f.write((h + '\r\n').encode())
    f.write(b'\r\n' + sys.argv[2].encode().decode('unicode_escape').encode())
EOF
}
# dkimpy NAME: dkimpy's verdicts on NAME.eml, keys from the test DNS server
dkimpy() { $PY "$T_TOP/t/lib/dkimpy-verify.py" "$DNS_ADDR" "$DNS_PORT" "$1.eml" | LC_ALL=C sort; }

sign first
t_is "$(grep -c "^eom insheader 0 DKIM-Signature" first.out)" 2 "mauthd signs with both keys" ||
    { t_diag_file first.out; mauthd_diag; }
t_is "$(dkimpy first)" "$(printf 'pass s=e1 a=ed25519-sha256\npass s=r1 a=rsa-sha256')" \
    "  dkimpy verifies both (Ed25519 and RSA) against the published records"

# ---------------------------------------------------------------- rotation
printf 'KeyTable %s\nSigningTable %s\nNameservers %s\n' "$KT" "$ST" "$NS" >keys.conf
cp signingtable st.before
keys_mauth r2.rec rot.err rotate -c keys.conf --domain example.com --algorithm rsa
t_is "$RC" 0 "keys rotate --algorithm rsa" || t_diag_file rot.err
S2=$(sed -n '1s/\._domainkey\..*//p' r2.rec)
t_is "$S2" "$(date -u +%Y%m)" "  the new selector is YYYYMM of today"
t_like "$(cat rot.err)" "wrote $D/keys/example\\.com\\.$S2\\.pem \\(rsa, 2048 bits, mode 0600" \
    "  the key goes next to the old one, same size"
t_is "$(stat -c %U "$D/keys/example.com.$S2.pem")" "$(stat -c %U "$D/keys/example.com.r1.pem")" \
    "  same owner as the old key"
t_like "$(grep "^$S2\\." keytable)" "example\\.com:$S2:" "  KeyTable has it"
t_is "$(cat signingtable)" "$(cat st.before)" "  SigningTable not touched yet"

keys_mauth r3.rec err rotate -c keys.conf --domain example.com --algorithm rsa
t_like "$(head -1 r3.rec)" "^${S2}a\\._domainkey\\.example\\.com\\. IN TXT" \
    "rotating again the same month: selector ${S2}a"
t_like "$(cat err)" "successor of r1\\._domainkey\\.example\\.com" "  still the successor of the key in use"

keys_mauth out act.err activate -c keys.conf --domain example.com --selector "$S2"
t_is "$RC" 1 "activate before the record is published: refused"
t_like "$(cat act.err)" "refused: $S2\\._domainkey\\.example\\.com is not in DNS \\(NXDOMAIN\\); publish the record first" \
    "  saying why"
t_is "$(cat signingtable)" "$(cat st.before)" "  SigningTable unchanged"

sed 's/p=M/p=X/' r2.rec >r2-bad.rec		# published wrong: another key
cat r2-bad.rec >>"$ZONE"
keys_publish "$ZONE" || t_bail "unbound did not restart"
keys_mauth out act.err activate -c keys.conf --nameserver "$NS" --domain example.com --selector "$S2"
t_is "$RC" 1 "activate with a wrong record published: refused"
t_like "$(cat act.err)" "refused: the record at $S2\\._domainkey\\.example\\.com does not fit the key" "  saying why"

keys_swap_record "$ZONE" "$S2" r2.rec
keys_publish "$ZONE" || t_bail "unbound did not restart"
keys_mauth out act.err activate -c keys.conf --nameserver "$NS" --domain example.com --selector "$S2"
t_is "$RC" 0 "activate once published" || t_diag_file act.err
t_is "$(grep -v '^#' signingtable)" "$(printf '*@example.com\t%s._domainkey.example.com,e1._domainkey.example.com' "$S2")" \
    "  SigningTable: r1 replaced by $S2, e1 kept"
t_like "$(cat act.err)" "reload mauthd" "  tells to reload mauthd"

# mauthd picks the new tables up on SIGHUP, without a restart
pid=$MAUTHD_PID
kill -HUP "$pid"
t_wait_until 10 grep -q 'reloaded .*configuration 2 in force' "$MAUTHD_LOG"
t_ok $? "SIGHUP: mauthd reloads (configuration 2)" || mauthd_diag
t_ok "$(kill -0 "$pid" 2>/dev/null && echo 0 || echo 1)" "  the same process, not a restart"
sign second
t_like "$(grep 'DKIM-Signature' second.out | grep -c "s=$S2;")" '^1$' "mail is now signed with s=$S2"
t_is "$(grep 'DKIM-Signature' second.out | grep -c 's=r1;')" 0 "  and no longer with r1"
t_is "$(dkimpy second)" "$(printf 'pass s=%s a=rsa-sha256\npass s=e1 a=ed25519-sha256' "$S2")" \
    "  dkimpy verifies the new signature"

# ---------------------------------------------------------------- retire
keys_mauth rev.rec ret.err retire -c keys.conf --domain example.com --selector "$S2"
t_is "$RC" 1 "retire a key that still signs: refused"
t_like "$(cat ret.err)" "refused: $S2\\._domainkey\\.example\\.com still signs" "  saying why"

keys_mauth rev.rec ret.err retire -c keys.conf --domain example.com --selector r1 --grace 3
t_is "$RC" 0 "retire r1 --grace 3" || t_diag_file ret.err
t_is "$(cat rev.rec)" "$(printf 'r1._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; "\n\t"p=" )')" \
    "  prints the revocation record"
t_like "$(grep '^r1\.' keytable)" "# mauth: created=[^ ]+ retired=[^ ]+ remove-after=[^ ]+$" \
    "  KeyTable line notes retired= and remove-after="
after=$(grep '^r1\.' keytable | sed 's/.*remove-after=//')
t_is "$(date -u -d "$after" +%s 2>/dev/null)" "$(( $(date -u -d "$(grep '^r1\.' keytable | sed 's/.*retired=\([^ ]*\).*/\1/')" +%s) + 3 * 86400 ))" \
    "  remove-after is retired + 3 days"
keys_mauth out err test -c keys.conf --nameserver "$NS" --selector r1 --domain example.com
t_is "$RC" 1 "keys test: retired, record still published: fails (revocation not published)"

keys_swap_record "$ZONE" r1 rev.rec
cat r3.rec >>"$ZONE"		# the second successor too, so that every key is in DNS
keys_publish "$ZONE" || t_bail "unbound did not restart"
keys_mauth out err test -c keys.conf --nameserver "$NS"
t_is "$RC" 0 "revocation published: keys test passes for every key" || t_diag_file out
t_like "$(cat out)" "r1\\._domainkey\\.example\\.com \\(.*, retired\\)" "  r1 shown as retired"
t_like "$(cat out)" "matches: - \\(revoked, as a retired key's record should be\\)" "  its record revoked, as it should be"
t_like "$(dkimpy first)" "fail s=r1 a=rsa-sha256" "old mail signed with r1 no longer verifies (dkimpy)"
keys_mauth out err list -c keys.conf --nameserver "$NS"
t_like "$(cat out)" "example\\.com +r1 +rsa +2048 +[0-9-]+ +retired +revoked" "keys list: r1 retired, revoked"

keys_mauth out err retire -c keys.conf --expired
t_like "$(grep -c '^r1\.' keytable)" '^1$' "retire --expired within the grace period: r1 stays"
sed -i 's/remove-after=[^ ]*/remove-after=2020-01-01T00:00:00Z/' keytable	# time passes
keys_mauth out err retire -c keys.conf --expired
t_is "$RC" 0 "retire --expired after the grace period"
t_is "$(grep -c '^r1\.' keytable)" 0 "  r1 left the KeyTable"
t_like "$(cat err)" "removed r1\\._domainkey\\.example\\.com from the KeyTable; its key file .* is no longer used" \
    "  says the key file can go"
"$MAUTHD" -n -c "$MAUTHD_CONF" >n.out 2>&1
t_is "$?" 0 "mauthd -n accepts the tables after the rotation" || t_diag_file n.out

mauthd_stop
t_is "$?" 0 "mauthd stops cleanly"
t_done
