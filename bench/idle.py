#!/usr/bin/env python3
"""Latency of `owl idle --json`: from an APPEND's completion on the server to
the event's JSON line on owl's stdout. Messages are appended one at a time,
spaced out, from a separate IMAP connection; the median and spread are
printed."""
import argparse
import imaplib
import json
import os
import ssl
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch import read_env  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--env", required=True)
    ap.add_argument("--owl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--messages", type=int, default=30)
    args = ap.parse_args()
    env = read_env(args.env)
    os.makedirs(args.work, exist_ok=True)
    cfg = os.path.join(args.work, "owl.toml")
    with open(cfg, "w") as f:
        f.write(f"""[accounts.bench]
user = "u1"
password = "pw-u1"
ca_file = "{env['CA_FILE']}"
[accounts.bench.imap]
host = "localhost"
port = {env['IMAPS_PORT']}
tls = "implicit"
""")
    os.chmod(cfg, 0o600)
    owl = subprocess.Popen([args.owl, "-c", cfg, "-v", "idle", "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=dict(os.environ, HOME=args.work))
    ready = threading.Event()
    threading.Thread(target=lambda: [ready.set() for line in owl.stderr if b"watching" in line], daemon=True).start()
    arrived = {}
    def read_events():
        for line in owl.stdout:
            event = json.loads(line)
            arrived[event["subject"]] = time.monotonic()
    threading.Thread(target=read_events, daemon=True).start()
    if not ready.wait(30):
        sys.exit("owl idle never started watching")
    imap = imaplib.IMAP4_SSL("localhost", int(env["IMAPS_PORT"]), ssl_context=ssl.create_default_context(cafile=env["CA_FILE"]))
    imap.login("u1", "pw-u1")
    appended = {}
    for i in range(args.messages):
        subject = f"latency {i}"
        msg = f"From: bench@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
        imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), msg)
        appended[subject] = time.monotonic()
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while len(arrived) < args.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    imap.logout()
    owl.terminate()
    owl.wait()
    lat = sorted((arrived[s] - appended[s]) * 1000 for s in appended if s in arrived)
    print(f"{len(lat)}/{args.messages} events; APPEND done -> JSON line: median {statistics.median(lat):.1f} ms, "
          f"min {lat[0]:.1f} ms, max {lat[-1]:.1f} ms")


if __name__ == "__main__":
    main()
