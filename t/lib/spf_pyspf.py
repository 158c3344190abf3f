#!/usr/bin/python3
# spf_pyspf.py - evaluate an SPF YAML scenario file with Debian's python3-spf
# (pyspf) and print "id<TAB>result<TAB>explanation" per case, the same lines
# as "t/c/spf-rfc7208.t --print FILE" prints for mauth (t/spf-interop.t).
#
# DNS comes only from the file's zonedata, served by the rules of
# t/vectors/spf/FORMAT.md: SPF entries answer as TXT when an owner has no
# TXT entry, "NONE" answers nothing, a bare TIMEOUT makes every type the
# owner has no record of time out, unlisted names under "error." time out,
# everything else unlisted does not exist.  pyspf follows CNAMEs itself.
#
# Exit status 2 when pyspf or PyYAML cannot be imported (the caller skips).
import sys

try:
    import yaml
    import spf
except ImportError as e:
    sys.stderr.write('cannot import: %s\n' % e)
    sys.exit(2)


def as_bytes_list(value):
    """A TXT value (one string or a list of strings) as pyspf wants it."""
    if isinstance(value, list):
        return [str(s).encode('utf-8') for s in value]
    return [str(value).encode('utf-8')]


def load_zone(zonedata):
    """owner -> (records {type: [values]}, timeout flag)"""
    zone = {}
    for owner, items in (zonedata or {}).items():
        owner = owner.lower().rstrip('.')
        records, timeout, spf_records = {}, False, []
        has_txt = any(isinstance(i, dict) and 'TXT' in i for i in items or [])
        for item in items or []:
            if item == 'TIMEOUT':
                timeout = True
                continue
            for rtype, value in item.items():
                if value == 'NONE':
                    continue
                if rtype == 'SPF':
                    spf_records.append(value)
                    continue
                records.setdefault(rtype, []).append(value)
        if not has_txt:
            for value in spf_records:
                records.setdefault('TXT', []).append(value)
        zone[owner] = (records, timeout)
    return zone


def make_lookup(zone):
    def lookup(name, qtype, *args, **kwargs):
        name = name.lower().rstrip('.')
        if name not in zone:
            if name.startswith('error.'):
                raise spf.TempError('DNS timeout')
            return []
        records, timeout = zone[name]
        answers = []
        if 'CNAME' in records and qtype != 'CNAME':
            target = records['CNAME'][0].rstrip('.')
            return [((name, 'CNAME'), target)]
        for value in records.get(qtype, []):
            if qtype in ('TXT', 'SPF'):
                value = as_bytes_list(value)
            elif qtype == 'MX':
                value = (int(value[0]), str(value[1]).rstrip('.'))
            elif qtype in ('PTR', 'CNAME'):
                value = str(value).rstrip('.')
            answers.append(((name, qtype), value))
        if not answers and timeout:
            raise spf.TempError('DNS timeout')
        return answers
    return lookup


def main(path):
    with open(path, 'rb') as fp:
        documents = list(yaml.safe_load_all(fp))
    for doc in documents:
        if not doc:
            continue
        spf.DNSLookup = make_lookup(load_zone(doc.get('zonedata')))
        for test_id, case in doc.get('tests', {}).items():
            q = spf.query(i=case['host'], s=case.get('mailfrom') or '',
                          h=case.get('helo'), receiver='receiver.example.net')
            q.set_default_explanation('DEFAULT')
            result, _, explanation = q.check()
            if result != 'fail':
                explanation = ''
            print('%s\t%s\t%s' % (test_id, result, explanation))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.stderr.write('usage: spf_pyspf.py SCENARIOS.yml\n')
        sys.exit(1)
    main(sys.argv[1])
