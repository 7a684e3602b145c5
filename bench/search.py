#!/usr/bin/env python3
"""Benchmark `owl search --all` with connections = 4 against connections = 1.

Ten mailboxes of 1,000 messages each (the fetch benchmark's corpus), queries
of three kinds (a header term, a body term, a combination), each timed over
repetitions; medians and the ratio are printed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch import BENCH_PASS, BENCH_USER, nobody_ids, owl_config, read_env, seed_corpus, warm  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--env", required=True)
    ap.add_argument("--owl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    env = read_env(args.env)
    nobody = nobody_ids()
    maildir = os.path.join(env["MAILTEST_DIR"], "mail", BENCH_USER, "Maildir")
    import shutil
    shutil.rmtree(maildir, ignore_errors=True)
    folders, size = seed_corpus(maildir, 10_000, 10, *nobody)
    warm(env, BENCH_USER, BENCH_PASS, folders)
    os.makedirs(args.work, exist_ok=True)
    configs = {}
    for n in (1, 4):
        path = os.path.join(args.work, f"owl{n}.toml")
        owl_config(path, env, BENCH_USER, BENCH_PASS, n)
        configs[n] = path
    queries = ["from:sender7", "body:invoice", "subject:patch body:cron"]
    # One untimed pass so Dovecot's caches are warm for both.
    for q in queries:
        subprocess.run([args.owl, "-c", configs[4], "search", "--all", "--count", q], check=True, stdout=subprocess.DEVNULL)
    results = {}
    for q in queries:
        times = {1: [], 4: []}
        for rep in range(args.reps):
            for n in ((1, 4) if rep % 2 else (4, 1)):
                start = time.monotonic()
                out = subprocess.run([args.owl, "-c", configs[n], "search", "--all", "-n", "50", "--json", q],
                                     check=True, stdout=subprocess.PIPE).stdout
                times[n].append(time.monotonic() - start)
        results[q] = (statistics.median(times[1]), statistics.median(times[4]), out.count(b'"uid"'))
        print(f"{q}: 1 connection {results[q][0] * 1000:.0f} ms, 4 connections {results[q][1] * 1000:.0f} ms",
              file=sys.stderr, flush=True)
    print(f"\n10 mailboxes x 1,000 messages ({size / 1e6:.0f} MB), owl search --all, medians of {args.reps}:")
    for q, (one, four, rows) in results.items():
        print(f"  {q:28} connections=1 {one * 1000:6.0f} ms   connections=4 {four * 1000:6.0f} ms   ratio {one / four:.2f}x")


if __name__ == "__main__":
    main()
