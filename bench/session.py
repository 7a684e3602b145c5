#!/usr/bin/env python3
"""Cold against warm: what a session holder saves per owl run.

Seeds INBOX with 60 small messages, then times, with no holder (cold) and
with one started by `owl session start` (warm):
  - `owl list INBOX -n 10`, median of --reps runs;
  - a loop of 50 `owl fetch INBOX UID --raw` and one of 50
    `owl read INBOX UID --raw --peek` runs, in total.
bench/link.sh --sessions yes runs the same through its emulated links.
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


def start_holder(owl, cfg, environ, persist="10m"):
    """`owl session start`: a holder for cfg's default account, found by later runs through XDG_RUNTIME_DIR."""
    subprocess.run([owl, "-c", cfg, "session", "start", "--persist", persist], check=True,
                   stdout=subprocess.DEVNULL, env=environ)


def stop_holder(owl, cfg, environ, check=True):
    subprocess.run([owl, "-c", cfg, "session", "stop"], check=check, stdout=subprocess.DEVNULL, env=environ)


def loop_commands(owl, cfg, uids):
    """The per-message loops a script runs, by label: one owl call per UID each."""
    return {
        "fetch INBOX UID --raw": [[owl, "-c", cfg, "fetch", "INBOX", str(uid), "--raw"] for uid in uids],
        "read INBOX UID --raw --peek": [[owl, "-c", cfg, "read", "INBOX", str(uid), "--raw", "--peek"] for uid in uids],
    }


def loop_seconds(cmds, environ):
    """Wall time of running cmds one after the other, as a shell loop would."""
    start = time.monotonic()
    for cmd in cmds:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=environ)
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
    stop_holder(args.owl, cfg, environ)
    loops = loop_commands(args.owl, cfg, range(1, args.reads + 1))
    results = {}
    try:
        for mode in ("cold", "warm"):
            if mode == "warm":
                start_holder(args.owl, cfg, environ)
            run(args.owl, cfg, ["list", "INBOX", "-n", "10"], environ)  # untimed: caches; warm: the holder connects
            lists = [run(args.owl, cfg, ["list", "INBOX", "-n", "10"], environ) for _ in range(args.reps)]
            results[mode] = (statistics.median(lists), {label: loop_seconds(cmds, environ) for label, cmds in loops.items()})
            print(f"{mode}: list {results[mode][0] * 1000:.1f} ms, " + ", ".join(
                f"{args.reads} x {label} {s:.2f} s" for label, s in results[mode][1].items()), file=sys.stderr, flush=True)
    finally:
        stop_holder(args.owl, cfg, environ, check=False)
    (cold_list, cold_loops), (warm_list, warm_loops) = results["cold"], results["warm"]
    where = f"port {args.port} (relay)" if args.port else "loopback"
    print(f"\nowl session holder, {where}, medians of {args.reps}:")
    print(f"  owl list INBOX -n 10                cold {cold_list * 1000:7.1f} ms   warm {warm_list * 1000:7.1f} ms   "
          f"{cold_list / warm_list:.1f}x")
    for label in loops:
        print(f"  {args.reads} x owl {label:27} cold {cold_loops[label]:7.2f} s    warm {warm_loops[label]:7.2f} s    "
              f"{cold_loops[label] / warm_loops[label]:.1f}x")
    if args.rtt_ms:
        bound = 1.5 * args.rtt_ms + 20
        verdict = "within" if warm_list * 1000 <= bound else "OVER"
        print(f"  warm list = {warm_list * 1000 / args.rtt_ms:.2f} round trips of {args.rtt_ms:g} ms; "
              f"bound 1.5 RTT + 20 ms = {bound:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
