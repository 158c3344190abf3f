#!/usr/bin/python3
"""scrape.py - fetch a Prometheus text-format page and check it.

    scrape.py URL            print every sample as NAME{LABELS} VALUE,
                             labels sorted, one per line
    scrape.py --raw URL      print the HTTP status line, Content-Type and
                             the body as received
    scrape.py --method M URL print the status line of a request with M

Checks, each failure printed as "format error: ..." (exit status 1):
every sample belongs to a family announced by # HELP and # TYPE before
it; counters and histogram buckets are not negative; a histogram's
buckets are cumulative, end with le="+Inf" and that bucket equals
_count.  When Debian's python3-prometheus-client is installed the page
is also parsed by its parser (an independent reading of the format);
"parser: prometheus_client" or "parser: none" says which.
"""
import http.client
import re
import sys
import urllib.parse

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def fetch(url, method='GET'):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request(method, u.path or '/')
    r = c.getresponse()
    return r.status, r.reason, r.getheader('Content-Type'), r.read().decode()


def labels(text):
    if not text:
        return {}
    inner, out, pos = text[1:-1], {}, 0
    while pos < len(inner):
        m = LABEL.match(inner, pos)
        if not m:
            raise ValueError('bad labels %s' % text)
        out[m.group(1)] = m.group(2)
        pos = m.end()
    return out


def check(body):
    errors, types, helps, samples = [], {}, set(), []
    for line in body.splitlines():
        if line.startswith('# HELP '):
            helps.add(line.split()[2])
        elif line.startswith('# TYPE '):
            _, _, name, kind = line.split(None, 3)
            types[name] = kind
        elif line.startswith('#') or not line:
            continue
        else:
            m = SAMPLE.match(line)
            if not m:
                errors.append('not a sample: %r' % line)
                continue
            name, lab, value = m.group(1), labels(m.group(2)), float(m.group(3))
            base = re.sub(r'_(bucket|sum|count)$', '', name)
            fam = name if name in types else base
            if fam not in types or fam not in helps:
                errors.append('%s: no # HELP / # TYPE before it' % name)
            elif types[fam] in ('counter', 'histogram') and value < 0:
                errors.append('%s: negative' % line)
            samples.append((name, lab, value))
    # histograms: cumulative buckets ending in +Inf == _count
    series = {}
    for name, lab, value in samples:
        if name.endswith('_bucket'):
            key = (name[:-7], tuple(sorted((k, v) for k, v in lab.items() if k != 'le')))
            series.setdefault(key, []).append((lab['le'], value))
    counts = {(n[:-6], tuple(sorted(l.items()))): v for n, l, v in samples if n.endswith('_count')}
    for key, buckets in series.items():
        values = [v for _, v in buckets]
        if values != sorted(values):
            errors.append('%s %s: buckets not cumulative' % key)
        if buckets[-1][0] != '+Inf' or counts.get(key) != values[-1]:
            errors.append('%s %s: +Inf bucket missing or != _count' % key)
    return errors, samples


def independent(body):
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return 'none', []
    try:
        list(text_string_to_metric_families(body))
    except Exception as e:  # the parser raises ValueError and others
        return 'prometheus_client', ['prometheus_client: %s' % e]
    return 'prometheus_client', []


def main(argv):
    if argv[1] == '--raw':
        status, reason, ctype, body = fetch(argv[2])
        print('%d %s\n%s\n%s' % (status, reason, ctype, body), end='')
        return 0
    if argv[1] == '--method':
        status, reason, ctype, body = fetch(argv[3], argv[2])
        print('%d %s %d' % (status, reason, len(body)))
        return 0
    status, reason, ctype, body = fetch(argv[1])
    if status != 200:
        print('format error: HTTP %d %s' % (status, reason))
        return 1
    errors, samples = check(body)
    parser, more = independent(body)
    for name, lab, value in samples:
        text = ','.join('%s="%s"' % kv for kv in sorted(lab.items()))
        print('%s%s %s' % (name, '{%s}' % text if text else '', repr(value) if value % 1 else int(value)))
    print('parser: %s' % parser)
    for e in errors + more:
        print('format error: %s' % e)
    return 1 if errors or more else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
