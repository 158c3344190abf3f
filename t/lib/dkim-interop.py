#!/usr/bin/python3
"""dkim-interop.py - dkimpy's side of t/dkim-interop.t (test helper only).

  dkim-interop.py verify DNSFILE MESSAGE      -> "pass" / "fail" (first signature)
  dkim-interop.py sign KEY DOMAIN SELECTOR CANON [length] < MESSAGE > SIGNED

DNSFILE holds "name TXT-value" lines; names not in it are NXDOMAIN.
"""
import sys

import dkim


def dns_table(path):
    table = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#") and " " in line:
                name, value = line.split(" ", 1)
                table[name.lower().rstrip(".")] = value.encode()
    return table


def main():
    if sys.argv[1] == "verify":
        table = dns_table(sys.argv[2])
        msg = open(sys.argv[3], "rb").read()

        def dnsfunc(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            return table.get(name.lower().rstrip("."))

        ok = dkim.verify(msg, dnsfunc=dnsfunc)
        print("pass" if ok else "fail")
        return 0
    if sys.argv[1] == "sign":
        key = open(sys.argv[2], "rb").read()
        hc, bc = sys.argv[5].encode().split(b"/")
        length = len(sys.argv) > 6 and sys.argv[6] == "length"
        msg = sys.stdin.buffer.read()
        alg = b"ed25519-sha256" if b"PRIVATE KEY" not in key else b"rsa-sha256"
        sig = dkim.sign(msg, sys.argv[4].encode(), sys.argv[3].encode(), key,
                        canonicalize=(hc, bc), length=length, signature_algorithm=alg,
                        include_headers=[b"from", b"to", b"subject", b"date"])
        sys.stdout.buffer.write(sig + msg)
        return 0
    return 2


sys.exit(main())
