#!/bin/bash
# mauthd-keycache.t - libopendkim's public key decoding reaches mauthd's
# own d2i_PUBKEY_bio() (filter/keycache.c: decoded keys kept, since OpenSSL
# 3.0 decodes slowly): the dynamic linker binds libopendkim's reference to
# the definition in mauthd, not to libcrypto's.  That the cached keys verify
# as libcrypto's would is t/c/keycache.t; verification through mauthd is
# t/mauthd-dkim.t and t/postfix-dkim.t.
. "$(dirname "$0")/lib/common.sh"

top=$(cd "${top_builddir:-$T_TOP}" && pwd)
mauthd=$top/filter/mauthd
[ -x "$mauthd" ] || t_skip_all "$mauthd not built"

nm -D --defined-only "$mauthd" 2>/dev/null | grep -q ' T d2i_PUBKEY_bio$'
t_ok $? "mauthd exports d2i_PUBKEY_bio"

# every symbol bound at start-up, each binding logged
bindings=$(LD_BIND_NOW=1 LD_DEBUG=bindings "$mauthd" -V 2>&1 >/dev/null |
    grep "libopendkim[^ ]* .* to .*symbol \`d2i_PUBKEY_bio'")
t_like "$bindings" "to $mauthd \\[" \
    "libopendkim's d2i_PUBKEY_bio binds to mauthd's"
t_unlike "$bindings" "libcrypto" "  not to libcrypto's"
t_done
