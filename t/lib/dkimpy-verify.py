#!/usr/bin/python3
"""dkimpy-verify.py - verify every DKIM-Signature of a message with dkimpy,
fetching keys from a given DNS server (test helper only).

  dkimpy-verify.py ADDR PORT MESSAGE

Prints one line per signature, top first: "pass s=SELECTOR a=ALGORITHM" or
"fail s=... a=... (reason)".  Keys come from the server at ADDR:PORT (the
test's unbound) through dnspython, so what is verified is the record as
published, not a copy of it.
"""
import sys

import dkim
import dns.exception
import dns.resolver


def main():
    addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [addr]
    res.port = port

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        try:
            ans = res.resolve(name, "TXT", lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except dns.exception.Timeout as e:
            raise dkim.DnsTimeoutError(str(e))
        return b"".join(ans[0].strings)

    msg = open(path, "rb").read()
    d = dkim.DKIM(msg)
    sigs = [v for k, v in dkim.rfc822_parse(msg)[0] if k.lower() == b"dkim-signature"]
    for i, raw in enumerate(sigs):
        tags = dict(t.strip().split(b"=", 1) for t in raw.split(b";") if b"=" in t)
        sel = tags.get(b"s", b"?").strip().decode()
        alg = tags.get(b"a", b"?").strip().decode()
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
            why = ""
        except dkim.DKIMException as e:
            ok, why = False, " (%s)" % e
        print("%s s=%s a=%s%s" % ("pass" if ok else "fail", sel, alg, why))
    return 0


sys.exit(main())
