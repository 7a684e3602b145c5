#!/usr/bin/env python3
"""Benchmark `owl send --raw` against msmtp on a local Postfix submission port.

One `owl send --raw FILE...` run sending N messages over one connection, against
N msmtp invocations (one message each, as msmtp is used from scripts), same
messages, same server, same TLS (STARTTLS + AUTH PLAIN). Medians of --reps.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch import read_env  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--env", required=True)
    ap.add_argument("--owl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--messages", type=int, default=100)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    env = read_env(args.env)
    os.makedirs(args.work, exist_ok=True)
    files = []
    for i in range(args.messages):
        path = os.path.join(args.work, f"m{i:03d}.eml")
        with open(path, "w") as f:
            f.write(f"From: u1@example.org\nTo: u2@example.org\nSubject: bench {i}\n\n" + "line of text\n" * 40)
        files.append(path)
    owl_cfg = os.path.join(args.work, "owl.toml")
    with open(owl_cfg, "w") as f:
        f.write(f"""[accounts.bench]
email = "u1@example.org"
user = "u1"
password = "pw-u1"
ca_file = "{env['CA_FILE']}"
[accounts.bench.smtp]
host = "127.0.0.1"
port = {env['SMTP_PORT']}
tls = "starttls"
""")
    os.chmod(owl_cfg, 0o600)
    msmtp_cfg = os.path.join(args.work, "msmtprc")
    with open(msmtp_cfg, "w") as f:
        f.write(f"""account bench
host 127.0.0.1
port {env['SMTP_PORT']}
tls on
tls_starttls on
tls_trust_file {env['CA_FILE']}
auth plain
user u1
password pw-u1
from u1@example.org
account default : bench
""")
    os.chmod(msmtp_cfg, 0o600)
    home = os.path.join(args.work, "home")
    os.makedirs(home, exist_ok=True)
    run_env = dict(os.environ, HOME=home)

    def owl_once():
        start = time.monotonic()
        subprocess.run([args.owl, "-c", owl_cfg, "send", "--raw", "-t", "--no-save"] + files, env=run_env, check=True)
        return time.monotonic() - start

    def msmtp_once():
        start = time.monotonic()
        for path in files:
            with open(path, "rb") as f:
                subprocess.run(["msmtp", "-C", msmtp_cfg, "-t"], stdin=f, env=run_env, check=True)
        return time.monotonic() - start

    owl_times, msmtp_times = [], []
    for rep in range(args.reps):
        owl_times.append(owl_once())
        msmtp_times.append(msmtp_once())
        print(f"rep {rep + 1}: owl {owl_times[-1]:.2f} s, msmtp {msmtp_times[-1]:.2f} s", file=sys.stderr, flush=True)
    o, m = statistics.median(owl_times), statistics.median(msmtp_times)
    print(f"{args.messages} raw messages: one owl send --raw run {o:.2f} s; {args.messages} msmtp runs {m:.2f} s; "
          f"owl is {m / o:.1f}x faster (medians of {args.reps})")


if __name__ == "__main__":
    main()
