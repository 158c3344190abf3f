# keys.sh - what the `mauth keys` tests share (t/keys-*.t).  Source it
# after dns-server.sh and common.sh (or mauthd.sh); bash only.
#
#   MAUTH, MAUTHD             mauth and mauthd of this build, as absolute
#                             paths (the tests cd into their temp dir)
#   keys_zone_new FILE DOMAIN
#       Start zone file FILE for DOMAIN: $ORIGIN, $TTL, SOA, NS, and an A
#       record for nodata._domainkey (a name with no TXT: NODATA).
#   keys_publish ZONEFILE...
#       "Publish": (re)start the test DNS server (t/lib/dns-server.sh) with
#       the zone files as they are now, and set NS to its ADDR@PORT.
#       Returns non-zero (with diagnostics) when unbound does not come up.
#   keys_swap_record ZONEFILE SELECTOR NEWFILE
#       Replace the entry of SELECTOR._domainkey in ZONEFILE (a zone-file
#       entry as `mauth keys` prints it: one line, or several up to " )")
#       with the contents of NEWFILE.
#   keys_mauth OUT ERR ARGS...
#       Run "$MAUTH keys ARGS..."; stdout to OUT, stderr to ERR; sets RC.

MAUTH=${MAUTH:-${top_builddir:-$T_TOP}/tools/mauth}
MAUTHD=${MAUTHD:-${top_builddir:-$T_TOP}/filter/mauthd}
_keys_abs() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
MAUTH=$(_keys_abs "$MAUTH")
MAUTHD=$(_keys_abs "$MAUTHD")
NS=

keys_zone_new()
{
	cat >"$1" <<EOF
\$ORIGIN $2.
\$TTL 300
@ IN SOA ns.$2. hostmaster.$2. ( 1 3600 600 86400 300 )
@ IN NS ns.$2.
ns IN A 192.0.2.53
nodata._domainkey IN A 192.0.2.54
EOF
}

keys_publish()
{
	dns_server_stop
	if ! dns_server_start "$@"; then
		t_diag "unbound did not serve: $*"
		return 1
	fi
	NS=$DNS_ADDR@$DNS_PORT
}

keys_swap_record()
{
	local zone=$1 sel=$2 new=$3
	awk -v sel="$sel._domainkey." -v new="$new" '
		!skip && index($1, sel) == 1 {
			while ((getline l < new) > 0)
				print l
			close(new)
			if ($0 ~ /\(/ && $0 !~ /\)/)
				skip = 1
			next
		}
		skip { if ($0 ~ /\)/) skip = 0; next }
		{ print }' "$zone" >"$zone.new" && mv "$zone.new" "$zone"
}

keys_mauth()
{
	local out=$1 err=$2
	shift 2
	"$MAUTH" keys "$@" >"$out" 2>"$err"
	RC=$?
}
