#!/usr/bin/python3
"""smtpraw.py - one SMTP transaction with a message sent byte for byte.

    smtpraw.py HOST PORT --client ADDR --from ADDR --to ADDR MSGFILE
               [--helo NAME] [--drop-after N] [--count N] [--proxy]

Unlike swaks, nothing in MSGFILE is changed on the way: bare LF, bare CR,
NUL bytes and long lines reach the server as they are (only lines that
start with "." are dot-stuffed, as RFC 5321 section 4.5.2 requires, and
the final CRLF "." CRLF is added).  XCLIENT ADDR= sets the client address
that Postfix and its milters see; with --proxy a PROXY protocol v1 line
does instead (for a Postfix with smtpd_upstream_proxy_protocol =
haproxy).  --drop-after N hangs up after N octets
of the message, in the middle of DATA.  Prints one line per transaction:
the reply to the end of DATA ("250 2.0.0 Ok: queued as ..."), or
"dropped" or "error WHAT".  Used by t/postfix-faults.t.
"""
import argparse
import socket
import sys


class Smtp:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=120)
        self.buf = b''

    def line(self):
        while b'\r\n' not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError('connection closed')
            self.buf += data
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line.decode('utf-8', 'replace')

    def reply(self):
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == '-':
            lines.append(self.line())
        return lines[-1]

    def cmd(self, text, want):
        self.s.sendall(text.encode() + b'\r\n')
        r = self.reply()
        if not r.startswith(want):
            raise RuntimeError('%s: %s' % (text.split()[0], r))
        return r


def stuff(data):
    """dot-stuffing, and a CRLF after the last line if it has none"""
    out = []
    for line in data.split(b'\n'):
        out.append(b'.' + line if line.startswith(b'.') else line)
    data = b'\n'.join(out)
    if not data.endswith(b'\n'):
        data += b'\r\n'
    elif not data.endswith(b'\r\n'):
        data = data[:-1] + b'\r\n'
    return data


def session(a, data):
    s = Smtp(a.host, a.port)
    if a.proxy:
        s.s.sendall(b'PROXY TCP4 %s 127.0.0.1 40000 %d\r\n' %
                    (a.client.encode(), a.port))
    s.reply()                                          # greeting
    s.cmd('EHLO %s' % a.helo, '250')
    if not a.proxy:
        s.cmd('XCLIENT ADDR=%s NAME=client.faults.example' % a.client, '220')
        s.cmd('EHLO %s' % a.helo, '250')
    s.cmd('MAIL FROM:<%s>' % getattr(a, 'from'), '250')
    s.cmd('RCPT TO:<%s>' % a.to, '250')
    s.cmd('DATA', '354')
    if a.drop_after is not None:
        s.s.sendall(data[:a.drop_after])
        s.s.close()
        return 'dropped'
    s.s.sendall(stuff(data) + b'.\r\n')
    r = s.reply()
    try:
        s.cmd('QUIT', '221')
    except (OSError, EOFError, RuntimeError):
        pass
    s.s.close()
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument('host')
    p.add_argument('port', type=int)
    p.add_argument('msgfile')
    p.add_argument('--client', default='192.0.2.10')
    p.add_argument('--from', default='user@pass.faults.example')
    p.add_argument('--to', default='rcpt@e2e.test')
    p.add_argument('--helo', default='mx.client.faults.example')
    p.add_argument('--drop-after', type=int)
    p.add_argument('--count', type=int, default=1)
    p.add_argument('--proxy', action='store_true')
    a = p.parse_args()
    with open(a.msgfile, 'rb') as f:
        data = f.read()
    for _ in range(a.count):
        try:
            print(session(a, data))
        except (OSError, EOFError, RuntimeError) as e:
            print('error %s' % e)
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
