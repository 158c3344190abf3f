#!/usr/bin/python3
"""smtp_load.py - SMTP load with a record of what the client saw per message.

usage: smtp_load.py HOST:PORT COUNT OUTFILE [options]
  --sessions N      concurrent SMTP sessions (default 8)
  --per-session N   messages per session before QUIT (default 20)
  --client ADDR     XCLIENT ADDR for sessions (repeatable: used round robin
                    by session number); the server must allow XCLIENT
  --from ADDR       MAIL FROM and From: (default user@a.report.example)
  --to ADDR         RCPT TO (default rcpt@e2e.test)
  --tag TEXT        put in every Message-ID (default: the process id)
  --pause SECS      after a message that was not accepted, wait this long
                    before the next (a client backing off; default 0)

Each message has its own Message-ID <TAG.N@e2e.test>.  OUTFILE gets one
line per message, written as soon as its outcome is known:
  N <TAG.N@e2e.test> CODE CLIENT
CODE is the server's final reply code to the message (250 accepted, 4xx
tempfailed, 5xx refused, at whatever stage), or "lost" when the
connection broke before a reply (the client cannot tell).  A session that
fails is replaced by a new one.
"""
import argparse
import smtplib
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('server')
    ap.add_argument('count', type=int)
    ap.add_argument('out')
    ap.add_argument('--sessions', type=int, default=8)
    ap.add_argument('--per-session', type=int, default=20)
    ap.add_argument('--client', action='append', default=[])
    ap.add_argument('--from', dest='mfrom', default='user@a.report.example')
    ap.add_argument('--to', default='rcpt@e2e.test')
    ap.add_argument('--tag', default=None)
    ap.add_argument('--pause', type=float, default=0.0)
    a = ap.parse_args()
    host, port = a.server.rsplit(':', 1)
    tag = a.tag or 'load%d' % __import__('os').getpid()
    lock = threading.Lock()
    state = {'next': 0, 'session': 0}
    out = open(a.out, 'w', buffering=1)

    def take():
        with lock:
            if state['next'] >= a.count:
                return None
            state['next'] += 1
            return state['next']

    def record(n, msgid, code, client):
        with lock:
            out.write('%d %s %s %s\n' % (n, msgid, code, client))

    def session():
        with lock:
            s_no = state['session']
            state['session'] += 1
        client = a.client[s_no % len(a.client)] if a.client else '-'
        smtp = smtplib.SMTP(host, int(port), timeout=60)
        smtp.ehlo('load.client.example')
        if a.client:
            code, _ = smtp.docmd('XCLIENT', 'ADDR=%s NAME=client.e2e.example' % client)
            if code != 220:
                raise smtplib.SMTPResponseException(code, 'XCLIENT refused')
            smtp.ehlo('load.client.example')
        return smtp, client

    def worker():
        smtp, client, sent = None, '-', 0
        while True:
            n = take()
            if n is None:
                break
            msgid = '<%s.%d@e2e.test>' % (tag, n)
            msg = ('From: Load <%s>\r\nTo: <%s>\r\nSubject: load %d\r\n'
                   'Message-ID: %s\r\n\r\nMessage %d.\r\n'
                   % (a.mfrom, a.to, n, msgid, n))
            code = 'lost'
            try:
                if smtp is None:
                    smtp, client = session()
                    sent = 0
                smtp.sendmail(a.mfrom, [a.to], msg)
                code = '250'
            except smtplib.SMTPRecipientsRefused as e:
                code = str(list(e.recipients.values())[0][0])
            except smtplib.SMTPResponseException as e:
                code = str(e.smtp_code)
            except (smtplib.SMTPException, OSError):
                code = 'lost'
            record(n, msgid, code, client)
            sent += 1
            if code != '250' or sent >= a.per_session:
                try:
                    if code in ('250',) or code[0] in '45':
                        smtp.quit()
                    else:
                        smtp.close()
                except Exception:
                    pass
                smtp = None
            if code != '250' and a.pause > 0:
                time.sleep(a.pause)
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:
                pass

    threads = [threading.Thread(target=worker) for _ in range(a.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
