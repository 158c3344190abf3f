#!/usr/bin/python3
"""smtp_tls_server.py - a small SMTP server for the report delivery tests.

usage: smtp_tls_server.py PORTFILE OUTDIR CERT KEY USER PASSWORD [--no-starttls]

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening).
Offers STARTTLS (unless --no-starttls) and, only inside TLS, AUTH PLAIN
for USER/PASSWORD.  Each message accepted is written to OUTDIR/mail.N with
a first line "X-Test-Session: tls=yes|no auth=USER|- from=... to=...".
Every command is appended to OUTDIR/commands (AUTH arguments masked).
Runs until killed.  Mail is refused (530) unless the client authenticated.
"""
import base64
import os
import socket
import ssl
import sys


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b''

    def line(self):
        while b'\n' not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return line.rstrip(b'\r').decode('latin-1')

    def send(self, text):
        self.sock.sendall((text + '\r\n').encode())


def session(sock, ctx, outdir, user, password, starttls):
    c = Conn(sock)
    tls, auth, mfrom, rcpts = False, None, None, []
    log = open(os.path.join(outdir, 'commands'), 'a')
    c.send('220 test.smtp ESMTP')
    while True:
        line = c.line()
        if line is None:
            return
        verb = line.split(' ', 1)[0].upper()
        log.write(('AUTH ***' if verb == 'AUTH' else line) + '\n')
        log.flush()
        if verb == 'EHLO':
            ext = ['250-test.smtp']
            if starttls and not tls:
                ext.append('250-STARTTLS')
            if tls:
                ext.append('250-AUTH PLAIN')
            ext.append('250 8BITMIME')
            c.send('\r\n'.join(ext))
        elif verb == 'STARTTLS' and starttls and not tls:
            c.send('220 go ahead')
            c.sock = ctx.wrap_socket(c.sock, server_side=True)
            c.buf, tls = b'', True
        elif verb == 'AUTH' and tls:
            parts = line.split(' ')
            try:
                raw = base64.b64decode(parts[2]).split(b'\0')
                ok = raw[1].decode() == user and raw[2].decode() == password
            except Exception:
                ok = False
            if ok:
                auth = user
                c.send('235 2.7.0 authenticated')
            else:
                c.send('535 5.7.8 bad credentials')
        elif verb == 'MAIL':
            if auth is None:
                c.send('530 5.7.0 authentication required')
                continue
            mfrom, rcpts = line[10:].strip('<>'), []
            c.send('250 ok')
        elif verb == 'RCPT':
            rcpts.append(line[8:].strip('<>'))
            c.send('250 ok')
        elif verb == 'DATA':
            c.send('354 go')
            body = []
            while True:
                l = c.line()
                if l is None or l == '.':
                    break
                body.append(l[1:] if l.startswith('.') else l)
            n = len([f for f in os.listdir(outdir) if f.startswith('mail.')])
            with open(os.path.join(outdir, 'mail.%d' % n), 'w') as f:
                f.write('X-Test-Session: tls=%s auth=%s from=%s to=%s\n' %
                        ('yes' if tls else 'no', auth or '-', mfrom, ','.join(rcpts)))
                f.write('\n'.join(body) + '\n')
            c.send('250 queued')
        elif verb == 'QUIT':
            c.send('221 bye')
            return
        else:
            c.send('502 not here')


def main(argv):
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    portfile, outdir, cert, key, user, password = argv[1:7]
    starttls = '--no-starttls' not in argv
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(5)
    with open(portfile + '.tmp', 'w') as f:
        f.write('%d\n' % srv.getsockname()[1])
    os.rename(portfile + '.tmp', portfile)
    while True:
        sock, _ = srv.accept()
        try:
            session(sock, ctx, outdir, user, password, starttls)
        except (OSError, ssl.SSLError):
            pass
        finally:
            sock.close()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
