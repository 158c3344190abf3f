#!/bin/bash
# keys-dns.t - mauth keys test, list and zone against a real DNS server
# (unbound on loopback serving a zone file, t/lib/dns-server.sh): keys made
# by `mauth keys gen`, their printed records appended to the zone file
# verbatim and "published" by restarting the server, then checked.  Each
# fault is reported as itself: a malformed record, a truncated one, a
# missing name (NXDOMAIN), a name without TXT (NODATA), another key's
# record, another key type, a revoked record; t=y is seen; a server that
# never answers is TIMEOUT ("cannot tell"), not "not published".
. "$(dirname "$0")/lib/dns-server.sh"	# first: common.sh replaces its EXIT trap
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/keys.sh"
t_cleanup dns_cleanup

command -v unbound >/dev/null || t_skip_all "unbound not installed"
[ -x "$MAUTH" ] || t_skip_all "$MAUTH not built"
t_tmpdir D
cd "$D" || t_bail "cd $D"
ZONE=$D/example.com.zone
keys_zone_new "$ZONE" example.com

# ---------------------------------------------------------------- gen, publish, test
keys_mauth rsa.rec gen.err gen --domain example.com --selector rsa1 \
    --keytable "$D/keytable" --signingtable "$D/signingtable"
t_is "$RC" 0 "keys gen (RSA) with tables" || t_diag_file gen.err
keys_mauth ed.rec gen.err gen --domain example.com --selector ed1 \
    --algorithm ed25519 --keytable "$D/keytable" --signingtable "$D/signingtable"
t_is "$RC" 0 "keys gen (Ed25519) with tables" || t_diag_file gen.err
t_like "$(head -1 rsa.rec)" '^rsa1\._domainkey\.example\.com\. IN TXT \( "v=DKIM1; k=rsa; "$' \
    "the record is printed in zone-file form"
longest=$(grep -o '"[^"]*"' rsa.rec | awk '{ if (length($0) - 2 > m) m = length($0) - 2 } END { print m }')
t_ok "$([ "$longest" -le 255 ] && echo 0 || echo 1)" "  character-strings of at most 255 octets (longest $longest)"

keys_publish "$ZONE" || t_bail "unbound did not start"
keys_mauth out err test --keytable "$D/keytable" --nameserver "$NS"
t_is "$RC" 1 "keys test before publishing: fails"
t_is "$(grep -c 'record:  not found (NXDOMAIN' out)" 2 "  both records not found (NXDOMAIN)"

cat rsa.rec ed.rec >>"$ZONE"		# verbatim
keys_publish "$ZONE" || t_bail "unbound did not start"
keys_mauth out err test --keytable "$D/keytable" --nameserver "$NS"
t_is "$RC" 0 "published verbatim: keys test passes" || t_diag_file out
t_is "$(grep -c '^  result:  pass$' out)" 2 "  both keys pass"
t_like "$(cat out)" 'rsa1\._domainkey\.example\.com \(.*keytable line 1\)' "  each key named with its KeyTable line"
t_is "$(grep -c '^  record:  found (1 TXT record)$' out)" 2 "  record: found"
t_is "$(grep -c '^  parses:  yes$' out)" 2 "  parses: yes"
t_is "$(grep -c '^  matches: yes$' out)" 2 "  matches: yes"
t_like "$(cat out)" '  key:     rsa, 2048 bits \(published: rsa, 2048 bits\)' "  key type and size (RSA)"
t_like "$(cat out)" '  key:     ed25519, 256 bits \(published: ed25519, 256 bits\)' "  key type and size (Ed25519)"
t_is "$(grep -c '^  testing: no$' out)" 2 "  testing: no"
t_is "$(grep -c '^  dnssec:  unknown$' out)" 2 "  dnssec status (no trust anchor: unknown)"
t_like "$(cat err)" '2 keys passed' "  summary on stderr"

printf 'KeyTable %s\nSigningTable %s\nNameservers %s\nDNSTimeout 2s\n' \
    "$D/keytable" "$D/signingtable" "$NS" >mauthd.conf
keys_mauth out err test -c mauthd.conf
t_is "$RC" 0 "keys test -c FILE: tables and Nameservers from mauthd.conf" || t_diag_file err
keys_mauth out err test -c mauthd.conf --domain example.com --selector ed1
t_is "$(grep -c 'result:' out)" 1 "  --domain/--selector pick one key"

# ---------------------------------------------------------------- faults
# one key per fault, each published in its own way
for s in wrong trunc missing nodata other edrec revoked testing; do
	keys_mauth "$s.rec" err gen --domain example.com --selector "$s"
	[ "$RC" -eq 0 ] || t_bail "gen $s: $(cat err)"
done
keys_mauth other2.rec err gen --domain example.com --selector other2
p_of() { tr -d '\n\t' <"$1" | grep -o '"p=[^"]*"' | tr -d '"' | sed 's/^p=//'; }
p=$(p_of wrong.rec)
printf 'wrong._domainkey IN TXT "v=DKIM1; k=rsa; p=%s"\n' "not*base64" >>"$ZONE"
printf 'trunc._domainkey IN TXT "v=DKIM1; k=rsa; p=%s"\n' "$(p_of trunc.rec | cut -c1-200)" >>"$ZONE"
sed 's/^other2\._domainkey/other._domainkey/' other2.rec >>"$ZONE"
sed 's/^ed1\._domainkey/edrec._domainkey/' ed.rec >>"$ZONE"
printf 'revoked._domainkey IN TXT "v=DKIM1; k=rsa; p="\n' >>"$ZONE"
tr -d '\n' <testing.rec | sed 's/"v=DKIM1; k=rsa; "/"v=DKIM1; t=y; k=rsa; "/' >>"$ZONE"
echo >>"$ZONE"
keys_publish "$ZONE" || t_bail "unbound did not start"

# check SEL: keys test for one key file; output in $OUT, status in $RC
check() {
	keys_mauth check.out check.err test --domain example.com --selector "$1" \
	    --key "$D/example.com.$1.pem" --nameserver "$NS"
	OUT=$(cat check.out)
}
check wrong
t_is "$RC" 1 "malformed record: keys test fails"
t_like "$OUT" '  record:  found' "  record: found"
t_like "$OUT" '  parses:  no: p= is not base64' "  parses: no, saying why"
t_like "$OUT" '  result:  FAIL: the published record is not a valid key record' "  result says so"

check trunc
t_is "$RC" 1 "truncated record: fails"
t_like "$OUT" '  parses:  no: p= is not an RSA public key' "  parses: no (not an RSA key)"

check missing
t_is "$RC" 1 "missing record: fails"
t_like "$OUT" '  record:  not found \(NXDOMAIN: no such name\)' "  record: not found (NXDOMAIN)"
t_like "$OUT" '  result:  FAIL: the record is not published' "  result: not published"

check nodata
t_is "$RC" 1 "name without TXT: fails"
t_like "$OUT" '  record:  not found \(NODATA: the name has no TXT record\)' "  record: not found (NODATA)"

check other
t_is "$RC" 1 "another key's record: fails"
t_like "$OUT" '  parses:  yes' "  parses: yes"
t_like "$OUT" '  matches: no: the record holds another rsa key' "  matches: no, another key"
t_like "$OUT" '  result:  FAIL: the published record is for another key' "  result says so"

check edrec
t_is "$RC" 1 "an Ed25519 record for an RSA key: fails"
t_like "$OUT" 'matches: no: the record holds an ed25519 key, the private key is rsa' "  says which types"

check revoked
t_is "$RC" 1 "revoked record for a live key: fails"
t_like "$OUT" '  matches: no: revoked \(empty p=\)' "  matches: no, revoked"

check testing
t_is "$RC" 0 "t=y record of the key: passes"
t_like "$OUT" '  testing: yes \(t=y' "  testing: yes"

# a KeyTable with good and bad keys: non-zero, and every key reported
printf 'good example.com:rsa1:%s\nbad example.com:missing:%s\n' \
    "$D/example.com.rsa1.pem" "$D/example.com.missing.pem" >kt-mixed
keys_mauth out err test --keytable kt-mixed --nameserver "$NS"
t_is "$RC" 1 "KeyTable with one good and one missing key: fails"
t_is "$(grep -c '^  result:' out)" 2 "  both keys reported"
t_like "$(cat err)" '1 of 2 keys failed' "  summary: 1 of 2 failed"

# ---------------------------------------------------------------- DNS failures
dns_blackhole_start || t_bail "black hole did not start"
printf 'Nameservers %s@%s\nDNSTimeout 1s\n' "$BLACKHOLE_ADDR" "$BLACKHOLE_PORT" >slow.conf
keys_mauth out err test -c slow.conf --domain example.com --selector rsa1 \
    --key "$D/example.com.rsa1.pem"
t_is "$RC" 1 "server that never answers: fails"
t_like "$(cat out)" '  record:  lookup failed \(TIMEOUT[^)]*\): cannot tell whether it is published' \
    "  record: TIMEOUT, cannot tell (not \"not found\")"
t_like "$(cat out)" '  result:  FAIL: cannot tell \(DNS failure\)' "  result: cannot tell"

# ---------------------------------------------------------------- list
printf 'k1 example.com:rsa1:%s\nk2 example.com:other:%s\nk3 example.com:missing:%s\nk4 example.com:wrong:%s\nk5 example.com:revoked:%s\n' \
    "$D/example.com.rsa1.pem" "$D/example.com.other.pem" "$D/example.com.missing.pem" \
    "$D/example.com.wrong.pem" "$D/example.com.revoked.pem" >kt-list
printf 'example.com k1\n' >st-list
keys_mauth out err list --keytable kt-list --signingtable st-list --nameserver "$NS"
t_is "$RC" 0 "keys list"
t_like "$(head -1 out)" '^DOMAIN +SELECTOR +ALGORITHM +BITS +CREATED +IN-USE +DNS$' "  header"
t_like "$(cat out)" 'example\.com +rsa1 +rsa +2048 +[0-9]{4}-[0-9]{2}-[0-9]{2} +yes +published' "  in use, published"
t_like "$(cat out)" 'example\.com +other +rsa +2048 .* no +other-key' "  another key's record: other-key"
t_like "$(cat out)" 'example\.com +missing .* NXDOMAIN' "  missing: NXDOMAIN"
t_like "$(cat out)" 'example\.com +wrong .* malformed' "  malformed"
t_like "$(cat out)" 'example\.com +revoked .* revoked' "  revoked"
keys_mauth out err list --keytable kt-list --signingtable st-list --no-dns
t_like "$(sed -n 2p out)" ' -$' "keys list --no-dns: DNS column \"-\""

# ---------------------------------------------------------------- zone
keys_mauth zone.out err zone --keytable "$D/keytable"
t_is "$RC" 0 "keys zone"
t_is "$(grep -c 'IN TXT' zone.out)" 2 "  one record per key"
keys_zone_new "$D/fresh.zone" example.com
cat zone.out >>"$D/fresh.zone"
keys_publish "$D/fresh.zone" || t_bail "unbound did not start with keys zone's output"
keys_mauth out err test --keytable "$D/keytable" --nameserver "$NS"
t_is "$RC" 0 "a zone made of keys zone's output passes keys test" || t_diag_file out

t_done
