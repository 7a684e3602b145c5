#!/usr/bin/env python3
"""Benchmark `owl fetch` against mbsync (isync), getmail6 and fetchmail.

Everything runs against one local Dovecot (started by bench/fetch.sh) on the
same deterministic corpus, in one run, each measurement repeated; the medians
and the ratios to mbsync are printed. Measured: cold backup (empty store),
no-change re-run, peak RSS, bytes on the wire (loopback traffic, both
directions, from /sys/class/net/lo), and the peak RSS of fetching one 200 MB
message. Wall time and max RSS come from wait4(2) on the tool's process.
With --compare-owl, a second owl binary (e.g. the one at the start of the
work) runs beside --owl in the same interleaved run, for a before/after pair.
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The shared helpers live in common.py; re-exported for `from fetch import ...`.
from common import (Stores, fresh, log, lo_bytes, measure, mbsync_config, median, message,  # noqa: E402,F401
                    nobody_ids, owl_config, read_env, seed_corpus, seed_huge, unmount, warm)

BENCH_USER, BENCH_PASS = "u1", "pw-u1"
HUGE_USER, HUGE_PASS = "u2", "pw-u2"


def getmail_config(path, env, store, folders=None):
    """getmail6 over IMAPS (the `folders`), or over POP3S without them."""
    if folders is None:
        retriever = f"type = SimplePOP3SSLRetriever\nport = {env['POP3S_PORT']}"
    else:
        retriever = (f"type = SimpleIMAPSSLRetriever\nport = {env['IMAPS_PORT']}\n"
                     f"mailboxes = ({', '.join(repr(f) for f in folders)},)")
    with open(path, "w") as f:
        f.write(f"""[retriever]
{retriever}
server = localhost
username = {BENCH_USER}
password = {BENCH_PASS}
ca_certs = {env['CA_FILE']}

[destination]
type = Maildir
path = {store}/
user = nobody

[options]
read_all = true
delete = false
verbose = 0
""")


def fetchmail_config(path, env, store, folders):
    with open(path, "w") as f:
        f.write(f"""set no syslog
poll localhost with proto IMAP port {env['IMAPS_PORT']}
  user '{BENCH_USER}' there with password '{BENCH_PASS}' is 'root' here
  ssl sslproto TLS1.2+ sslcertck sslcertfile {env['CA_FILE']}
  folder {",".join(folders)}
  keep fetchall
  mda "cat > {store}/msg.$$"
""")
    os.chmod(path, 0o600)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", required=True, help="the servers' env file")
    ap.add_argument("--owl", required=True)
    ap.add_argument("--compare-owl", help="a second owl binary (e.g. the one from the start of the work), run in "
                    "the same interleaved run as --owl, with ratios --owl / it")
    ap.add_argument("--compare-label", default="base", help="what the tables call --compare-owl (default: base)")
    ap.add_argument("--work", required=True, help="scratch directory for the stores (same disk as a real backup)")
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--mailboxes", type=int, default=10)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--huge-mb", type=int, default=200)
    ap.add_argument("--slow-tools", choices=["yes", "no"], default="yes",
                    help="also run getmail6 and fetchmail (minutes on the full corpus)")
    ap.add_argument("--slow-timeout", type=int, default=900)
    ap.add_argument("--fresh-fs", choices=["yes", "no"], default="yes",
                    help="give every run a fresh loop-mounted ext4 file system (needs root)")
    args = ap.parse_args()

    env = read_env(args.env)
    mail_root = os.path.join(env["MAILTEST_DIR"], "mail")
    nobody = nobody_ids()
    os.makedirs(args.work, exist_ok=True)

    log(f"seeding {args.messages} messages into {args.mailboxes} mailboxes ...")
    maildir = os.path.join(mail_root, BENCH_USER, "Maildir")
    shutil.rmtree(maildir, ignore_errors=True)
    folders, corpus_bytes = seed_corpus(maildir, args.messages, args.mailboxes, *nobody)
    huge_dir = os.path.join(mail_root, HUGE_USER, "Maildir", ".Huge")
    shutil.rmtree(os.path.join(mail_root, HUGE_USER, "Maildir"), ignore_errors=True)
    seed_huge(huge_dir, *nobody, args.huge_mb * 1024 * 1024)
    warm(env, BENCH_USER, BENCH_PASS, folders)
    warm(env, HUGE_USER, HUGE_PASS, ["Huge"])
    log(f"corpus: {args.messages} messages, {corpus_bytes / 1e6:.0f} MB (LF) in {len(folders)} mailboxes")

    cfg = os.path.join(args.work, "cfg")
    os.makedirs(cfg, exist_ok=True)
    owl4_cfg, owl1_cfg = os.path.join(cfg, "owl4.toml"), os.path.join(cfg, "owl1.toml")
    owl_config(owl4_cfg, env, BENCH_USER, BENCH_PASS, 4)
    owl_config(owl1_cfg, env, BENCH_USER, BENCH_PASS, 1)
    runs = os.path.join(args.work, "runs")
    shutil.rmtree(runs, ignore_errors=True)
    os.makedirs(runs)
    home = os.path.join(args.work, "home")
    os.makedirs(home, exist_ok=True)
    tool_env = dict(os.environ, HOME=home)

    # Every run writes into a store of its own. Without --fresh-fs nothing
    # is deleted until the end: right after 10,000 files are deleted, ext4
    # without a journal spends seconds of CPU skipping the freed inodes when
    # it allocates new ones (find_inode_bit/recently_deleted), which would
    # tax whichever tool runs next, and most the one that creates files
    # fastest.
    stores = Stores(runs, args.fresh_fs == "yes")
    def owl(config, store, binary=args.owl):
        return [binary, "-c", config, "fetch", "--into", f"maildir:{store}", "--json"]

    def mbsync(store):
        rc = store + ".mbsyncrc"
        mbsync_config(rc, env, store, BENCH_USER, BENCH_PASS)
        return ["mbsync", "-c", rc, "-q", "-a"]

    tools = {
        "owl (4 connections)": lambda store: owl(owl4_cfg, store),
        "owl (1 connection)": lambda store: owl(owl1_cfg, store),
        "mbsync": mbsync,
    }
    other = args.compare_label
    if args.compare_owl:
        tools[f"{other} owl (4 connections)"] = lambda store: owl(owl4_cfg, store, args.compare_owl)
        tools[f"{other} owl (1 connection)"] = lambda store: owl(owl1_cfg, store, args.compare_owl)
    results = {name: {"cold": [], "rss": [], "wire": [], "nochange": [], "nochange_wire": []} for name in tools}
    owl_wire = []
    # One untimed run so server caches are equally warm for everybody.
    with stores.new("warmup") as store:
        measure(owl(owl4_cfg, store), env=tool_env)
    run_no = 0
    for rep in range(args.reps):
        order = list(tools)
        order = order[rep % len(order):] + order[:rep % len(order)]
        for name in order:
            run_no += 1
            with stores.new(f"run{run_no}") as store:
                cmd = tools[name](store)
                subprocess.run(["sync"])
                seconds, rss, wire, code, out = measure(cmd, env=tool_env)
                if code != 0:
                    sys.exit(f"{name} failed with exit code {code}")
                results[name]["cold"].append(seconds)
                results[name]["rss"].append(rss)
                results[name]["wire"].append(wire)
                if "owl" in name and rep == 0:
                    import json
                    owl_wire.append((name, json.loads(out)["wire"]))
                # No-change re-runs on the store just written.
                for _ in range(3):
                    s, _, w, code, _ = measure(cmd, env=tool_env)
                    results[name]["nochange"].append(s)
                    results[name]["nochange_wire"].append(w)
                n = sum(len(files) for _, _, files in os.walk(store))
            log(f"rep {rep + 1} {name}: cold {seconds:.2f} s, rss {rss:.1f} MiB, "
                f"no-change {median(results[name]['nochange'][-3:]) * 1000:.0f} ms ({n} files)")

    slow = {}
    if args.slow_tools == "yes":
        for name, make in (("getmail6", "getmail"), ("fetchmail", "fetchmail")):
            times = []
            for rep in range(args.reps):
                run_no += 1
                with stores.new(f"run{run_no}", owner=nobody if name == "getmail6" else None) as store:
                    if name == "getmail6":
                        rc = os.path.join(cfg, "getmailrc")
                        getmail_config(rc, env, store, folders)
                        shutil.rmtree(os.path.join(cfg, "getmail-data"), ignore_errors=True)
                        os.makedirs(os.path.join(cfg, "getmail-data"))
                        cmd = ["getmail", "--getmaildir", os.path.join(cfg, "getmail-data"), "--rcfile", rc, "--quiet"]
                    else:
                        rc = os.path.join(cfg, "fetchmailrc")
                        fetchmail_config(rc, env, store, folders)
                        cmd = ["fetchmail", "-f", rc, "--nodetach", "--silent", "-i", os.path.join(cfg, "fetchids")]
                        shutil.rmtree(os.path.join(cfg, "fetchids"), ignore_errors=True)
                    r = measure(cmd, env=dict(tool_env, FETCHMAILHOME=cfg), timeout=args.slow_timeout)
                if r is None:
                    log(f"{name}: did not finish within {args.slow_timeout} s")
                    times.append(None)
                    break
                seconds, rss, wire, code, _ = r
                if code not in (0, 1):
                    log(f"{name} exited {code}")
                times.append((seconds, rss, wire))
                log(f"rep {rep + 1} {name}: cold {seconds:.2f} s, rss {rss:.1f} MiB")
            slow[name] = times

    # The 200 MB message.
    owl_huge = os.path.join(cfg, "owl-huge.toml")
    owl_config(owl_huge, env, HUGE_USER, HUGE_PASS, 4)

    def huge_command(name, store):
        if "owl" in name:
            binary = args.compare_owl if name != "owl" else args.owl
            return [binary, "-c", owl_huge, "fetch", "Huge", "--into", f"maildir:{store}", "--json"]
        rc = store + ".mbsyncrc"
        mbsync_config(rc, env, store, HUGE_USER, HUGE_PASS, patterns="Huge")
        return ["mbsync", "-c", rc, "-q", "-a"]

    huge_rss = {}
    for name in ("owl", "mbsync") + ((f"{other} owl",) if args.compare_owl else ()):
        rss, seconds = [], []
        for _ in range(args.reps):
            run_no += 1
            with stores.new(f"run{run_no}") as store:
                s, r, _, code, _ = measure(huge_command(name, store), env=tool_env)
            if code != 0:
                sys.exit(f"{name} failed on the huge message ({code})")
            rss.append(r)
            seconds.append(s)
        huge_rss[name] = (median(rss), median(seconds))
    shutil.rmtree(runs, ignore_errors=True)

    # ------------------------------------------------------------ report
    print(f"\ncorpus: {args.messages} messages, {corpus_bytes / 1e6:.0f} MB in {len(folders)} mailboxes; "
          f"medians of {args.reps}; stores on {'a fresh ext4 per run, ' if args.fresh_fs == 'yes' else ''}{args.work}\n")
    w = max(22, *(len(n) for n in results))
    print(f"{'tool':{w}} {'cold backup':>12} {'no-change':>10} {'peak RSS':>9} {'wire MB':>8} {'no-change wire':>15}")
    for name, r in results.items():
        print(f"{name:{w}} {median(r['cold']):10.2f} s {median(r['nochange']) * 1000:7.0f} ms "
              f"{median(r['rss']):6.1f} MiB {median(r['wire']) / 1e6:8.1f} {median(r['nochange_wire']) / 1e3:12.1f} kB")
    for name, times in slow.items():
        done = [t for t in times if t]
        if not done or None in times:
            print(f"{name:{w}} {'> ' + str(args.slow_timeout) + ' s':>12}")
            continue
        print(f"{name:{w}} {median([t[0] for t in done]):10.2f} s {'':>10} {median([t[1] for t in done]):6.1f} MiB "
              f"{median([t[2] for t in done]) / 1e6:8.1f}")
    m = results["mbsync"]
    print("\nratios (mbsync time / owl time; above 1 means owl is faster):")
    for name in ("owl (4 connections)", "owl (1 connection)"):
        r = results[name]
        print(f"  {name:20} cold {median(m['cold']) / median(r['cold']):.2f}x   "
              f"no-change {median(m['nochange']) / median(r['nochange']):.2f}x")
    for name, times in slow.items():
        done = [t for t in times if t]
        if done and None not in times:
            print(f"  owl (4) vs {name:9} cold {median([t[0] for t in done]) / median(results['owl (4 connections)']['cold']):.2f}x")
    for name, wire in owl_wire:
        print(f"  {name}: owl's own count: {wire['received'] / 1e6:.1f} MB received for "
              f"{wire['protocol_received'] / 1e6:.1f} MB of IMAP (ratio {wire['ratio']}, compressed: {wire['compressed']})")
    if args.compare_owl:
        print(f"\nbefore/after, one run (this owl / {other} owl; below 1: this owl is faster or smaller):")
        for conns in ("4 connections", "1 connection"):
            a, b = results[f"owl ({conns})"], results[f"{other} owl ({conns})"]
            print(f"  owl ({conns}):{'':{15 - len(conns)}} cold {median(a['cold']) / median(b['cold']):.2f}   "
                  f"no-change {median(a['nochange']) / median(b['nochange']):.2f}   "
                  f"peak RSS {median(a['rss']) / median(b['rss']):.2f}   wire {median(a['wire']) / median(b['wire']):.2f}")
        print(f"  {other} owl is {args.compare_owl}; this owl is {args.owl}")
    print(f"\none {args.huge_mb} MB message: " + ", ".join(
        f"{name} peak RSS {rss:.1f} MiB ({secs:.1f} s)" for name, (rss, secs) in huge_rss.items()))


if __name__ == "__main__":
    main()
