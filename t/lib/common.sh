# common.sh - shared helpers for the shell tests (t/*.t): TAP output,
# cleanup on exit, free ports, bounded waits.  Source it; bash only.
#
#   t_ok STATUS DESC          "ok N - DESC" when STATUS is 0, else "not ok"
#   t_is GOT WANT DESC        string equality; shows both on failure
#   t_like STR ERE DESC       STR matches the extended regex ERE
#   t_unlike STR ERE DESC     STR does not match ERE
#   t_diag MSG...             "# MSG" lines on stderr (shown by prove)
#   t_note MSG...             "# MSG" lines on stdout (shown by prove -v)
#   t_diag_file FILE [N]      the last N (default 40) lines of FILE as diag
#   t_done                    print the plan "1..N"; exit 1 if a test failed
#   t_skip_all REASON         "1..0 # SKIP REASON" and exit 0
#   t_bail REASON             "Bail out! REASON" and exit 255
#   t_cleanup CMD...          run CMD at exit (last registered runs first),
#                             also on failure, ^C or TERM
#   t_tmpdir VAR              set VAR to a new mktemp -d directory (mode
#                             755, removed at exit unless T_KEEP=1)
#   t_free_port [ADDR]        print a TCP port that is free on ADDR now
#                             (default 127.0.0.1); the kernel picks it
#   t_listening ADDR PORT     true when something listens on ADDR:PORT (TCP)
#   t_wait_until SECS CMD...  run CMD every 0.1 s until it succeeds; false
#                             if it has not within SECS seconds
#
# Functions that register a cleanup (t_tmpdir, the *_start functions of the
# other libraries) set variables instead of printing: never call them in $(...),
# where the registration would be lost with the subshell.
#
# Tests never use fixed ports or fixed /tmp names: several test files and
# several checkouts may run at once on one machine.

[ -n "${T_COMMON_LOADED:-}" ] && return 0
T_COMMON_LOADED=1

# The top of the source tree, wherever the test is run from.
T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

T_NUM=0
T_FAILED=0
T_CLEANUPS=()

t_ok()
{
	local status=$1
	shift
	T_NUM=$((T_NUM + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $T_NUM - $*"
	else
		echo "not ok $T_NUM - $*"
		T_FAILED=$((T_FAILED + 1))
	fi
	return "$status"
}

t_is()
{
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		t_ok 0 "$@"
	else
		t_ok 1 "$@"
		t_diag "     got: '$got'" "expected: '$want'"
		return 1
	fi
}

t_like()
{
	local str=$1 re=$2
	shift 2
	if printf '%s\n' "$str" | grep -Eq -- "$re"; then
		t_ok 0 "$@"
	else
		t_ok 1 "$@"
		t_diag "'$str'" "  does not match /$re/"
		return 1
	fi
}

t_unlike()
{
	local str=$1 re=$2
	shift 2
	if ! printf '%s\n' "$str" | grep -Eq -- "$re"; then
		t_ok 0 "$@"
	else
		t_ok 1 "$@"
		t_diag "'$str'" "  matches /$re/"
		return 1
	fi
}

t_diag()
{
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /' >&2
	done
}

t_note()
{
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

t_diag_file()
{
	local file=$1 n=${2:-40}
	if [ -r "$file" ]; then
		t_diag "--- last $n lines of $file:"
		tail -n "$n" "$file" | sed 's/^/#   /' >&2
	else
		t_diag "--- $file: not readable"
	fi
}

t_done()
{
	echo "1..$T_NUM"
	[ "$T_FAILED" -eq 0 ] || exit 1
	exit 0
}

t_skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

t_bail()
{
	echo "Bail out! $*"
	exit 255
}

t_cleanup()
{
	T_CLEANUPS+=("$*")
}

_t_run_cleanups()
{
	local i
	for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	T_CLEANUPS=()
}
trap '_t_run_cleanups' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

t_tmpdir()
{
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/mauth-t.XXXXXXXX") || return 1
	printf -v "$1" '%s' "$d"
	# Postfix daemons, running as user postfix, must traverse the path.
	chmod 755 "$d"
	if [ "${T_KEEP:-0}" = 1 ]; then
		t_diag "keeping $d"
	else
		t_cleanup "rm -rf '$d'"
	fi
}

t_free_port()
{
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => $ARGV[0],
		    LocalPort => 0, Proto => "tcp", Listen => 1)
		    or die "bind $ARGV[0]: $!\n";
		print $s->sockport, "\n";' "${1:-127.0.0.1}"
}

t_listening()
{
	[ -n "$(ss -Hltn "src $1:$2" 2>/dev/null)" ]
}

t_wait_until()
{
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
	while ! "$@"; do
		if [ $(($(date +%s%N) / 1000000)) -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
}
