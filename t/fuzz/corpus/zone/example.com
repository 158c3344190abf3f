; example.com - a neutral SPF domain plus the records the DNS backend tests
; decode (long TXT, escapes, CNAME chains, wildcard, empty non-terminal).
$ORIGIN example.com.
$TTL 300
@		IN	SOA	ns1.example.org. hostmaster.example.com. 2024060101 1h 15m 1w 5m
		IN	NS	ns1.example.org.
		IN	MX	0 .		; null MX (RFC 7505): no mail
		IN	TXT	"v=spf1 a:mail.example.com include:example.org ?all"
mail		IN	A	192.0.2.77
_dmarc		IN	TXT	"v=DMARC1; p=none"

; --- records for t/c/dns-zone and t/dns-unbound.t ---
host		300 IN	A	192.0.2.10
host		300	A	192.0.2.11	; no class
host		IN	AAAA	2001:db8::10
mx		IN	MX	10 host
		IN	MX	20 mx.example.net.
alias		IN	CNAME	host
alias2		IN	CNAME	alias.example.com.
dangling	IN	CNAME	nowhere.example.com.
outside		IN	CNAME	mail.example.net.
loop1		IN	CNAME	loop2
loop2		IN	CNAME	loop1
escaped		IN	TXT	"semi;colon" "quote\"d" back\\slash "nul\000byte" \065BC
empty		IN	TXT	""
; three strings (255 + 255 + 90 octets), 600 in all: over 512, so the answer needs EDNS or TCP
long		IN	TXT	(
	"012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234"
	"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde"
	"ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ" )
; eight strings of 200 octets, 1600 in all: over the 1232-octet EDNS size,
; so the answer comes truncated over UDP and whole over TCP
huge		IN	TXT	(
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	"gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg"
	"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	)
; a PTR target with a dot inside a label, a space and a backslash
odd		IN	PTR	a\.b\032c\\d.example.com.
; several TXT records at one name (an SPF "two records" case for TXT users)
multi		IN	TXT	"first"
multi		IN	TXT	"second"
; an empty non-terminal: only a.b.ent exists below ent
a.b.ent		IN	TXT	"deep"
*.wild		IN	TXT	"from the wildcard"
*.wild		IN	A	192.0.2.99
; unbound's zone reader carries an explicit TTL over to the records after
; it, where RFC 2308 section 4 gives them $TTL: a TTL that differs from
; $TTL is therefore only written on the last records of a file.
ttl		86400 IN TXT	"cached for a day"
