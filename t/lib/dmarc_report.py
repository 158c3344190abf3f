#!/usr/bin/python3
"""dmarc_report.py - read DMARC aggregate reports for the report tests.

  dmarc_report.py attachment MAILFILE OUTDIR
      Find the application/gzip part of the e-mail MAILFILE (an smtp-sink
      dump or a sendmail capture; leading non-header lines are skipped),
      write it to OUTDIR under its MIME file name, print
      "FILENAME<TAB>SUBJECT" (Subject unfolded).
  dmarc_report.py counts XMLFILE
      One line per record, sorted: "SOURCE_IP DISPOSITION DKIM SPF
      SPF_RESULT HEADER_FROM COUNT" (policy_evaluated's dkim/spf), with
      or without the RFC 9990 namespace.
  dmarc_report.py dkim XMLFILE
      One line per DKIM result, in report order: "SOURCE_IP DOMAIN
      SELECTOR RESULT".
  dmarc_report.py field XMLFILE PATH
      The text of the first element at PATH (e.g. report_metadata/report_id).
"""
import email
import email.policy
import os
import re
import sys
import xml.etree.ElementTree as ET


def load_mail(path):
    with open(path, 'rb') as f:
        data = f.read()
    # smtp-sink writes its own X- lines first; those are headers too.
    return email.message_from_bytes(data, policy=email.policy.default)


def attachment(path, outdir):
    msg = load_mail(path)
    for part in msg.walk():
        if part.get_content_type() == 'application/gzip':
            name = part.get_filename()
            with open(os.path.join(outdir, name), 'wb') as f:
                f.write(part.get_payload(decode=True))
            subject = re.sub(r'\s+', ' ', str(msg['Subject']))
            print('%s\t%s' % (name, subject))
            return 0
    print('no application/gzip part in %s' % path, file=sys.stderr)
    return 1


def strip_ns(root):
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith('{'):
            el.tag = el.tag.split('}', 1)[1]
    return root


def counts(path):
    root = strip_ns(ET.parse(path).getroot())
    lines = []
    for rec in root.findall('record'):
        row = rec.find('row')
        pe = row.find('policy_evaluated')
        spf = rec.find('auth_results/spf')
        lines.append(' '.join([
            row.findtext('source_ip'), pe.findtext('disposition'),
            pe.findtext('dkim'), pe.findtext('spf'),
            spf.findtext('result') if spf is not None else '-',
            rec.findtext('identifiers/header_from'), row.findtext('count')]))
    for line in sorted(lines):
        print(line)
    return 0


def dkim(path):
    root = strip_ns(ET.parse(path).getroot())
    for rec in root.findall('record'):
        for d in rec.findall('auth_results/dkim'):
            print(' '.join([rec.findtext('row/source_ip'), d.findtext('domain'),
                            d.findtext('selector') or '-', d.findtext('result')]))
    return 0


def field(path, xpath):
    root = strip_ns(ET.parse(path).getroot())
    print(root.findtext(xpath) or '')
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == 'attachment':
        return attachment(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == 'counts':
        return counts(argv[2])
    if len(argv) == 3 and argv[1] == 'dkim':
        return dkim(argv[2])
    if len(argv) == 4 and argv[1] == 'field':
        return field(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
