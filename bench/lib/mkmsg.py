#!/usr/bin/python3
# mkmsg.py - a test message of a given size, DKIM-signed with dkimpy, for
# bench/run (inbound scenarios need a signature to verify).
#
#   mkmsg.py SIZE FROM TO KEYFILE SELECTOR DOMAIN OUT
import sys

import dkim

size, frm, to, keyfile, sel, dom, out = sys.argv[1:8]
size = int(size)
head = (
    "From: Bench Sender <%s>\r\nTo: <%s>\r\nSubject: bench message of %d bytes\r\n"
    "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
    "Message-ID: <bench.%d@%s>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n\r\n" % (frm, to, size, size, dom)
)
line = "The quick brown fox jumps over the lazy dog, line %05d of the bench text\r\n"
body, n = [], 0
while len(head) + sum(map(len, body)) + 600 < size:
    body.append(line % n)
    n += 1
msg = (head + "".join(body)).encode()
with open(keyfile, "rb") as f:
    key = f.read()
sig = dkim.sign(msg, sel.encode(), dom.encode(), key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
with open(out, "wb") as f:
    f.write(sig + msg)
