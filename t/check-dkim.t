#!/bin/sh
# check-dkim.t - mauth sign and mauth check round trip: the dkim= results
# of the Authentication-Results line (RFC 8601, header.d/i/s/a/b), with
# keys made here by openssl and their records in a zone file (--zone), and
# temperror from a DNS server that never answers (--nameserver).
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
MAUTH=$top_builddir/tools/mauth

. "$srcdir/t/lib/tap.sh"
. "$srcdir/t/lib/dns-server.sh"

command -v openssl >/dev/null || skip_all "openssl not installed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-check-dkim.XXXXXX") || exit 1
trap 'rm -rf "$tmp"; dns_cleanup' EXIT
umask 077

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/rsa1024.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/ed.pem" 2>/dev/null

# zone_txt NAME VALUE: a TXT record in 200-octet character-strings
zone_txt() {
	printf '%s IN TXT (' "$1"
	printf '%s' "$2" | fold -w 200 | sed 's/.*/ "&"/' | tr -d '\n'
	printf ' )\n'
}
rsa_p=$(openssl pkey -in "$tmp/rsa.pem" -pubout -outform DER | base64 -w0)
r1024_p=$(openssl pkey -in "$tmp/rsa1024.pem" -pubout -outform DER | base64 -w0)
ed_p=$(openssl pkey -in "$tmp/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
{
	printf '$ORIGIN example.com.\n$TTL 300\n'
	printf '@ IN SOA ns.example.com. hostmaster.example.com. ( 1 3600 600 86400 300 )\n'
	printf '@ IN NS ns.example.com.\nns IN A 192.0.2.53\n'
	zone_txt rsa._domainkey "v=DKIM1; k=rsa; p=$rsa_p"
	zone_txt small._domainkey "v=DKIM1; k=rsa; p=$r1024_p"
	zone_txt ed._domainkey "v=DKIM1; k=ed25519; p=$ed_p"
	zone_txt revoked._domainkey "v=DKIM1; k=rsa; p="
} > "$tmp/example.com.zone"
printf 'AuthservID mx.test.example\n' > "$tmp/mauthd.conf"
C="-c $tmp/mauthd.conf --zone $tmp/example.com.zone"
AR="Authentication-Results: mx.test.example;"
# example.com publishes no DMARC record in the test zone: dmarc=none last
DM="; dmarc=none header.from=example.com"

printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: round trip\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <rt1@example.com>\n\nHello Bob.\n' > "$tmp/msg.eml"

# b8 FILE: the first 8 characters of the top signature's b= (RFC 6008),
# as A-R writes them: a quoted-string when they hold "/" (an RFC 2045
# tspecial; base64 has no other)
b8() {
	v=$(sed -n '1p;2,/^[^ \t]/{/^[ \t]/p}' "$1" | tr -d ' \t\r\n' |
	    sed 's/.*;b=//' | cut -c1-8)
	case $v in */*) printf '"%s"' "$v" ;; *) printf '%s' "$v" ;; esac
}

"$MAUTH" sign -d example.com -s rsa -k "$tmp/rsa.pem" "$tmp/msg.eml" > "$tmp/rsa.eml"
ok $? "mauth sign with an RSA-2048 key"
out=$("$MAUTH" check $C "$tmp/rsa.eml")
is "$out" "$AR dkim=pass header.d=example.com header.i=@example.com header.s=rsa header.a=rsa-sha256 header.b=$(b8 "$tmp/rsa.eml")$DM" \
	"mauth check: dkim=pass with header.d, .i, .s, .a, .b"

"$MAUTH" sign -d example.com -s ed -k "$tmp/ed.pem" "$tmp/rsa.eml" > "$tmp/both.eml"
ok $? "mauth sign again with an Ed25519 key (RFC 8463: one message, two signatures)"
out=$("$MAUTH" check $C "$tmp/both.eml")
is "$out" "$AR dkim=pass header.d=example.com header.i=@example.com header.s=ed header.a=ed25519-sha256 header.b=$(b8 "$tmp/both.eml"); dkim=pass header.d=example.com header.i=@example.com header.s=rsa header.a=rsa-sha256 header.b=$(b8 "$tmp/rsa.eml")$DM" \
	"  two dkim=pass results, top signature first"

sed 's/Hello Bob/Hello Eve/' "$tmp/both.eml" > "$tmp/tampered.eml"
out=$("$MAUTH" check $C "$tmp/tampered.eml")
like "$out" "dkim=fail reason=\"body hash mismatch: the body was changed\" header.d=example.com header.i=@example.com header.s=ed" \
	"body changed: dkim=fail with a reason"
case $out in *"dkim=pass"*) r=1 ;; *) r=0 ;; esac
ok $r "  and no signature passes"

"$MAUTH" sign -d example.com -s absent -k "$tmp/rsa.pem" "$tmp/msg.eml" > "$tmp/nokey.eml"
out=$("$MAUTH" check $C "$tmp/nokey.eml")
like "$out" "dkim=permerror reason=\"no key: NXDOMAIN for absent._domainkey.example.com\"" \
	"no key record: dkim=permerror naming the name"
"$MAUTH" sign -d example.com -s revoked -k "$tmp/rsa.pem" "$tmp/msg.eml" > "$tmp/revoked.eml"
like "$("$MAUTH" check $C "$tmp/revoked.eml")" "dkim=permerror reason=\"revoked._domainkey.example.com: key revoked (empty p=)\"" \
	"revoked key (empty p=): dkim=permerror"

"$MAUTH" sign -d example.com -s small -k "$tmp/rsa1024.pem" "$tmp/msg.eml" > "$tmp/small.eml"
like "$("$MAUTH" check $C "$tmp/small.eml")" "dkim=pass header.d=example.com" \
	"1024-bit key, default MinimumKeyBits 1024: pass"
printf 'AuthservID mx.test.example\nMinimumKeyBits 2048\n' > "$tmp/strict.conf"
like "$("$MAUTH" check -c "$tmp/strict.conf" --zone "$tmp/example.com.zone" "$tmp/small.eml")" \
	"dkim=policy reason=\"signature verifies, but the 1024-bit key is below MinimumKeyBits 2048 (RFC 8301 section 3.2)\"" \
	"  MinimumKeyBits 2048 in the config: policy"

out=$("$MAUTH" check $C "$tmp/msg.eml")
is "$out" "$AR dkim=none$DM" "unsigned message: dkim=none"

# more signatures than MaximumSignaturesToVerify: the rest are reported once
cp "$tmp/msg.eml" "$tmp/many.eml"
for i in 1 2 3; do
	"$MAUTH" sign -d example.com -s ed -k "$tmp/ed.pem" "$tmp/many.eml" > "$tmp/many.tmp" &&
	    mv "$tmp/many.tmp" "$tmp/many.eml"
done
printf 'AuthservID mx.test.example\nMaximumSignaturesToVerify 2\n' > "$tmp/max.conf"
out=$("$MAUTH" check -c "$tmp/max.conf" --zone "$tmp/example.com.zone" "$tmp/many.eml")
is "$(printf '%s\n' "$out" | grep -o 'dkim=pass' | wc -l)" 2 "3 signatures, MaximumSignaturesToVerify 2: two verified"
like "$out" "dkim=policy reason=\"1 more signatures not verified (MaximumSignaturesToVerify 2)\"" \
	"  the third reported as not verified"

# a DNS server that never answers: temperror, not permerror
if dns_blackhole_start; then
	printf 'AuthservID mx.test.example\nDNSTimeout 300ms\n' > "$tmp/bh.conf"
	out=$("$MAUTH" check -c "$tmp/bh.conf" --nameserver "$BLACKHOLE_ADDR@$BLACKHOLE_PORT" "$tmp/rsa.eml")
	like "$out" "dkim=temperror reason=\"key lookup failed: DNS TIMEOUT for rsa._domainkey.example.com" \
		"key lookup times out: dkim=temperror"
else
	ok 1 "black-hole DNS server on loopback"
fi

done_testing
