#!/usr/bin/python3
# checks.py - what a milter really did to the messages of one measurement,
# from the header fields it added, for bench/run's "checks" column.
#
#   checks.py load FILE          FILE: milter-load -H output (the fields
#                                the milter added or changed)
#   checks.py mail ORIG FILE...  FILEs: delivered copies (smtp-sink), ORIG:
#                                the message as sent (its own fields are
#                                not the milter's work)
#
# Prints one line: the results of the Authentication-Results fields whose
# authserv-id is one of bench's milters (bench.mauth, bench.peer), as
# method=result in the order found (RFC 8601 section 2.2), then
# sign=ALGORITHM for each DKIM-Signature field the milter added (its a=
# tag, RFC 6376 section 3.5).  When the messages differ, the most common
# line is printed with "(K of N)" after it.  "-" when the milter added
# neither.
import collections
import email.parser
import email.policy
import re
import sys

AUTHSERV_IDS = ("bench.mauth", "bench.peer")


def strip_comments(v):
    """RFC 5322 comments removed (nested, with quoted-pairs)."""
    out, depth, i = [], 0, 0
    while i < len(v):
        c = v[i]
        if c == "\\" and depth:
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(c)
        i += 1
    return "".join(out)


def ar_results(value):
    """method=result of each resinfo, when the authserv-id is ours."""
    parts = [p.strip() for p in strip_comments(value).split(";")]
    ident = parts[0].split()[0].lower() if parts and parts[0].split() else ""
    if ident not in AUTHSERV_IDS:
        return []
    res = []
    for p in parts[1:]:
        m = re.match(r"([A-Za-z0-9-]+)(?:/\d+)?\s*=\s*([A-Za-z0-9-]+)", p)
        if m:
            res.append("%s=%s" % (m.group(1).lower(), m.group(2).lower()))
    return res


def sig_alg(value):
    m = re.search(r"(?:^|;)\s*a\s*=\s*([A-Za-z0-9-]+)", value.replace("\n", ""))
    return "sign=" + (m.group(1).lower() if m else "?")


def summary(fields):
    """fields: (name, value) the milter added, for one message."""
    ar, sig = [], []
    for name, value in fields:
        n = name.lower()
        if n == "authentication-results":
            ar += ar_results(value)
        elif n == "dkim-signature":
            sig.append(sig_alg(value))
    return " ".join(ar + sig) or "-"


def from_load(path):
    """milter-load -H: 'header N OP Name: value', values may be folded."""
    msgs = collections.OrderedDict()
    last, done = None, 0
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"header (\d+) (add|insert|change) ([^:]+): ?(.*)", line)
            if m:
                last = [m.group(3), m.group(4)]
                msgs.setdefault(m.group(1), []).append(last)
            elif line[:1] in (" ", "\t") and last is not None:
                last[1] += "\n" + line
            elif line.startswith(("msgs=", "mod ")):
                last = None
                m = re.search(r"\bdone=(\d+)", line)
                done = int(m.group(1)) if m else done
    out = [summary(v) for v in msgs.values()]
    # messages the milter added nothing to
    return out + ["-"] * max(0, done - len(out))


def header_fields(path):
    with open(path, "rb") as f:
        msg = email.parser.BytesParser(policy=email.policy.compat32).parse(
            f, headersonly=True)
    return [(k, str(v)) for k, v in msg.items()]


def from_mail(orig, paths):
    had = set((k.lower(), re.sub(r"\s+", "", v)) for k, v in header_fields(orig))
    out = []
    for p in paths:
        new = [(k, v) for k, v in header_fields(p)
               if (k.lower(), re.sub(r"\s+", "", v)) not in had]
        out.append(summary(new))
    return out


def main(argv):
    if len(argv) >= 2 and argv[0] == "load":
        lines = from_load(argv[1])
    elif len(argv) >= 3 and argv[0] == "mail":
        lines = from_mail(argv[1], argv[2:])
    else:
        sys.stderr.write("usage: checks.py load FILE | mail ORIG FILE...\n")
        return 2
    if not lines:
        print("-")
        return 0
    common, k = collections.Counter(lines).most_common(1)[0]
    print(common if k == len(lines) else "%s (%d of %d)" % (common, k, len(lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
