#!/usr/bin/python3
"""logparse.py FILE QID - read mauthd's per-message line back as data.

FILE holds mauthd's log, either standard error lines
("mauthd[PID]: LEVEL: QID: key=value ...") or syslog datagrams
("<PRI>... mauthd[PID]: QID: key=value ...", the level then comes from
PRI).  For QID it prints:

    lines=N          every line that starts with "QID: "
    info=N           those at level info
    keys=K1,K2,...   the keys of the info line, in order
    K=V              each pair, the value unquoted

A value in double quotes may hold spaces, with \\" and \\\\ escaped; any
text that is not a key=value pair prints "parse error: ..." and exits 1.
"""
import re
import sys

STDERR = re.compile(r'^mauthd\[\d+\]: (\w+): (.*)$')
SYSLOG = re.compile(r'^<(\d+)>.*? mauthd\[\d+\]: (.*)$')
LEVELS = ['fatal', 'fatal', 'fatal', 'error', 'warning', 'notice', 'info', 'debug']
PAIR = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ "]*)(?: |$)')


def split(line):
    m = STDERR.match(line)
    if m:
        return m.group(1), m.group(2)
    m = SYSLOG.match(line)
    if m:
        return LEVELS[int(m.group(1)) & 7], m.group(2)
    return None, None


def pairs(text):
    out, pos = [], 0
    while pos < len(text):
        m = PAIR.match(text, pos)
        if not m:
            raise ValueError('at %r' % text[pos:])
        value = m.group(2)
        if value.startswith('"'):
            value = re.sub(r'\\(.)', r'\1', value[1:-1])
        out.append((m.group(1), value))
        pos = m.end()
    return out


def main():
    path, qid = sys.argv[1], sys.argv[2]
    lines, info = 0, []
    with open(path, errors='replace') as f:
        for line in f:
            level, rest = split(line.rstrip('\n'))
            if rest is None or not rest.startswith(qid + ': '):
                continue
            lines += 1
            if level == 'info':
                info.append(rest[len(qid) + 2:])
    print('lines=%d' % lines)
    print('info=%d' % len(info))
    if not info:
        return 0
    try:
        kv = pairs(info[0])
    except ValueError as e:
        print('parse error: %s' % e)
        return 1
    print('keys=%s' % ','.join(k for k, _ in kv))
    for k, v in kv:
        print('%s=%s' % (k, v))
    return 0


if __name__ == '__main__':
    sys.exit(main())
