#!/bin/bash
# deps.sh - install the Debian packages mauth needs (Debian 12, as root)
#
# Usage: scripts/deps.sh [build|test|bench]...     (default: build)
#
#   build  toolchain and libraries to build mauthd and mauth
#   test   build + what the test suite runs: a real Postfix, swaks, an
#          unbound DNS server, and independent SPF/DKIM implementations;
#          and Sendmail's .deb files, downloaded but not installed
#          (DEBS_TEST below)
#   bench  what bench/run adds: the peers it measures mauthd against
#          (OpenDKIM, OpenDMARC), openssl for keys, perf for profiles
#
# Idempotent: when every package of the profile is installed (and every
# .deb to fetch is in DEBS_DIR) it does not touch apt at all.  Otherwise it installs only what is missing, with no
# questions asked; `apt-get update` runs only when a missing package is
# unknown to apt's lists (a fresh machine) or an install fails (stale lists).
#
# Postfix is preseeded as "No configuration": installing it writes no
# /etc/postfix/main.cf and starts no system mail server.  The tests run
# their own private Postfix and unbound instances, so while it installs,
# a policy-rc.d (unless the machine has one) keeps the packages from
# starting system services (unbound would otherwise take 127.0.0.1:53).
#
# The package lists below are the one place that says what mauth needs;
# add to them here.
set -euo pipefail

# Toolchain and libraries (configure.ac names the package of each library).
PKGS_BUILD=(
	build-essential autoconf automake libtool pkg-config
	libmilter-dev libssl-dev libopendkim-dev libunbound-dev
	libsqlite3-dev libpsl-dev publicsuffix libidn2-dev libpq-dev libyaml-dev zlib1g-dev
)

# What the tests run, on top of the build profile.
#   perl (prove), iproute2 (ss), procps (ps, pkill-free process checks)
#   postfix + swaks: the end-to-end tests' private MTA and SMTP client
#   unbound + dnsutils: the tests' DNS server and dig to probe it
#   python3-dkim/-nacl/-spf, libmail-dkim-perl: independent implementations
#   clang + libclang-rt-14-dev: libFuzzer for the fuzz pass (scripts/fuzz.sh)
#   valgrind: mauthd under memcheck (t/valgrind-mauthd.t)
#   python3-yaml: reads the RFC 7208 suite for the pyspf interop test
#   python3-prometheus-client: a second reader of mauthd's metrics page
#   dns-root-data: the root trust anchor that migrated configurations name
#   groff-base: renders the man pages in t/man.t (warnings are failures)
#   python3-dnspython: dkimpy's key lookups in the test DNS server
#     (t/keys-mauthd.t; python3-dkim pulls it in, named to be sure)
#   openssl: DKIM test keys made at run time (t/postfix-dmarc.t and others)
#   libxml2-utils: xmllint validates aggregate reports against the schemas
#   postgresql: a private server for the report store's fleet tests
#   m4, util-linux (unshare) and the shared libraries of sendmail-bin:
#     t/sendmail-e2e.t runs Debian's sendmail unpacked from DEBS_TEST
PKGS_TEST=(
	perl iproute2 procps openssl
	postfix swaks
	unbound dnsutils
	python3 python3-dkim python3-nacl python3-spf python3-yaml libmail-dkim-perl
	clang libclang-rt-14-dev valgrind
	python3-prometheus-client dns-root-data groff-base python3-dnspython
	libxml2-utils postgresql
	m4 util-linux libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libwrap0
)

# Fetched into DEBS_DIR for the test profile, never installed:
# sendmail-bin and postfix both provide (and conflict on)
# mail-transport-agent, so installing Sendmail would remove Postfix.
# t/sendmail-e2e.t unpacks them with dpkg-deb -x at run time.
DEBS_TEST=(sendmail-bin sendmail-cf)
DEBS_DIR=/var/cache/apt/archives

# What bench/run measures against, on top of the test profile.
PKGS_BENCH=(
	opendkim opendmarc openssl linux-perf
)

usage()
{
	echo "usage: $0 [build|test|bench]..." >&2
	exit 2
}

# missing PKG... - print the packages that are not fully installed
missing()
{
	local p status
	for p in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		case $status in
		ii*) ;;
		*) echo "$p" ;;
		esac
	done
}

# unknown PKG... - true when apt's lists offer no candidate for one of them
unknown()
{
	local p cand
	for p in "$@"; do
		cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
		if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
			return 0
		fi
	done
	return 1
}

# unfetched PKG... - print the packages with no .deb file in DEBS_DIR
unfetched()
{
	local p
	for p in "$@"; do
		compgen -G "$DEBS_DIR/${p}_*.deb" >/dev/null || echo "$p"
	done
}

# fetch PKG... - apt-get download them into DEBS_DIR
fetch()
{
	local tmp
	tmp=$(mktemp -d)
	# apt downloads as its sandbox user, who must be able to write here
	chown _apt "$tmp" 2>/dev/null || true
	if ! (cd "$tmp" && apt-get download -q "$@"); then
		echo "deps: download failed; refreshing package lists and retrying" >&2
		apt-get update -q
		(cd "$tmp" && apt-get download -q "$@") || { rm -rf "$tmp"; return 1; }
	fi
	mkdir -p "$DEBS_DIR"
	mv "$tmp"/*.deb "$DEBS_DIR"/
	rm -rf "$tmp"
}

main()
{
	local want=() debs=() prof
	[ $# -gt 0 ] || set -- build
	for prof in "$@"; do
		case $prof in
		build) want+=("${PKGS_BUILD[@]}") ;;
		test) want+=("${PKGS_BUILD[@]}" "${PKGS_TEST[@]}"); debs=("${DEBS_TEST[@]}") ;;
		bench) want+=("${PKGS_BUILD[@]}" "${PKGS_TEST[@]}" "${PKGS_BENCH[@]}")
			debs=("${DEBS_TEST[@]}") ;;
		-h|--help) usage ;;
		*) echo "$0: unknown profile '$prof'" >&2; usage ;;
		esac
	done

	local need fetch_need
	mapfile -t need < <(missing "${want[@]}" | sort -u)
	mapfile -t fetch_need < <(unfetched "${debs[@]}")
	if [ ${#need[@]} -eq 0 ] && [ ${#fetch_need[@]} -eq 0 ]; then
		echo "deps: all ${#want[@]} packages for '$*' are installed${debs[*]:+, ${debs[*]} fetched}"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: must run as root to install packages (missing: ${need[*]} ${fetch_need[*]})" >&2
		return 1
	fi
	if [ ${#need[@]} -eq 0 ]; then
		echo "deps: fetching ${fetch_need[*]} into $DEBS_DIR (not installed)"
		fetch "${fetch_need[@]}"
		return
	fi
	echo "deps: installing ${need[*]}"

	export DEBIAN_FRONTEND=noninteractive
	# "No configuration": the package installs, configures nothing and
	# starts no mail server.
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections

	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# scripts/deps.sh: start no services while installing\nexit 101\n' \
		    >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi

	if unknown "${need[@]}"; then
		apt-get update -q
	fi
	local opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
	if ! apt-get install "${opts[@]}" "${need[@]}"; then
		# Stale package lists name files the mirror no longer has.
		echo "deps: install failed; refreshing package lists and retrying" >&2
		apt-get update -q
		apt-get install "${opts[@]}" "${need[@]}"
	fi

	mapfile -t need < <(missing "${need[@]}")
	if [ ${#need[@]} -ne 0 ]; then
		echo "deps: still not installed: ${need[*]}" >&2
		return 1
	fi
	if [ ${#fetch_need[@]} -ne 0 ]; then
		echo "deps: fetching ${fetch_need[*]} into $DEBS_DIR (not installed)"
		fetch "${fetch_need[@]}"
	fi
}

main "$@"
