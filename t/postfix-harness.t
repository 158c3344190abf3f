#!/bin/bash
# postfix-harness.t - the end-to-end harness itself (t/lib/postfix.sh):
# a private Postfix relays to smtp-sink, XCLIENT sets the client address
# and name that Postfix records, the null sender passes through, and a
# test that dies half-way leaves no process or temp dir behind.
# No milter here: t/postfix-*.t put mauthd in front.
. "$(dirname "$0")/lib/postfix.sh"

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root to run a private Postfix"
for tool in postfix smtp-sink swaks; do
	command -v "$tool" >/dev/null ||
	    t_bail "$tool not installed: run scripts/deps.sh test"
done

postfix_start || t_bail "private Postfix did not start"
t_ok 0 "Postfix listens on $PF_ADDR:$PF_PORT, sink on 127.0.0.1:$PF_SINK_PORT"

# --- one message from a non-loopback client, via XCLIENT
msg=$PF_DIR/m1.eml
postfix_make_msg "$msg" "h1.$$@e2e.test" "alice@sender.example" \
    "bob@$PF_DOMAIN" "harness 1" "X-Harness: one" -- "Body line."
postfix_send "$PF_DIR/s1" 192.0.2.10 client.sender.example \
    helo.sender.example alice@sender.example "bob@$PF_DOMAIN" "$msg"
t_ok $? "swaks session accepted" || t_diag_file "$PF_DIR/s1"
t_like "$(postfix_reply "$PF_DIR/s1")" '^250 .*queued as [0-9A-Za-z]+' \
    "reply to DATA is 250 queued"
copy=$(postfix_wait_msg "h1.$$@e2e.test")
t_ok $? "sink received the message"
t_is "$(postfix_header "$copy" X-Mail-Args)" "<alice@sender.example>" \
    "envelope sender relayed"
t_like "$(postfix_header "$copy" Received | sed -n 2p)" \
    '^from helo\.sender\.example \(client\.sender\.example \[192\.0\.2\.10\]\)' \
    "Postfix saw the XCLIENT address, name and HELO"
t_is "$(postfix_header "$copy" X-Harness)" "one" "header from the message file"
t_like "$(tail -n 3 "$copy")" '^Body line\.' "body delivered"

# --- the null sender
msg=$PF_DIR/m2.eml
postfix_make_msg "$msg" "h2.$$@e2e.test" "postmaster@sender.example" \
    "bob@$PF_DOMAIN" "harness 2"
postfix_send "$PF_DIR/s2" 192.0.2.11 client.sender.example \
    helo.sender.example "<>" "bob@$PF_DOMAIN" "$msg"
t_ok $? "null-sender session accepted" || t_diag_file "$PF_DIR/s2"
copy=$(postfix_wait_msg "h2.$$@e2e.test")
t_ok $? "sink received the null-sender message"
t_is "$(postfix_header "$copy" X-Mail-Args)" "<>" "null sender relayed"

# --- a message that never came is reported as not delivered, quickly
if out=$(postfix_wait_msg "never.$$@e2e.test" 1 2>/dev/null); then st=1; else st=0; fi
t_ok $st "waiting for an unknown Message-ID times out"
t_is "$out" "" "  and names no file"

postfix_stop
if t_listening "$PF_ADDR" "$PF_PORT"; then st=1; else st=0; fi
t_ok $st "postfix_stop closed the listener"

# --- cleanup when a test dies half-way: a child test exits with Postfix
# and the sink running; its EXIT trap must stop both and remove the dir.
state=$(mktemp "${TMPDIR:-/tmp}/mauth-t.XXXXXXXX")
t_cleanup "rm -f '$state'"
bash -c '
	. "$1/t/lib/postfix.sh"
	postfix_start || exit 3
	echo "$PF_DIR $(_pf_master_pid) $PF_SINK_PID" >"$2"
	exit 1' child "$T_TOP" "$state" >/dev/null 2>&1
t_is "$?" 1 "child test failed half-way"
read -r cdir cmaster csink <"$state"
[ -n "$cmaster" ] && [ -n "$csink" ]
t_ok $? "child had Postfix ($cmaster) and sink ($csink) running"
gone()
{
	! kill -0 "$cmaster" 2>/dev/null && ! kill -0 "$csink" 2>/dev/null
}
t_wait_until 10 gone
t_ok $? "its Postfix master and sink are gone"
[ -n "$cdir" ] && [ ! -e "$cdir" ]
t_ok $? "its temp dir $cdir is removed"
t_done
