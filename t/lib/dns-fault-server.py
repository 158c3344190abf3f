#!/usr/bin/python3
"""dns-fault-server.py - a DNS server that fails on purpose, for fault tests.

    dns-fault-server.py MODE ADDR PORTFILE

Binds UDP and TCP on ADDR and a free port (the same number for both),
writes the port to PORTFILE (atomically) once it serves, and then, for
every query:

    servfail   answers RCODE 2 (SERVFAIL), question echoed, no records
    refused    answers RCODE 5 (REFUSED)
    blackhole  never answers (TCP connections are accepted and held)

It runs until killed.  Used by t/dns-faults.t as the whole resolver of a
mauthd and as the name server unbound is pointed at for one zone.
"""
import os
import select
import socket
import struct
import sys

RCODES = {'servfail': 2, 'refused': 5}


def answer(query, rcode):
    """the reply header + the query's question section, or None"""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack('!HHH', query[:6])
    if flags & 0x8000:          # a response: ignore
        return None
    # QR, the query's opcode and RD, RA; the rcode
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | rcode
    return struct.pack('!HHHHHH', qid, rflags, min(qdcount, 1), 0, 0, 0) + \
        question(query, qdcount)


def question(query, qdcount):
    if qdcount < 1:
        return b''
    i = 12
    while i < len(query) and query[i] != 0:
        i += 1 + query[i]
    return query[12:i + 5]


def bind(addr):
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((addr, 0))
            u.bind((addr, t.getsockname()[1]))
            t.listen(64)
            return t, u
        except OSError:
            t.close()
            u.close()
    sys.exit('cannot bind')


def main():
    mode, addr, portfile = sys.argv[1:4]
    if mode not in ('servfail', 'refused', 'blackhole'):
        sys.exit('unknown mode %s' % mode)
    t, u = bind(addr)
    with open(portfile + '.tmp', 'w') as f:
        f.write('%d\n' % t.getsockname()[1])
    os.rename(portfile + '.tmp', portfile)
    held = {}                   # TCP connection -> bytes received
    while True:
        ready, _, _ = select.select([t, u] + list(held), [], [])
        for s in ready:
            if s is t:
                c, _ = t.accept()
                held[c] = b''
            elif s is u:
                q, peer = u.recvfrom(65535)
                if mode != 'blackhole':
                    r = answer(q, RCODES[mode])
                    if r:
                        u.sendto(r, peer)
            else:
                data = s.recv(65535)
                if not data:
                    del held[s]
                    s.close()
                    continue
                held[s] += data
                buf = held[s]
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack('!H', buf[:2])[0]:
                    n = struct.unpack('!H', buf[:2])[0]
                    q, buf = buf[2:2 + n], buf[2 + n:]
                    if mode != 'blackhole':
                        r = answer(q, RCODES[mode])
                        if r:
                            s.sendall(struct.pack('!H', len(r)) + r)
                held[s] = buf


if __name__ == '__main__':
    main()
