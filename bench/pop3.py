#!/usr/bin/env python3
"""Benchmark `owl fetch` over POP3 against fetchmail and getmail6: 1,000
messages from one local Dovecot over POP3S into a Maildir (fetchmail hands
each message to an MDA that writes a file), each run into a fresh directory,
medians of --reps and the ratios printed."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch import BENCH_PASS, BENCH_USER, getmail_config, measure, nobody_ids, read_env, seed_corpus, warm  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--env", required=True)
    ap.add_argument("--owl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    env = read_env(args.env)
    nobody = nobody_ids()
    maildir = os.path.join(env["MAILTEST_DIR"], "mail", BENCH_USER, "Maildir")
    shutil.rmtree(maildir, ignore_errors=True)
    _, size = seed_corpus(maildir, args.messages, 1, *nobody)
    warm(env, BENCH_USER, BENCH_PASS, ["INBOX"])
    runs = os.path.join(args.work, "runs")
    shutil.rmtree(runs, ignore_errors=True)
    os.makedirs(runs)
    home = os.path.join(args.work, "home")
    os.makedirs(home, exist_ok=True)
    run_env = dict(os.environ, HOME=home)
    owl_cfg = os.path.join(args.work, "owl.toml")
    with open(owl_cfg, "w") as f:
        f.write(f"""[accounts.bench]
user = "{BENCH_USER}"
password = "{BENCH_PASS}"
ca_file = "{env['CA_FILE']}"
[accounts.bench.pop3]
host = "localhost"
port = {env['POP3S_PORT']}
tls = "implicit"
""")
    os.chmod(owl_cfg, 0o600)
    counter = [0]

    def fresh(owner=None):
        counter[0] += 1
        path = os.path.join(runs, f"run{counter[0]}")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub))
        if owner:
            for root, dirs, _ in os.walk(path):
                os.chown(root, *owner)
        return path

    def owl():
        return [args.owl, "-c", owl_cfg, "fetch", "--into", f"maildir:{fresh()}"]

    def fetchmail():
        store = fresh()
        rc = os.path.join(args.work, f"fetchmailrc{counter[0]}")
        with open(rc, "w") as f:
            f.write(f"""set no syslog
poll localhost with proto POP3 port {env['POP3S_PORT']}
  user '{BENCH_USER}' there with password '{BENCH_PASS}' is 'root' here
  ssl sslproto TLS1.2+ sslcertck sslcertfile {env['CA_FILE']}
  keep fetchall
  mda "cat > {store}/new/msg.$$"
""")
        os.chmod(rc, 0o600)
        return ["fetchmail", "-f", rc, "--nodetach", "--silent", "-i", rc + ".ids"]

    def getmail():
        store = fresh(owner=nobody)
        data = os.path.join(runs, f"getmail{counter[0]}")
        os.makedirs(data)
        rc = os.path.join(data, "getmailrc")
        getmail_config(rc, env, store)
        return ["getmail", "--getmaildir", data, "--rcfile", rc, "--quiet"]

    tools = {"owl": owl, "fetchmail": fetchmail, "getmail6": getmail}
    times = {name: [] for name in tools}
    for rep in range(args.reps):
        for name, make in tools.items():
            subprocess.run(["sync"])
            seconds, rss, wire, code, _ = measure(make(), env=dict(run_env, FETCHMAILHOME=args.work), timeout=900)
            if code not in (0, 1):
                sys.exit(f"{name} exited {code}")
            times[name].append(seconds)
            n = sum(len(f) for _, _, f in os.walk(os.path.join(runs, f"run{counter[0]}")))
            print(f"rep {rep + 1} {name}: {seconds:.2f} s ({n} files)", file=sys.stderr, flush=True)
    shutil.rmtree(runs, ignore_errors=True)
    o = statistics.median(times["owl"])
    print(f"\n{args.messages} messages ({size / 1e6:.0f} MB) over POP3S into a Maildir, medians of {args.reps}:")
    for name in tools:
        m = statistics.median(times[name])
        print(f"  {name:10} {m:7.2f} s   {m / o:5.1f}x owl's time")


if __name__ == "__main__":
    main()
