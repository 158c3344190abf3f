#!/usr/bin/python3
"""syslogd.py SOCKET OUT - a minimal syslog receiver for tests.

Binds a unix datagram socket at SOCKET (what syslog(3) writes to,
/dev/log) and appends every datagram to OUT as one line, exactly as
received ("<PRI>Mmm dd hh:mm:ss mauthd[PID]: ..."), flushed at once.
Runs until killed.
"""
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out, 'a') as f:
        print('ready', file=f, flush=True)
        while True:
            data = s.recv(65536).decode('utf-8', 'replace').rstrip('\n\0')
            print(data, file=f, flush=True)


if __name__ == '__main__':
    main()
