#!/usr/bin/env python3
"""The "Dovecot stream": drain mailboxes over IMAPS with no client work at all.

Issue 13's baseline for W1 on loopback: what the server and TLS cost, with
nothing a client adds (no parsing past the framing, no store, no index). Over
`--connections` parallel connections (owl's default is 4) it logs in, and then
each connection takes the next mailbox off one shared queue (the caller lists
them largest first, as owl's workers pick the mailbox with the most left) and
sends EXAMINE with `UID FETCH 1:* BODY.PEEK[]` pipelined behind it; the bytes
are read into one 1 MiB buffer per connection and thrown away, looking only at
line ends and `{N}` literal lengths so the end of each command is found.
No COMPRESS. LOGOUT is sent at the end without waiting for its answer.

Prints one JSON line: seconds (from before the first connect to the last
tagged OK), literal bytes (the messages), bytes read (everything TLS gave),
messages, and the per-connection split. Run it under GNU time to get its CPU
(bench/link.py does): if that is close to the wall time the client, not the
server, is the limit and the figure is not a baseline.

  imapdrain.py --port 993 --ca ca.pem --user u3 --password pw-u3 --connections 4 INBOX Box01 ...
"""
import argparse
import json
import re
import socket
import ssl
import sys
import threading
import time

BUFFER = 1 << 20
LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class Drain:
    """One connection's reader: lines are looked at, literals skipped unread."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray(BUFFER)
        self.view = memoryview(self.buf)
        self.start = self.end = 0
        self.read_bytes = 0
        self.literal_bytes = 0
        self.messages = 0

    def _fill(self):
        """Reads more into the buffer, moving what is left to its front first."""
        if self.start == self.end:
            self.start = self.end = 0
        elif self.end == len(self.buf):
            left = self.end - self.start
            self.buf[:left] = self.buf[self.start:self.end]
            self.start, self.end = 0, left
        n = self.sock.recv_into(self.view[self.end:])
        if not n:
            raise EOFError("the server closed the connection")
        self.end += n
        self.read_bytes += n

    def line(self):
        """The next line, CRLF included (a response line, or the rest of one after a literal)."""
        while True:
            i = self.buf.find(b"\r\n", self.start, self.end)
            if i >= 0:
                out = bytes(self.view[self.start:i + 2])
                self.start = i + 2
                return out
            if self.start == 0 and self.end == len(self.buf):
                raise ValueError("a line longer than the buffer")
            self._fill()

    def skip(self, n):
        """Throws away the next n bytes (a literal)."""
        self.literal_bytes += n
        while n:
            if self.start == self.end:
                self._fill()
            k = min(n, self.end - self.start)
            self.start += k
            n -= k

    def until_tagged(self, tag):
        """Reads responses, skipping literals, until the tagged completion of `tag`."""
        prefix = tag + b" "
        while True:
            line = self.line()
            if line.startswith(prefix):
                if not line[len(prefix):].startswith(b"OK"):
                    raise RuntimeError(line.decode(errors="replace").strip())
                return
            m = LITERAL.search(line)
            while m:  # a literal, then the rest of the same response line
                self.skip(int(m.group(1)))
                self.messages += line.startswith(b"* ")
                line = self.line()
                m = LITERAL.search(line)


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connection(args, queue, lock, results, errors):
    try:
        ctx = ssl.create_default_context(cafile=args.ca)
        sock = ctx.wrap_socket(socket.create_connection((args.host, args.port)), server_hostname=args.host)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        d = Drain(sock)
        d.line()  # the greeting
        sock.sendall(f"a LOGIN {quote(args.user)} {quote(args.password)}\r\n".encode())
        d.until_tagged(b"a")
        boxes, n = [], 0
        while True:
            with lock:
                if not queue:
                    break
                box = queue.pop(0)
            n += 1
            boxes.append(box)
            sock.sendall(f"e{n} EXAMINE {quote(box)}\r\nf{n} UID FETCH 1:* BODY.PEEK[]\r\n".encode())
            d.until_tagged(f"e{n}".encode())
            d.until_tagged(f"f{n}".encode())
        done = time.monotonic()
        sock.sendall(b"z LOGOUT\r\n")
        sock.close()
        results.append({"mailboxes": boxes, "messages": d.messages, "literal_bytes": d.literal_bytes,
                        "read_bytes": d.read_bytes, "done": done})
    except Exception as e:  # noqa: BLE001 - reported, and the run fails
        errors.append(f"{type(e).__name__}: {e}")


def drain(args):
    queue, lock, results, errors = list(args.mailboxes), threading.Lock(), [], []
    start = time.monotonic()
    threads = [threading.Thread(target=connection, args=(args, queue, lock, results, errors))
               for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("imapdrain: " + "; ".join(errors))
    return {"seconds": max(r["done"] for r in results) - start, "connections": args.connections,
            "messages": sum(r["messages"] for r in results),
            "literal_bytes": sum(r["literal_bytes"] for r in results),
            "read_bytes": sum(r["read_bytes"] for r in results),
            "per_connection": [{k: v for k, v in r.items() if k != "done"} for r in results]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="localhost")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True, help="the CA file that signed the server's certificate")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("mailboxes", nargs="+", help="in the order they are taken (largest first, as owl does)")
    print(json.dumps(drain(ap.parse_args())))


if __name__ == "__main__":
    main()
