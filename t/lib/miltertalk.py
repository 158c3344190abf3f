#!/usr/bin/python3
"""miltertalk.py - play the MTA side of one milter session (protocol 6).

Used by the mauthd tests to drive the daemon over its real socket without
an MTA.  Each event sent and the filter's replies are printed one per
line, so a shell test can grep them:

    negotiate version=6 actions=0x31 protocol=0x100000
    connect continue
    ...
    eom insheader 0 Authentication-Results ' mx.test; spf=pass ...'
    eom chgheader 2 Authentication-Results ''
    eom continue

Values are printed with Python's repr() so white space and line breaks
stay visible.  Exit status 0 when the session ran to the end, 1 on a
protocol or connection error.
"""
import argparse
import os
import socket
import struct
import sys
import time

# SMFIC_* commands (MTA -> filter) and SMFIR_* replies (libmilter mfdef.h)
REPLIES = {
    b'c': 'continue', b'a': 'accept', b'r': 'reject', b't': 'tempfail',
    b'd': 'discard', b'y': 'replycode', b'h': 'addheader', b'i': 'insheader',
    b'm': 'chgheader', b'q': 'quarantine', b'p': 'progress', b's': 'skip',
    b'4': 'shutdown', b'f': 'connfail',
}
FINAL = {'continue', 'accept', 'reject', 'tempfail', 'discard', 'replycode',
         'skip', 'shutdown', 'connfail'}
ALL_ACTIONS = 0x1ff
ALL_PROTOCOL = 0x1fffff


class Session:
    def __init__(self, spec, timeout):
        if spec.startswith(('local:', 'unix:')):
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.settimeout(timeout)
            self.s.connect(spec.split(':', 1)[1])
        else:
            kind, rest = spec.split(':', 1)
            port, addr = rest.split('@', 1)
            family = socket.AF_INET6 if kind == 'inet6' else socket.AF_INET
            self.s = socket.socket(family, socket.SOCK_STREAM)
            self.s.settimeout(timeout)
            self.s.connect((addr, int(port)))

    def send(self, cmd, data=b''):
        self.s.sendall(struct.pack('!I', len(data) + 1) + cmd + data)

    def _read(self, n):
        buf = b''
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError('filter closed the connection')
            buf += chunk
        return buf

    def reply(self):
        (size,) = struct.unpack('!I', self._read(4))
        data = self._read(size)
        return data[:1], data[1:]

    def event(self, name, cmd, data=b''):
        """send one event and print replies up to the final one"""
        self.send(cmd, data)
        while True:
            code, data = self.reply()
            what = REPLIES.get(code, 'unknown-%r' % code)
            print('%s %s' % (name, describe(what, data)))
            if what in FINAL:
                return what


def describe(what, data):
    if what in ('insheader', 'chgheader'):
        (index,) = struct.unpack('!I', data[:4])
        parts = data[4:].split(b'\0')
        return '%s %d %s %r' % (what, index, parts[0].decode(),
                                parts[1].decode('utf-8', 'replace'))
    if what == 'addheader':
        parts = data.split(b'\0')
        return '%s %s %r' % (what, parts[0].decode(), parts[1].decode())
    if what in ('replycode', 'quarantine'):
        return '%s %r' % (what, data.rstrip(b'\0').decode('utf-8', 'replace'))
    return what


def z(text):
    return text.encode() + b'\0'


def macros(cmd, pairs):
    return cmd + b''.join(z(k) + z(v) for k, v in pairs)


def split_message(data):
    """an RFC 5322 message: ['Name: value', ...] and the body (CRLF)"""
    data = data.replace(b'\r\n', b'\n')
    head, _, body = data.partition(b'\n\n')
    fields = []
    for line in head.split(b'\n'):
        if line[:1] in (b' ', b'\t') and fields:
            fields[-1] += '\n' + line.decode('utf-8', 'surrogateescape')
        elif line:
            fields.append(line.decode('utf-8', 'surrogateescape'))
    return fields, body.replace(b'\n', b'\r\n').decode('utf-8', 'surrogateescape')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('socket', help='inet:PORT@ADDR, inet6:PORT@ADDR or local:PATH')
    p.add_argument('--client', default='192.0.2.10', help="client IP, or 'local'")
    p.add_argument('--client-name', default='client.test')
    p.add_argument('--helo', default='client.test')
    p.add_argument('--from', dest='mailfrom', default='<user@example.test>')
    p.add_argument('--auth', default=None,
                   help='SMTP AUTH user: sent as {auth_authen} with MAIL FROM, as Postfix does')
    p.add_argument('--rcpt', action='append', default=None)
    p.add_argument('--header', action='append', default=[],
                   help="'Name: value' (as Postfix sends it: value keeps its leading space)")
    p.add_argument('--body', default='Hello.\r\n')
    p.add_argument('--message', metavar='FILE',
                   help='an RFC 5322 file: its header fields come after the'
                   ' --header ones (continuation lines joined with LF, as'
                   ' Postfix sends them) and its body replaces --body')
    p.add_argument('--qid', default='4TESTQID1')
    p.add_argument('--protocol', type=lambda s: int(s, 0), default=ALL_PROTOCOL,
                   help='protocol steps offered (default: all)')
    p.add_argument('--actions', type=lambda s: int(s, 0), default=ALL_ACTIONS)
    p.add_argument('--timeout', type=float, default=30)
    p.add_argument('--hold-until', metavar='FILE',
                   help='after HELO, wait until FILE exists (then go on)')
    a = p.parse_args()
    if a.message:
        with open(a.message, 'rb') as f:
            fields, a.body = split_message(f.read())
        a.header += fields

    try:
        s = Session(a.socket, a.timeout)
        s.send(b'O', struct.pack('!III', 6, a.actions, a.protocol))
        code, data = s.reply()
        if code != b'O':
            print('negotiate unexpected %r' % code)
            return 1
        version, actions, protocol = struct.unpack('!III', data[:12])
        print('negotiate version=%d actions=%#x protocol=%#x' % (version, actions, protocol))
        leadspc = protocol & 0x100000

        if a.client == 'local':
            conn = z(a.client_name) + b'U'
        else:
            fam = b'6' if ':' in a.client else b'4'
            conn = z(a.client_name) + fam + struct.pack('!H', 54321) + z(a.client)
        s.send(b'D', macros(b'C', [('j', 'mx.test'), ('{daemon_name}', 'smtpd')]))
        if s.event('connect', b'C', conn) != 'continue':
            return 0
        s.event('helo', b'H', z(a.helo))
        if a.hold_until:
            print('hold', flush=True)
            deadline = time.monotonic() + a.timeout
            while not os.path.exists(a.hold_until):
                if time.monotonic() > deadline:
                    raise OSError('--hold-until: %s did not appear' % a.hold_until)
                time.sleep(0.05)
        mail_macros = [('{mail_addr}', a.mailfrom.strip('<>'))]
        if a.auth is not None:
            mail_macros += [('{auth_type}', 'PLAIN'), ('{auth_authen}', a.auth)]
        s.send(b'D', macros(b'M', mail_macros))
        if s.event('mail', b'M', z(a.mailfrom)) != 'continue':
            return 0
        for rcpt in a.rcpt or ['<rcpt@dest.test>']:
            s.event('rcpt', b'R', z(rcpt))
        # Postfix sends {i} once the queue file exists (DATA by default)
        s.send(b'D', macros(b'T', [('i', a.qid)]))
        s.event('data', b'T')
        for h in a.header:
            name, value = h.split(':', 1)
            if not leadspc and value.startswith(' '):
                value = value[1:]
            s.send(b'D', macros(b'L', [('i', a.qid)]))
            s.event('header', b'L', name.encode() + b'\0' +
                    value.encode('utf-8', 'surrogateescape') + b'\0')
        s.event('eoh', b'N')
        s.event('body', b'B', a.body.encode('utf-8', 'surrogateescape'))
        s.send(b'D', macros(b'E', [('i', a.qid)]))
        s.event('eom', b'E')
        s.send(b'Q')
        return 0
    except (OSError, EOFError, struct.error) as e:
        print('error %s' % e)
        return 1


if __name__ == '__main__':
    sys.exit(main())
