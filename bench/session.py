#!/usr/bin/env python3
"""Cold against warm: what a session holder saves per owl run.

Seeds INBOX with 60 small messages, then times, with no holder (cold) and
with one started by `owl session start` (warm):
  - `owl list INBOX -n 10`, median of --reps runs;
  - a loop of 50 `owl read INBOX UID --raw` runs, in total.
`--port` points owl at another port (a relay emulating a slow link in front
of the IMAPS port); with `--rtt-ms` the warm list is also given in round
trips, against the issue's bound of 1.5 round trips plus 20 ms.
"""
import argparse
import imaplib
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch import BENCH_PASS, BENCH_USER, read_env  # noqa: E402


def seed(env, n):
    ctx = ssl.create_default_context(cafile=env["CA_FILE"])
    imap = imaplib.IMAP4_SSL("localhost", int(env["IMAPS_PORT"]), ssl_context=ctx)
    imap.login(BENCH_USER, BENCH_PASS)
    for i in range(1, n + 1):
        msg = (f"From: sender{i}@example.org\r\nTo: {BENCH_USER}@example.org\r\nSubject: message {i}\r\n"
               f"Message-ID: <bench-session-{i}@example.org>\r\nDate: Tue, 1 Dec 2026 10:{i % 60:02d}:00 +0000\r\n\r\n"
               + f"line of body {i}\r\n" * 40)
        imap.append("INBOX", None, None, msg.encode())
    imap.logout()


def config(path, env, port):
    with open(path, "w") as f:
        f.write(f"""[accounts.bench]
default = true
user = "{BENCH_USER}"
password = "{BENCH_PASS}"
ca_file = "{env['CA_FILE']}"
[accounts.bench.imap]
host = "localhost"
port = {port}
tls = "implicit"
""")
    os.chmod(path, 0o600)


def run(owl, cfg, args, environ):
    start = time.monotonic()
    subprocess.run([owl, "-c", cfg, *args], check=True, stdout=subprocess.DEVNULL, env=environ)
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--env", required=True)
    ap.add_argument("--owl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--port", type=int, help="connect here instead of the IMAPS port (a link-emulating relay)")
    ap.add_argument("--rtt-ms", type=float, help="the emulated round trip, to express the warm list in round trips")
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--reads", type=int, default=50)
    args = ap.parse_args()
    env = read_env(args.env)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    runtime = os.path.join(args.work, "run")
    os.makedirs(runtime, mode=0o700)
    environ = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    # A fresh INBOX, so the UIDs are 1..n.
    shutil.rmtree(os.path.join(env["MAILTEST_DIR"], "mail", BENCH_USER, "Maildir"), ignore_errors=True)
    seed(env, max(60, args.reads))
    cfg = os.path.join(args.work, "owl.toml")
    config(cfg, env, args.port or int(env["IMAPS_PORT"]))
    stop = [args.owl, "-c", cfg, "session", "stop"]
    subprocess.run(stop, check=True, stdout=subprocess.DEVNULL, env=environ)
    results = {}
    try:
        for mode in ("cold", "warm"):
            if mode == "warm":
                subprocess.run([args.owl, "-c", cfg, "session", "start", "--persist", "10m"], check=True,
                               stdout=subprocess.DEVNULL, env=environ)
            run(args.owl, cfg, ["list", "INBOX", "-n", "10"], environ)  # untimed: caches, page cache
            lists = [run(args.owl, cfg, ["list", "INBOX", "-n", "10"], environ) for _ in range(args.reps)]
            start = time.monotonic()
            for uid in range(1, args.reads + 1):
                run(args.owl, cfg, ["read", "INBOX", str(uid), "--raw", "--peek"], environ)
            loop = time.monotonic() - start
            results[mode] = (statistics.median(lists), loop)
            print(f"{mode}: list {results[mode][0] * 1000:.1f} ms, {args.reads} reads {loop:.2f} s",
                  file=sys.stderr, flush=True)
    finally:
        subprocess.run(stop, stdout=subprocess.DEVNULL, env=environ)
    (cold_list, cold_loop), (warm_list, warm_loop) = results["cold"], results["warm"]
    where = f"port {args.port} (relay)" if args.port else "loopback"
    print(f"\nowl session holder, {where}, medians of {args.reps}:")
    print(f"  owl list INBOX -n 10      cold {cold_list * 1000:7.1f} ms   warm {warm_list * 1000:7.1f} ms   "
          f"{cold_list / warm_list:.1f}x")
    print(f"  {args.reads} x owl read --raw     cold {cold_loop:7.2f} s    warm {warm_loop:7.2f} s    "
          f"{cold_loop / warm_loop:.1f}x")
    if args.rtt_ms:
        bound = 1.5 * args.rtt_ms + 20
        verdict = "within" if warm_list * 1000 <= bound else "OVER"
        print(f"  warm list = {warm_list * 1000 / args.rtt_ms:.2f} round trips of {args.rtt_ms:g} ms; "
              f"bound 1.5 RTT + 20 ms = {bound:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
