#!/usr/bin/python3
"""milterload.py - many milter sessions at once against one filter.

Plays the MTA side (protocol 6, the same conversation as miltertalk.py)
for SESSIONS sessions over CONCURRENCY parallel connections and prints a
summary a shell test can check:

    sessions=400 ok=400 errors=0
    authserv mx.one.example 123
    authserv mx.two.example 277
    eom continue 400

"authserv" counts the authserv-id of the Authentication-Results field
each session got inserted ("authserv none" when it got none); "eom"
counts the final reply to end of message.  Errors (a connection refused
or dropped, a protocol error) are listed one per line as "error N: ...".
With --until FILE the workers keep starting sessions until FILE exists
(at least SESSIONS in all), so a test can reload mid-stream.
"""
import argparse
import collections
import os
import re
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from miltertalk import ALL_ACTIONS, ALL_PROTOCOL, Session, macros, z  # noqa: E402

AR = re.compile(rb'^\s*([^;\s]+)\s*;')


def event(s, cmd, data=b''):
    """send one event; return (final reply word, [(code, data) edits])"""
    s.send(cmd, data)
    edits = []
    while True:
        code, data = s.reply()
        if code in (b'h', b'i', b'm', b'y', b'q', b'p'):
            if code != b'p':
                edits.append((code, data))
            continue
        return code.decode(), edits


def session(spec, n, client, timeout):
    s = Session(spec, timeout)
    try:
        s.send(b'O', struct.pack('!III', 6, ALL_ACTIONS, ALL_PROTOCOL))
        code, _ = s.reply()
        if code != b'O':
            raise EOFError('negotiate: %r' % code)
        qid = 'LOAD%06d' % n
        s.send(b'D', macros(b'C', [('j', 'mx.test')]))
        conn = z('client.test') + b'4' + struct.pack('!H', 54321) + z(client)
        for cmd, data in ((b'C', conn), (b'H', z('client.test'))):
            if event(s, cmd, data)[0] != 'c':
                raise EOFError('%r refused' % cmd)
        s.send(b'D', macros(b'M', [('{mail_addr}', 'user@pass.example')]))
        event(s, b'M', z('<user@pass.example>'))
        event(s, b'R', z('<rcpt@dest.test>'))
        s.send(b'D', macros(b'T', [('i', qid)]))
        event(s, b'T')
        event(s, b'L', z('From') + z(' <user@pass.example>'))
        event(s, b'N')
        event(s, b'B', b'Hello.\r\n')
        s.send(b'D', macros(b'E', [('i', qid)]))
        final, edits = event(s, b'E')
        s.send(b'Q')
    finally:
        s.s.close()
    authserv = 'none'
    for code, data in edits:
        if code == b'i':
            parts = data[4:].split(b'\0')
            m = AR.match(parts[1])
            if parts[0] == b'Authentication-Results' and m:
                authserv = m.group(1).decode()
    return authserv, {'c': 'continue', 't': 'tempfail', 'r': 'reject',
                      'a': 'accept', 'y': 'replycode'}.get(final, final)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('socket')
    p.add_argument('--sessions', type=int, default=100)
    p.add_argument('--concurrency', type=int, default=8)
    p.add_argument('--client', default='192.0.2.10')
    p.add_argument('--until', help='keep going until this file exists')
    p.add_argument('--timeout', type=float, default=30)
    a = p.parse_args()

    lock = threading.Lock()
    counter = [0]
    authserv = collections.Counter()
    finals = collections.Counter()
    errors = []

    def more():
        with lock:
            if counter[0] >= a.sessions and (not a.until or os.path.exists(a.until)):
                return None
            counter[0] += 1
            return counter[0]

    def worker():
        while True:
            n = more()
            if n is None:
                return
            try:
                who, final = session(a.socket, n, a.client, a.timeout)
                with lock:
                    authserv[who] += 1
                    finals[final] += 1
            except (OSError, EOFError, struct.error) as e:
                with lock:
                    errors.append('error %d: %s' % (n, e))

    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = counter[0]
    print('sessions=%d ok=%d errors=%d' % (total, total - len(errors), len(errors)))
    for who, n in sorted(authserv.items()):
        print('authserv %s %d' % (who, n))
    for final, n in sorted(finals.items()):
        print('eom %s %d' % (final, n))
    for e in errors[:20]:
        print(e)
    return 0 if not errors else 1


if __name__ == '__main__':
    sys.exit(main())
