#!/usr/bin/python3
# bad-milter.py - a milter that breaks the protocol on purpose, so the tests
# can check that bench/milter-load reports a clear error and does not crash.
#
#   bad-milter.py SOCKET-PATH MODE
#
# Listens on a unix socket and serves every connection the same way:
#   badlen   answers OPTNEG with a packet length of 2^31-1
#   unknown  negotiates, then answers MAIL with an unknown reply 'Z'
#   close    negotiates, answers everything, closes the socket at end of body
#   badcode  negotiates, answers end of body with a malformed REPLYCODE
#   shortopt answers OPTNEG with 5 data bytes
import os
import socket
import struct
import sys

path, mode = sys.argv[1], sys.argv[2]


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def read_packet(conn):
    head = b""
    while len(head) < 4:
        chunk = conn.recv(4 - len(head))
        if not chunk:
            return None, None
        head += chunk
    (n,) = struct.unpack(">I", head)
    body = b""
    while len(body) < n:
        chunk = conn.recv(n - len(body))
        if not chunk:
            return None, None
        body += chunk
    return body[:1], body[1:]


def serve(conn):
    while True:
        cmd, data = read_packet(conn)
        if cmd is None:
            return
        if cmd == b"O":
            if mode == "badlen":
                conn.sendall(struct.pack(">I", 0x7FFFFFFF) + b"O")
                return
            if mode == "shortopt":
                conn.sendall(packet(b"O", b"\0\0\0\6\0"))
                return
            conn.sendall(packet(b"O", struct.pack(">III", 6, 0, 0)))
        elif cmd in (b"D", b"A"):
            continue  # macros and abort get no reply
        elif cmd == b"Q":
            return
        elif cmd == b"M" and mode == "unknown":
            conn.sendall(packet(b"Z"))
        elif cmd == b"E" and mode == "close":
            return
        elif cmd == b"E" and mode == "badcode":
            conn.sendall(packet(b"y", b"hello\0"))
        else:
            conn.sendall(packet(b"c"))


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(16)
while True:
    c, _ = srv.accept()
    try:
        serve(c)
    except OSError:
        pass
    c.close()
