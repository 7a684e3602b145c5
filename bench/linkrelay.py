#!/usr/bin/env python3
"""A user-space link emulator: a TCP relay that gives loopback connections
the round trip and the bandwidth of an access link.

This machine's kernel has no netem, so bench/link.py puts this relay between
the mail clients and Dovecot. It models one access link with two directions
(down: server to client, up: client to server), each with

- a bandwidth cap SHARED by every connection through the relay: one
  serialiser per direction, so parallel connections compete for the link
  (first come, first served, chunk by chunk) as on a real access link;
- a bottleneck queue of at most --queue-ms worth of bytes (default: one
  round trip, i.e. one bandwidth-delay product, plus 64 KiB): while the
  queue is fuller than that, the relay stops reading from the sender, whose
  TCP then backs off on its own socket buffer;
- a propagation delay of RTT/2 after serialisation: every chunk gets a due
  time (when its last byte has crossed the link plus RTT/2) and sits in its
  connection's FIFO until then, so nothing is ever reordered.

Connection set-up pays the round trip of a TCP handshake: the client's
connect() returns at once on loopback, but the relay connects upstream only
1.5 RTT after the accept (when a real server would see the handshake's last
ACK, so a server that speaks first is heard at 2 RTT, as on a real link),
and bytes the client sends count as sent no earlier than 1 RTT after the
accept (when a real connect() would have returned), arriving RTT/2 later.

The relay runs at niceness -10 (as root) so the tools it carries do not
starve it of CPU (a late release would be link delay that is not set); how
late chunks were released is counted and reported (late_mean_ms).

Not modelled: loss, TCP slow start and congestion control over the link
(each loopback leg runs its own TCP, which never sees the emulated delay),
jitter. A chunk is at most 16 KiB, so timing is fine-grained.

Usage:
  linkrelay.py serve --rtt-ms 80 --mbit 20 --map LPORT=HOST:PORT ... --control PORT
  linkrelay.py selftest --control PORT --test-port LPORT   (through a running relay whose
      LPORT maps to `linkrelay.py testserver`'s port; see bench/link.py)
The control port answers one line of JSON: bytes up/down, connections, and
the relay's own CPU time (getrusage), so a benchmark can report the relay's
CPU apart from the tool's; and under "conns", the last CONN_HISTORY
connections (open or closed), each with its round-trip count:

Round trips, counted from the relay's side. A client "flight" is data from the
client that reaches the relay after the relay has released server bytes to
that client since the client's previous flight (the first data of a connection
is a flight too); bytes the client sends while no server byte has come back in
between belong to the same flight, however many writes they take. So a client
that pipelines EXAMINE and FETCH sends one flight; one that waits for each
answer sends two. The TCP handshake is not seen as data: it counts as 1 round
trip of its own (the relay charges it as set-up delay, see above). With
implicit TLS the first flight is the ClientHello (TLS 1.3: one round trip for
the handshake; the client's Finished usually travels with its first command).
A flight after which the client closed its side before any server byte was
released to it (a LOGOUT not waited for, TLS close_notify) is counted
apart as "unanswered": it costs the client no wait. Per connection:
  round_trips = 1 (TCP) + flights - unanswered_tail
The "flight_log" times the last FLIGHT_LOG flights of each connection:
[flight number, ms after the accept when it began, its bytes, ms when the
first server byte after it was released to the client, or null]; the gap
from one flight's answer to the next flight is the client's own time (CPU, a
wait of its own).
round_trips is what the client waited for if each flight was an answer to the
server's last bytes (true for the short commands this is used on; a
client that sends on its own timer, e.g. NOOP while idle, adds flights).
"""
import argparse
import asyncio
import collections
import json
import os
import resource
import socket
import statistics
import sys
import threading
import time

CHUNK = 16 * 1024
CONN_HISTORY = 200  # connections kept in the control port's "conns" list
FLIGHT_LOG = 256    # flights kept per connection (a holder's: a warm loop of 50 takes ~100) (the "flight_log")


class Direction:
    """One direction of the link: a serialiser shared by all connections."""

    def __init__(self, loop, rate, delay, queue):
        self.loop = loop
        self.rate = rate        # bytes per second, or None for no cap
        self.delay = delay      # seconds, RTT/2
        self.queue = queue      # seconds of backlog before senders are paused
        self.free_at = 0.0      # when the serialiser is next free
        self.bytes = 0
        self.paused = []        # transports paused on a full queue
        self.resume_handle = None
        self.late_n = 0         # chunks released, and how late (CPU contention)
        self.late_sum = 0.0
        self.late_max = 0.0

    def late(self, seconds):
        seconds = max(seconds, 0.0)
        self.late_n += 1
        self.late_sum += seconds
        self.late_max = max(self.late_max, seconds)

    def schedule(self, n, earliest):
        """Due time of a chunk of n bytes offered at max(now, earliest)."""
        start = max(self.loop.time(), earliest, self.free_at)
        end = start + (n / self.rate if self.rate else 0.0)
        self.free_at = end
        self.bytes += n
        return end + self.delay

    def full(self):
        return self.rate is not None and self.free_at - self.loop.time() > self.queue

    def pause(self, transport):
        transport.pause_reading()
        self.paused.append(transport)
        if self.resume_handle is None:
            self.resume_handle = self.loop.call_at(self.free_at - self.queue / 2, self._resume)

    def _resume(self):
        self.resume_handle = None
        paused, self.paused = self.paused, []
        for t in paused:
            if not t.is_closing():
                t.resume_reading()


class Half(asyncio.Protocol):
    """One socket of a relayed connection; forwards what it reads to its peer
    through a Direction and a FIFO of (due, chunk)."""

    def __init__(self, conn, direction):
        self.conn = conn
        self.direction = direction
        self.transport = None
        self.peer = None            # the other Half
        self.fifo = collections.deque()
        self.timer = None
        self.earliest = 0.0
        self.pending = []           # chunks read before the peer exists

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        if self is self.conn.client:
            self.conn.client_sent(len(data))
        for i in range(0, len(data), CHUNK):
            piece = data[i:i + CHUNK]
            due = self.direction.schedule(len(piece), self.earliest)
            self.fifo.append((due, piece))
        self._arm()
        if self.direction.full():
            self.direction.pause(self.transport)

    def eof_received(self):
        if self is self.conn.client:
            self.conn.client_closed()
        due = self.direction.schedule(0, self.earliest)
        self.fifo.append((due, None))
        self._arm()
        return True  # keep our write side open until the peer closes

    def connection_lost(self, exc):
        if self is self.conn.client:
            self.conn.client_closed()
        self.conn.lost(self)

    def _arm(self):
        if self.timer is None and self.fifo and self.peer is not None and self.peer.transport is not None:
            self.timer = self.direction.loop.call_at(self.fifo[0][0], self._release)

    def _release(self):
        self.timer = None
        now = self.direction.loop.time()
        out = self.peer.transport
        while self.fifo and self.fifo[0][0] <= now + 0.0002:
            due, piece = self.fifo.popleft()
            if out.is_closing():
                continue
            self.direction.late(now - due)
            if piece is None:
                try:
                    out.write_eof() if out.can_write_eof() else out.close()
                except OSError:  # the other side is gone already
                    out.close()
            else:
                out.write(piece)
                if self is self.conn.server:
                    self.conn.server_released()
        self._arm()


class Conn:
    def __init__(self, relay, up_host, up_port, number):
        self.relay = relay
        self.number = number
        self.opened = relay.loop.time()
        self.closed_at = None       # when the client closed its side
        self.flights = 0            # see the module's docstring: round trips
        self.answered = True        # server bytes released since the last flight
        self.unanswered_tail = 0
        self.log = collections.deque(maxlen=FLIGHT_LOG)  # the last flights: see flight_log in the docstring
        self.client = Half(self, relay.up)      # reads from the client, sends upstream
        self.server = Half(self, relay.down)    # reads from the server, sends to the client
        self.client.peer, self.server.peer = self.server, self.client
        self.up_host, self.up_port = up_host, up_port
        self.closed = 0

    def ms(self):
        return round((self.relay.loop.time() - self.opened) * 1000, 1)

    def client_sent(self, n):
        """Client data arrived: a new flight if the server has spoken since the last one."""
        if self.closed_at is not None:
            return
        if self.answered:
            self.flights += 1
            self.answered = False
            self.log.append([self.flights, self.ms(), 0, None])
        self.log[-1][2] += n

    def server_released(self):
        if self.closed_at is None and not self.answered:
            self.answered = True
            if self.log:
                self.log[-1][3] = self.ms()

    def client_closed(self):
        """The client's side ended: its last flight, if still unanswered, cost it no wait."""
        if self.closed_at is None:
            self.closed_at = self.relay.loop.time()
            self.unanswered_tail = 0 if self.answered or not self.flights else 1

    def stats(self):
        return {"id": self.number, "opened": self.opened, "closed": self.closed_at, "flights": self.flights,
                "unanswered_tail": self.unanswered_tail if self.closed_at is not None else int(not self.answered),
                "round_trips": 1 + self.flights - (self.unanswered_tail if self.closed_at is not None else 0),
                "flight_log": list(self.log)}

    def start(self):
        loop = self.relay.loop
        accepted = loop.time()
        self.client.earliest = accepted + self.relay.rtt
        loop.call_at(accepted + 1.5 * self.relay.rtt, lambda: asyncio.ensure_future(self._connect()))

    async def _connect(self):
        loop = self.relay.loop
        try:
            await loop.create_connection(lambda: self.server, self.up_host, self.up_port)
        except OSError:
            self.client.transport.close()
            return
        self.client._arm()

    def lost(self, half):
        self.closed += 1
        other = half.peer
        if other.transport is not None and not other.transport.is_closing():
            # Close the other side once what is queued for it has been delivered.
            def close_when_drained():
                if half.fifo:
                    self.relay.loop.call_later(0.005, close_when_drained)
                else:
                    other.transport.close()
            due = half.fifo[-1][0] if half.fifo else self.relay.loop.time()
            self.relay.loop.call_at(due + 0.001, close_when_drained)


class Relay:
    def __init__(self, loop, rtt, mbit, queue_ms):
        self.loop = loop
        self.rtt = rtt
        rate = mbit * 1e6 / 8 if mbit else None
        queue = queue_ms / 1000 if queue_ms is not None else rtt + (64 * 1024 / rate if rate else 0)
        self.down = Direction(loop, rate, rtt / 2, queue)
        self.up = Direction(loop, rate, rtt / 2, queue)
        self.connections = 0
        self.conns = collections.deque(maxlen=CONN_HISTORY)

    def accepted(self, up_host, up_port):
        self.connections += 1
        conn = Conn(self, up_host, up_port, self.connections)
        self.conns.append(conn)
        self.loop.call_soon(conn.start)
        return conn.client

    def stats(self):
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {"down_bytes": self.down.bytes, "up_bytes": self.up.bytes, "connections": self.connections,
                "cpu_user": ru.ru_utime, "cpu_sys": ru.ru_stime, "rtt_ms": self.rtt * 1000,
                "mbit": self.down.rate * 8 / 1e6 if self.down.rate else None,
                "queue_ms": self.down.queue * 1000, "late_n": self.down.late_n + self.up.late_n,
                "late_sum": self.down.late_sum + self.up.late_sum, "late_max": max(self.down.late_max, self.up.late_max),
                "now": self.loop.time(), "conns": [c.stats() for c in self.conns]}


async def serve(args):
    if args.nice:
        try:
            os.nice(args.nice)  # the link is not a CPU user: keep it from being starved by the tools
        except OSError:
            pass
    loop = asyncio.get_running_loop()
    relay = Relay(loop, args.rtt_ms / 1000, args.mbit, args.queue_ms)
    servers = []
    for spec in args.map:
        lport, target = spec.split("=", 1)
        host, port = target.rsplit(":", 1)
        servers.append(await loop.create_server(lambda h=host, p=int(port): relay.accepted(h, p),
                                                args.listen, int(lport), reuse_address=True))

    async def control(reader, writer):
        writer.write((json.dumps(relay.stats()) + "\n").encode())
        await writer.drain()
        writer.close()
    servers.append(await asyncio.start_server(control, "127.0.0.1", args.control, reuse_address=True))
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


# ---------------------------------------------------------------- self-test
def control_stats(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        return json.loads(s.makefile().readline())


def testserver(port_holder, stop):
    """A tiny upstream for the self-test: `P` echoes one byte (ping-pong);
    `B n\\n` sends n bytes (bulk down)."""
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    port_holder.append(lsock.getsockname()[1])

    def handle(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = c.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    break
                if line.startswith(b"B "):
                    n = int(line.split()[1])
                    block = b"x" * 65536
                    while n > 0:
                        c.sendall(block[:min(n, len(block))])
                        n -= len(block)
                else:
                    c.sendall(line)
        except OSError:
            pass
        finally:
            c.close()

    lsock.settimeout(0.5)
    while not stop.is_set():
        try:
            c, _ = lsock.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(c,), daemon=True).start()
    lsock.close()


def selftest(relay_port, control_port, pings=10, bulk_seconds=2.0, host="127.0.0.1"):
    """Through a running relay: the time to connect and get the first echo
    (expected 2 RTT: handshake plus the exchange), the median ping-pong round
    trip, and the bulk throughput down, with the relay's CPU for all of it."""
    info = control_stats(control_port)
    cpu0 = info["cpu_user"] + info["cpu_sys"]
    t0 = time.monotonic()
    s = socket.create_connection((host, relay_port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    s.sendall(b"P\n")
    f.readline()
    first = time.monotonic() - t0
    rtts = []
    for _ in range(pings):
        t = time.monotonic()
        s.sendall(b"P\n")
        f.readline()
        rtts.append(time.monotonic() - t)
    rtt = statistics.median(rtts)
    rate = info["mbit"] * 1e6 / 8 if info["mbit"] else 200e6
    n = int(rate * bulk_seconds)
    t = time.monotonic()
    s.sendall(f"B {n}\n".encode())
    got = 0
    first_byte = None
    while got < n:
        chunk = f.read1(1 << 20)
        if not chunk:
            break
        if first_byte is None:
            first_byte = time.monotonic()
        got += len(chunk)
    end = time.monotonic()
    s.close()
    # Throughput from the first byte on: the request's round trip is not bandwidth.
    mbit = got * 8 / (end - first_byte) / 1e6 if first_byte and end > first_byte else float("nan")
    after = control_stats(control_port)
    late_n = after["late_n"] - info["late_n"]
    return {"late_mean_ms": 1000 * (after["late_sum"] - info["late_sum"]) / max(late_n, 1),
            "late_max_ms": 1000 * after["late_max"],"connect_and_first_echo_s": first, "rtt_s": rtt, "rtt_min_s": min(rtts), "bulk_bytes": got,
            "bulk_mbit": mbit, "relay_cpu_s": after["cpu_user"] + after["cpu_sys"] - cpu0,
            "wall_s": end - t0}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve")
    sp.add_argument("--rtt-ms", type=float, required=True)
    sp.add_argument("--mbit", type=float, default=None, help="cap per direction, shared (default: none)")
    sp.add_argument("--queue-ms", type=float, default=None,
                    help="bottleneck queue in ms of the link's rate (default: one RTT + 64 KiB)")
    sp.add_argument("--map", action="append", required=True, help="LPORT=HOST:PORT (repeatable)")
    sp.add_argument("--listen", default="localhost", help="address to listen on (default: localhost, v4 and v6)")
    sp.add_argument("--control", type=int, required=True)
    sp.add_argument("--nice", type=int, default=-10, help="niceness increment (default -10: as root, ahead of the tools)")
    st = sub.add_parser("selftest", help="start a test upstream, a relay on it, measure")
    st.add_argument("--rtt-ms", type=float, required=True)
    st.add_argument("--mbit", type=float, default=None)
    args = ap.parse_args()
    if args.cmd == "serve":
        try:
            asyncio.run(serve(args))
        except KeyboardInterrupt:
            pass
        return
    # Stand-alone self-test: a test upstream and a relay process on it.
    import subprocess
    ports, stop = [], threading.Event()
    threading.Thread(target=testserver, args=(ports, stop), daemon=True).start()
    while not ports:
        time.sleep(0.01)
    lport, cport = free_port(), free_port()
    cmd = [sys.executable, __file__, "serve", "--rtt-ms", str(args.rtt_ms), "--map", f"{lport}=127.0.0.1:{ports[0]}",
           "--control", str(cport)] + (["--mbit", str(args.mbit)] if args.mbit else [])
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    p.stdout.readline()
    try:
        print(json.dumps(selftest(lport, cport)))
    finally:
        p.terminate()
        p.wait()
        stop.set()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
