#!/usr/bin/python3
"""milterfault.py - play a misbehaving or extreme MTA against a milter.

    milterfault.py SOCKET SCENARIO [--count N]

Used by t/mauthd-faults.t.  Each scenario runs --count sessions (default
1) over the milter protocol (version 6, t/lib/miltertalk.py's Session)
and prints one line per session:

    SCENARIO N eom ACTION SPF FORGED-REMOVED      the message was judged
    SCENARIO N closed                             we hung up, as planned
    SCENARIO N refused WHY                        the filter hung up on us

where ACTION is the final reply to end-of-message (continue, tempfail,
replycode ...), SPF the spf= result in the Authentication-Results field
the filter inserted ("-" if none) and FORGED-REMOVED the number of
header fields it deleted.  Exit status 0 unless the filter could not be
reached at all.

Scenarios (the MTA side of the faults in issue 8):
  normal          a plain message (the control case)
  drop-data       hang up after the first body chunk (mid-DATA)
  drop-header     hang up in the middle of the header fields
  abort-retry     abort mid-body, then a second message on the connection
  header-1m       a header field whose value is 1 MB
  header-60k      a header field of 60 KB (fits the protocol's 64 KB)
  headers-10k     10,000 header fields, every other one a forged A-R field
  nul             NUL bytes in a header value and in the body
  bare-lf         bare LF and bare CR in header values and the body
  long-lines      body lines of 100,000 octets, a 2,000-octet header line
  non-utf8-from   From: and Subject: of invalid UTF-8 and 8-bit bytes
  long-mailfrom   a MAIL FROM of 20,000 octets
  garbage         a packet of unknown command, then a truncated one
  huge-length     a packet announcing 2 GB of data
  pause-eom       a plain message that waits 1.5 s before its end of
                  message (mauthd is told to stop meanwhile)
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from miltertalk import Session, z, macros, REPLIES, FINAL  # noqa: E402

ALL_ACTIONS = 0x1ff
ALL_PROTOCOL = 0x1fffff
AUTHSERV_ID = 'mx.test.example'


class Fault(Session):
    """a session that records replies instead of printing them"""

    def __init__(self, spec, timeout=30):
        super().__init__(spec, timeout)
        self.inserted = []
        self.removed = 0

    def event(self, name, cmd, data=b''):
        self.send(cmd, data)
        while True:
            code, data = self.reply()
            what = REPLIES.get(code, 'unknown-%r' % code)
            if what == 'insheader':
                self.inserted.append(data[4:].split(b'\0')[1])
            elif what == 'chgheader':
                self.removed += 1
            if what in FINAL:
                if what == 'replycode':
                    return 'replycode-' + data[:3].decode('ascii', 'replace')
                return what

    def start(self, client='192.0.2.10', helo='client.test',
              mailfrom='<user@pass.example>'):
        self.send(b'O', struct.pack('!III', 6, ALL_ACTIONS, ALL_PROTOCOL))
        code, _ = self.reply()
        if code != b'O':
            raise EOFError('negotiation refused')
        conn = z('client.test') + b'4' + struct.pack('!H', 54321) + z(client)
        self.send(b'D', macros(b'C', [('j', 'mx.test')]))
        self.event('connect', b'C', conn)
        self.event('helo', b'H', z(helo))
        self.mail(mailfrom)

    def mail(self, mailfrom, qid='4FAULT'):
        self.inserted = []
        self.removed = 0
        self.send(b'D', macros(b'M', [('{mail_addr}', 'x')]))
        self.event('mail', b'M', mailfrom if isinstance(mailfrom, bytes)
                   else z(mailfrom))
        self.event('rcpt', b'R', z('<rcpt@dest.test>'))
        self.send(b'D', macros(b'T', [('i', qid)]))
        self.event('data', b'T')

    def header(self, name, value):
        name = name if isinstance(name, bytes) else name.encode()
        value = value if isinstance(value, bytes) else value.encode()
        return self.event('header', b'L', name + b'\0' + value + b'\0')

    def finish(self, body=b'Hello.\r\n'):
        self.event('eoh', b'N')
        for i in range(0, len(body), 65535):
            self.event('body', b'B', body[i:i + 65535])
        action = self.event('eom', b'E')
        spf = '-'
        for v in self.inserted:
            v = v.decode('utf-8', 'replace')
            if 'spf=' in v:
                spf = v.split('spf=', 1)[1].split()[0]
        return 'eom %s %s %d' % (action, spf, self.removed)

    def close(self):
        self.s.close()


def s_normal(f):
    f.start()
    f.header('From', ' <user@pass.example>')
    return f.finish()


def s_drop_data(f):
    f.start()
    f.header('From', ' <user@pass.example>')
    f.event('eoh', b'N')
    f.event('body', b'B', b'first chunk\r\n' * 100)
    f.close()
    return 'closed'


def s_drop_header(f):
    f.start()
    f.header('From', ' <user@pass.example>')
    f.send(b'L', b'Subject\0 half a hea')     # the packet's length covers it,
    f.close()                                 # but we go before any reply
    return 'closed'


def s_abort_retry(f):
    f.start()
    f.header('From', ' <user@pass.example>')
    f.event('eoh', b'N')
    f.event('body', b'B', b'x' * 1000)
    f.send(b'A')                               # abort: no reply expected
    f.mail('<user@fail.example>', qid='4FAULT2')
    f.header('From', ' <user@fail.example>')
    return f.finish()


def s_header_1m(f):
    f.start()
    f.header('X-Big', b' ' + b'a' * (1 << 20))
    return f.finish()


def s_header_60k(f):
    f.start()
    f.header('X-Big', b' ' + b'b' * 60000)
    return f.finish()


def s_headers_10k(f):
    f.start()
    for i in range(10000):
        if i % 2:
            f.header('Authentication-Results', ' %s; spf=pass smtp.mailfrom=x@y' % AUTHSERV_ID)
        else:
            f.header('X-H%d' % i, ' value %d' % i)
    return f.finish()


def s_nul(f):
    f.start()
    f.send(b'L', b'Subject\0 before\0after NUL\0')
    f.reply()
    f.header('From', ' <user@pass.example>')
    return f.finish(b'body\0with\0NULs\r\n\0\r\n')


def s_bare_lf(f):
    f.start()
    f.header('Subject', ' bare\nLF and bare\rCR')
    f.header('From', ' <user@pass.example>\r')
    return f.finish(b'line one\nline two\rline three\r\n\n.\n')


def s_long_lines(f):
    f.start()
    f.header('X-Long', ' ' + 'L' * 2000)
    f.header('From', ' <user@pass.example>')
    return f.finish((b'x' * 100000 + b'\r\n') * 3)


def s_non_utf8_from(f):
    f.start()
    f.header('From', b' \xff\xfe\xc3(\xa0 <us\xe9r@pass.example>')
    f.header('Subject', b' \xed\xa0\x80 surrogate \xf8\x88\x80\x80\x80')
    return f.finish(b'\xff\xfe\r\n')


def s_long_mailfrom(f):
    f.start(mailfrom='<' + 'l' * 20000 + '@pass.example>')
    f.header('From', ' <user@pass.example>')
    return f.finish()


def s_garbage(f):
    f.start()
    f.send(b'~', b'unknown command payload')
    f.s.sendall(struct.pack('!I', 100) + b'L' + b'short')
    f.close()
    return 'closed'


def s_pause_eom(f):
    f.start()
    f.header('From', ' <user@pass.example>')
    time.sleep(1.5)
    return f.finish()


def s_huge_length(f):
    f.start()
    f.s.sendall(struct.pack('!I', 0x7fffffff) + b'B' + b'x' * 100)
    try:
        f.reply()
        return 'refused no-close'
    except (OSError, EOFError, struct.error):
        return 'refused closed'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('socket')
    p.add_argument('scenario')
    p.add_argument('--count', type=int, default=1)
    a = p.parse_args()
    fn = globals().get('s_' + a.scenario.replace('-', '_'))
    if fn is None:
        sys.exit('unknown scenario %s' % a.scenario)
    for n in range(1, a.count + 1):
        try:
            f = Fault(a.socket)
        except OSError as e:
            print('%s %d connect-failed %s' % (a.scenario, n, e))
            return 1
        try:
            print('%s %d %s' % (a.scenario, n, fn(f)))
        except (OSError, EOFError, struct.error) as e:
            print('%s %d refused %s' % (a.scenario, n, e))
        finally:
            try:
                f.send(b'Q')
            except OSError:
                pass
            f.close()
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
