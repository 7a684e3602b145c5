#!/usr/bin/env python3
"""owl against mbsync over emulated access links (bench/link.sh starts the servers).

Profiles (--profiles): `loopback` (straight to Dovecot), `100mbit-20ms` and
`20mbit-80ms` (through bench/linkrelay.py: RTT/2 each way, the bandwidth
cap shared by all connections; the relay's own CPU is measured and printed
apart). On each profile, in one interleaved run (a fresh seeded order per rep):

- cold backup (fresh ext4 store, fresh HOME) and the no-change re-run right
  after it, of the datasets (--datasets): `small` (10 mailboxes of 300 small
  text messages, user u1) and `mixed` (the first 2,000 messages of
  bench/fetch.py's W1 corpus, 10 mailboxes, user u2), with owl's default
  config (no `compress` key), `compress = "auto"` (skipped with a note if
  this owl refuses it), `true` and `false`, and mbsync with its default and
  with `DisableExtension COMPRESS=DEFLATE`;
- one cold `owl list INBOX -n 10` and one cold `owl fetch INBOX UID --raw`
  (`owl read --raw` where the build has it), fresh HOME each, in round trips
  of the profile three ways: wall / RTT, (wall - the same on loopback) / RTT,
  and the relay's count of client flights (linkrelay.py), beside the
  client's own time between flights; the list also with the test CA given as
  the system roots (SSL_CERT_FILE, no ca_file), and once more (same HOME);
- on loopback: W1 (10,000 messages, 303 MB, user u3) cold with the default
  config against the Dovecot stream (bench/imapdrain.py: the same Dovecot,
  owl's default number of connections, no client work; issue 13's baseline)
  and the TLS-only limit (the same bytes over one connection, Python both
  ends, no Dovecot); with --himalaya, `owl list INBOX -n 50` against
  `himalaya envelope list -s 50`, A B A B;
- with --sessions yes (or only): per profile, cold (no holder) against warm
  (`owl session start`, one warm-up call first) `owl list INBOX -n 10` and
  loops of 50 `owl fetch INBOX UID --raw` and `owl read INBOX UID --raw
  --peek`, one HOME and config throughout, beside mbsync's no-change sync of
  INBOX (a peer's cost per invocation).

Every run is one JSON line in --out; the tables print medians of --reps.
The machine has 2 cores, shared: figures are noisy; run on a quiet machine
for the README.
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Stores, fresh as fresh_dir, log, median, mbsync_config, nobody_ids, owl_config, read_env, seed_corpus, warm  # noqa: E402,E501
import linkrelay  # noqa: E402
import session  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = {  # name: (RTT in ms, Mbit/s per direction or None)
    "loopback": (0, None),
    "100mbit-20ms": (20, 100),
    "20mbit-80ms": (80, 20),
}
DATASETS = {  # name: (user, messages, mailboxes, small_only)
    "small": ("u1", 3000, 10, True),
    "mixed": ("u2", 2000, 10, False),
}
W1 = ("u3", 10_000, 10, False)
# owl's `connections` default (DEFAULT_CONNECTIONS in src/config/account.rs): the Dovecot stream uses as many.
OWL_DEFAULT_CONNECTIONS = 4
OWL_MODES = {"owl default": None, "owl auto": "auto", "owl on": True, "owl off": False}
MBSYNC_MODES = {"mbsync default": "", "mbsync no-compress": "DisableExtension COMPRESS=DEFLATE"}


def last_line(text):
    """The last line of an error, config paths shortened (they name the profile)."""
    lines = text.strip().splitlines()
    return re.sub(r"\S*/(owl-[^/\s]+\.toml)", "CONFIG", lines[-1]) if lines else ""


def password(user):
    return "pw-" + user


def timed(cmd, env=None, cwd=None, timeout=1800):
    """Runs cmd under GNU time: (wall s, tool CPU s, max RSS MiB, exit code, stdout, stderr tail)."""
    info = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"owl-link-time.{os.getpid()}")
    start = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", info] + cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, cwd=cwd, timeout=timeout)
    wall = time.monotonic() - start
    try:
        with open(info) as f:
            u, s, m = f.read().split()[-3:]
        cpu, rss = float(u) + float(s), int(m) / 1024
    except (OSError, ValueError):
        cpu, rss = float("nan"), float("nan")
    return wall, cpu, rss, done.returncode, done.stdout, done.stderr.decode(errors="replace")[-1500:]


class Link:
    """The relay process of one profile (None for loopback) and its counters."""

    def __init__(self, profile, upstream_port, test_port):
        self.name = profile
        self.rtt_ms, self.mbit = PROFILES[profile]
        self.proc = None
        if self.rtt_ms == 0 and self.mbit is None:
            self.port = upstream_port
            return
        self.port, self.test_port, self.control = linkrelay.free_port(), linkrelay.free_port(), linkrelay.free_port()
        cmd = [sys.executable, os.path.join(HERE, "linkrelay.py"), "serve", "--rtt-ms", str(self.rtt_ms),
               "--map", f"{self.port}=127.0.0.1:{upstream_port}", "--map", f"{self.test_port}=127.0.0.1:{test_port}",
               "--control", str(self.control)]
        if self.mbit:
            cmd += ["--mbit", str(self.mbit)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        if self.proc.stdout.readline().strip() != b"ready":
            sys.exit(f"the link relay for {profile} did not start")

    def stats(self):
        if not self.proc:
            return {"down_bytes": 0, "up_bytes": 0, "cpu_user": 0.0, "cpu_sys": 0.0, "connections": 0, "late_n": 0,
                    "late_sum": 0.0, "conns": []}
        return linkrelay.control_stats(self.control)

    def close(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()


def relay_round_trips(before, after):
    """Round trips the relay counted between two of its snapshots, one entry
    per connection that carried a flight (linkrelay.py's docstring has the
    rule): a connection opened in between counts its TCP handshake, flights
    and no unanswered last flight; one already open (a session holder's)
    only the flights it carried in between, less a last one left unanswered."""
    old = {c["id"]: c for c in before.get("conns", [])}
    trips = []
    for c in after.get("conns", []):
        if c["id"] > before["connections"]:
            trips.append(1 + c["flights"] - c["unanswered_tail"])
        else:
            delta = c["flights"] - old.get(c["id"], {"flights": c["flights"]})["flights"]
            if delta > 0:
                trips.append(delta - c["unanswered_tail"])
    return trips


def relay_flights(before, after, most=8):
    """The flights of linkrelay.py's flight_log between two snapshots, per
    connection that carried any (a holder's connection: only the new ones)."""
    old = {c["id"]: c["flights"] for c in before.get("conns", [])}
    out = []
    for c in after.get("conns", []):
        seen = old.get(c["id"], 0) if c["id"] <= before["connections"] else 0
        flights = [f for f in c.get("flight_log", []) if f[0] > seen]
        if flights:
            out.append({"id": c["id"], "new": c["id"] > before["connections"], "flights": flights})
    return out[:most]


def relay_client_ms(before, after):
    """The client's own time on the connections opened between two snapshots,
    as the relay saw it: from the accept to the first flight, and from each
    answer released to the client to its next flight (linkrelay.py's
    flight_log). Time the link did not cost: CPU, files, the client waiting
    on itself. Left out: connections already open (a holder's), whose gaps
    hold the time between borrowers and overlap across connections."""
    total = 0.0
    for conn in relay_flights(before, after, most=None):
        log_ = conn["flights"]  # [number, ms, bytes, answered ms]
        if not conn["new"]:
            continue
        if log_[0][0] == 1:
            total += log_[0][1]
        total += sum(nxt[1] - prev[3] for prev, nxt in zip(log_, log_[1:]) if prev[3] is not None)
    return total


class Bench:
    def __init__(self, args, env):
        self.args = args
        self.env = env
        self.out = open(args.out, "a")
        self.work = args.work
        self.cfg = os.path.join(self.work, "cfg")
        os.makedirs(self.cfg, exist_ok=True)
        self.runs = os.path.join(self.work, "runs")
        shutil.rmtree(self.runs, ignore_errors=True)
        os.makedirs(self.runs)
        self.stores = Stores(self.runs, args.fresh_fs == "yes")
        self.run_no = 0
        self.records = []
        self.notes = []

    # ------------------------------------------------------------ one run
    def home(self):
        """A fresh HOME (and XDG dirs in it): no cache or session of an earlier run."""
        self.run_no += 1
        home = os.path.join(self.runs, f"home{self.run_no}")
        shutil.rmtree(home, ignore_errors=True)
        os.makedirs(home)
        return home

    def tool_env(self, home, extra=None):
        env = dict(os.environ, HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"),
                   XDG_STATE_HOME=os.path.join(home, ".local/state"), XDG_CONFIG_HOME=os.path.join(home, ".config"))
        env.pop("SSL_CERT_FILE", None)
        env.pop("SSL_CERT_DIR", None)
        env.update(extra or {})
        return env

    def run(self, link, record, cmd, env, parse=None):
        """Times one command and records it; parse(stdout, record) adds what the tool printed."""
        before = link.stats()
        wall, cpu, rss, code, out, err = timed(cmd, env=env)
        after = link.stats()
        record.update(profile=link.name, rtt_ms=link.rtt_ms, mbit=link.mbit, seconds=wall, tool_cpu=cpu, rss_mib=rss,
                      exit=code, relay_cpu=(after["cpu_user"] + after["cpu_sys"]) - (before["cpu_user"] + before["cpu_sys"]),
                      relay_down=after["down_bytes"] - before["down_bytes"],
                      relay_up=after["up_bytes"] - before["up_bytes"],
                      relay_connections=after["connections"] - before["connections"], stdout_bytes=len(out),
                      relay_late_ms=1000 * (after["late_sum"] - before["late_sum"]) / max(after["late_n"] - before["late_n"], 1),
                      relay_trips=relay_round_trips(before, after), relay_client_ms=relay_client_ms(before, after),
                      relay_flights=relay_flights(before, after))
        if code != 0:
            record["error"] = err
            log(f"{record.get('tool')} {record.get('kind')} exited {code}: {err}")
        elif record["tool"].startswith("owl") and "--json" in cmd and record["kind"] in ("cold", "nochange"):
            try:
                summary = json.loads(out)
                record["owl_wire"] = summary["wire"]
                record["stored_bytes"] = summary["total"]["bytes"]
                record["stored_messages"] = summary["total"]["new"]
            except (ValueError, KeyError) as e:
                log(f"owl --json output not understood ({e})")
        elif parse:
            parse(out, record)
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()
        self.records.append(record)
        return record

    # ------------------------------------------------------------ configs
    def owl_cfg(self, link, user, mode_value, ca_file=True, name=None):
        path = os.path.join(self.cfg, name or f"owl-{link.name}-{user}-{mode_value}-{ca_file}.toml")
        owl_config(path, self.env, user, password(user), None, compress=mode_value, port=link.port, ca_file=ca_file)
        return path

    def owl_backup(self, link, user, mode_value, store):
        return [self.args.owl, "-c", self.owl_cfg(link, user, mode_value), "fetch", "--into", f"maildir:{store}",
                "--json"]

    def mbsync_backup(self, link, user, extra, store):
        rc = store + ".mbsyncrc"
        mbsync_config(rc, self.env, store, user, password(user), port=link.port, account_extra=extra)
        return ["mbsync", "-c", rc, "-q", "-a"]

    def probe_owl(self, link):
        """Which owl modes this build takes, and whether it trusts SSL_CERT_FILE without ca_file."""
        user = DATASETS[self.args.datasets[0]][0] if self.args.datasets else "u1"
        modes = {}
        for name, value in OWL_MODES.items():
            if name not in self.args.tools:
                continue
            home = self.home()
            wall, _, _, code, _, err = timed([self.args.owl, "-c", self.owl_cfg(link, user, value), "list", "INBOX",
                                              "-n", "1"], env=self.tool_env(home))
            if code == 0:
                modes[name] = value
            else:
                note = f"{name} left out: this owl refuses it (exit {code}): {last_line(err)}"
                if note not in self.notes:
                    self.notes.append(note)
                log(note)
        home = self.home()
        _, _, _, code, _, err = timed([self.args.owl, "-c", self.owl_cfg(link, user, None, ca_file=False), "list",
                                       "INBOX", "-n", "1"], env=self.tool_env(home, {"SSL_CERT_FILE": self.env["CA_FILE"]}))
        system_roots = code == 0
        if not system_roots:
            note = ("system-roots variant left out: without ca_file this owl does not trust the test CA given as "
                    f"SSL_CERT_FILE (exit {code}: {last_line(err)})")
            if note not in self.notes:
                self.notes.append(note)
            log(note)
        # `owl read` marks the message seen unless --peek: the bench must not change the mailbox.
        done = subprocess.run([self.args.owl, "read", "--help"], capture_output=True, text=True)
        have_read = done.returncode == 0 and "--raw" in done.stdout
        if have_read and "--peek" in done.stdout:
            have_read = ["--peek"]
        elif have_read:
            have_read = []
            self.notes.append("owl read has no --peek: read --raw marks one INBOX message seen")
        else:
            have_read = None
        return modes, system_roots, have_read

    # ------------------------------------------------------------ the profile
    def profile(self, name, test_port):
        args = self.args
        link = Link(name, int(self.env["IMAPS_PORT"]), test_port)
        try:
            if link.proc:
                st = linkrelay.selftest(link.test_port, link.control, bulk_seconds=args.selftest_seconds)
                st.update(kind="selftest", profile=name, rtt_ms=link.rtt_ms, mbit=link.mbit)
                self.out.write(json.dumps(st) + "\n")
                self.records.append(st)
                log(f"[{name}] relay self-test: connect + first echo {st['connect_and_first_echo_s'] * 1000:.1f} ms "
                    f"(model: {2 * link.rtt_ms} ms), round trip {st['rtt_s'] * 1000:.1f} ms median, "
                    f"{st['rtt_min_s'] * 1000:.1f} min (set: {link.rtt_ms}), bulk {st['bulk_mbit']:.1f} Mbit/s "
                    f"(set: {link.mbit}), relay CPU {st['relay_cpu_s']:.2f} s for {st['wall_s']:.1f} s, chunks released "
                    f"{st.get('late_mean_ms', float('nan')):.2f} ms late on average")
            if args.sessions != "no":
                self.sessions(link)
            if args.sessions == "only":
                return
            modes, system_roots, have_read = self.probe_owl(link)
            tools = [t for t in list(modes) + [m for m in MBSYNC_MODES if m in args.tools]]
            for rep in range(args.reps):
                for dataset in args.datasets:
                    user = DATASETS[dataset][0]
                    # A fresh order each rep, not a rotation: a rotation keeps
                    # every tool behind the same neighbour (off always ran
                    # right after on), and a run's disk work spills into the
                    # next. Seeded, so a rerun runs in the same order.
                    order = list(tools)
                    random.Random(f"{link.name} {dataset} {rep}").shuffle(order)
                    for tool in order:
                        self.backup(link, tool, modes.get(tool), dataset, user, rep)
                self.quick(link, rep, system_roots, have_read)
            if name == "loopback":
                if args.w1 == "yes":
                    self.w1(link)
                if args.himalaya:
                    self.himalaya(link)
        finally:
            link.close()

    def backup(self, link, tool, mode_value, dataset, user, rep):
        self.run_no += 1
        home = self.home()
        env = self.tool_env(home)
        with self.stores.new(f"run{self.run_no}") as store:
            if tool.startswith("owl"):
                cmd = self.owl_backup(link, user, mode_value, store)
            else:
                cmd = self.mbsync_backup(link, user, MBSYNC_MODES[tool], store)
            subprocess.run(["sync"])
            cold = self.run(link, {"tool": tool, "dataset": dataset, "kind": "cold", "rep": rep}, cmd, env)
            again = self.run(link, {"tool": tool, "dataset": dataset, "kind": "nochange", "rep": rep}, cmd, env)
        log(f"[{link.name}] rep {rep + 1} {dataset} {tool}: cold {cold['seconds']:.2f} s, no-change "
            f"{again['seconds']:.3f} s, relay CPU {cold['relay_cpu']:.2f} s, down {cold['relay_down'] / 1e6:.1f} MB")

    def quick(self, link, rep, system_roots, have_read):
        """The interactive commands, cold (fresh HOME), on the small dataset's INBOX."""
        user = DATASETS["small"][0]
        cfg = self.owl_cfg(link, user, None)
        uid = self.some_uid(user)
        variants = [("list -n 10", [self.args.owl, "-c", cfg, "list", "INBOX", "-n", "10"], {})]
        if system_roots:
            cfg_sys = self.owl_cfg(link, user, None, ca_file=False)
            variants.append(("list -n 10 (system roots)", [self.args.owl, "-c", cfg_sys, "list", "INBOX", "-n", "10"],
                             {"SSL_CERT_FILE": self.env["CA_FILE"]}))
        if have_read is not None:
            variants.append(("read --raw", [self.args.owl, "-c", cfg, "read", "--raw"] + have_read + ["INBOX", str(uid)],
                             {}))
        variants.append(("fetch INBOX UID --raw", [self.args.owl, "-c", cfg, "fetch", "INBOX", str(uid), "--raw"], {}))
        for label, cmd, extra in variants:
            home = self.home()
            env = self.tool_env(home, extra)
            r = self.run(link, {"tool": "owl default", "dataset": "small", "kind": label, "rep": rep}, cmd, env)
            if label == "list -n 10":
                self.run(link, {"tool": "owl default", "dataset": "small", "kind": "list -n 10 (warm, same HOME)",
                                "rep": rep}, cmd, env)
            log(f"[{link.name}] rep {rep + 1} {label}: {r['seconds'] * 1000:.0f} ms"
                + (f" = {r['seconds'] * 1000 / link.rtt_ms:.1f} RTT of wall time, relay counted "
                   f"{'+'.join(map(str, r['relay_trips']))}" if link.rtt_ms else ""))

    def inbox_uids(self, user):
        """The INBOX's UIDs, asked once of Dovecot directly."""
        if not hasattr(self, "_uids"):
            import imaplib
            ctx = ssl.create_default_context(cafile=self.env["CA_FILE"])
            imap = imaplib.IMAP4_SSL("localhost", int(self.env["IMAPS_PORT"]), ssl_context=ctx)
            imap.login(user, password(user))
            imap.select("INBOX", readonly=True)
            self._uids = [int(u) for u in imap.uid("search", None, "ALL")[1][0].split()]
            imap.logout()
        return self._uids

    def some_uid(self, user):
        """A UID in the middle of the INBOX."""
        uids = self.inbox_uids(user)
        return uids[len(uids) // 2]

    # ------------------------------------------------------------ warm sessions
    def sessions(self, link):
        """Cold (no holder) against warm (`owl session start`) on this link, as a
        user's shell would run them: one HOME and config throughout. Then
        mbsync's no-change sync of INBOX, the per-invocation cost of a peer."""
        user = DATASETS["small"][0]
        home = self.home()
        runtime = os.path.join(home, "run")
        os.makedirs(runtime, mode=0o700)
        env = self.tool_env(home, {"XDG_RUNTIME_DIR": runtime})
        cfg = self.owl_cfg(link, user, None)
        owl = self.args.owl
        list_cmd = [owl, "-c", cfg, "list", "INBOX", "-n", "10"]
        loops = session.loop_commands(owl, cfg, self.inbox_uids(user)[:self.args.session_reads])
        session.stop_holder(owl, cfg, env, check=False)
        try:
            for mode in ("cold", "warm"):
                if mode == "warm":
                    session.start_holder(owl, cfg, env)
                # Untimed: page cache; warm, the holder opens its connections now, as the issue's "warm" means.
                subprocess.run(list_cmd, env=env, stdout=subprocess.DEVNULL)
                lists = [self.run(link, {"tool": "owl default", "dataset": "small", "kind": f"session list {mode}",
                                         "rep": rep}, list_cmd, env)["seconds"] for rep in range(self.args.session_reps)]
                done = {label: self.run_loop(link, {"tool": "owl default", "dataset": "small",
                                                    "kind": f"session {label} {mode}", "rep": 0}, cmds, env)
                        for label, cmds in loops.items()}
                log(f"[{link.name}] sessions {mode}: list {median(lists) * 1000:.0f} ms, " + ", ".join(
                    f"{r['calls']} x {label} {r['seconds']:.2f} s" for label, r in done.items()))
        finally:
            session.stop_holder(owl, cfg, env, check=False)
        self.mbsync_inbox_nochange(link, user)

    def run_loop(self, link, record, cmds, env):
        """Times cmds run one after another (a script's loop) and records the total and the per-call figures."""
        before = link.stats()
        start = time.monotonic()
        failed = [c for c in cmds if subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                    env=env).returncode != 0]
        wall = time.monotonic() - start
        after = link.stats()
        trips = relay_round_trips(before, after)
        record.update(profile=link.name, rtt_ms=link.rtt_ms, mbit=link.mbit, seconds=wall, calls=len(cmds),
                      per_call=wall / len(cmds), exit=1 if failed else 0,
                      relay_trips_per_call=sum(trips) / len(cmds) if link.proc else None,
                      relay_connections=after["connections"] - before["connections"],
                      relay_client_ms=relay_client_ms(before, after) if link.proc else None,
                      relay_flights=[c for c in relay_flights(before, after, most=None) if not c["new"]],
                      relay_cpu=(after["cpu_user"] + after["cpu_sys"]) - (before["cpu_user"] + before["cpu_sys"]))
        if failed:
            record["error"] = f"{len(failed)} of {len(cmds)} calls failed, e.g. {' '.join(failed[0][3:])}"
            log(f"{record['kind']}: {record['error']}")
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()
        self.records.append(record)
        return record

    def mbsync_inbox_nochange(self, link, user):
        """mbsync's no-change sync of INBOX: what a peer pays per invocation for "anything new?"."""
        store = os.path.join(self.runs, f"mbsync-inbox-{link.name}")
        fresh_dir(store)
        rc = store + ".mbsyncrc"
        mbsync_config(rc, self.env, store, user, password(user), patterns="INBOX", port=link.port)
        cmd = ["mbsync", "-c", rc, "-q", "-a"]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # untimed: the first sync
        for rep in range(self.args.session_reps):
            self.run(link, {"tool": "mbsync default", "dataset": "small", "kind": "session mbsync no-change INBOX",
                            "rep": rep}, cmd, self.tool_env(self.home()))

    # ------------------------------------------------------------ loopback extras
    def w1(self, link):
        """W1 cold with owl's default config against the Dovecot stream (the
        issue's baseline), A B then B A; then the TLS-only limit."""
        user = W1[0]
        boxes = self.w1_mailboxes_largest_first(user)
        for rep in range(self.args.reps):
            order = ("owl", "drain") if rep % 2 == 0 else ("drain", "owl")
            for which in order:
                if which == "owl":
                    home = self.home()
                    with self.stores.new(f"run{self.run_no}") as store:
                        subprocess.run(["sync"])
                        r = self.run(link, {"tool": "owl default", "dataset": "W1", "kind": "cold", "rep": rep},
                                     self.owl_backup(link, user, None, store), self.tool_env(home))
                else:
                    d = self.dovecot_stream(link, user, boxes, rep)
            n = r.get("stored_bytes") or self.w1_bytes
            s = raw_tls_stream(self.env, n)
            rec = {"tool": "raw TLS stream", "dataset": "W1", "kind": "cold", "rep": rep, "profile": link.name,
                   "seconds": s, "bytes": n, "rtt_ms": 0, "mbit": None}
            self.out.write(json.dumps(rec) + "\n")
            self.records.append(rec)
            log(f"[loopback] rep {rep + 1} W1: owl {r['seconds']:.2f} s; Dovecot stream ({d.get('connections')} "
                f"connections) {d['seconds']:.2f} s, its CPU {d['tool_cpu']:.2f} s, "
                f"{d.get('literal_bytes', 0) / 1e6:.0f} MB; TLS-only limit of {n / 1e6:.0f} MB {s:.2f} s")

    def w1_mailboxes_largest_first(self, user):
        """W1's mailboxes by bytes in Dovecot's Maildir, largest first: the order owl's workers take them in."""
        maildir = os.path.join(self.env["MAILTEST_DIR"], "mail", user, "Maildir")
        sizes = {}
        for entry in ["INBOX"] + sorted(e for e in os.listdir(maildir) if e.startswith(".")):
            path = maildir if entry == "INBOX" else os.path.join(maildir, entry)
            cur = os.path.join(path, "cur")
            if os.path.isdir(cur):
                sizes[entry.lstrip(".")] = sum(os.path.getsize(os.path.join(cur, f)) for f in os.listdir(cur))
        return sorted(sizes, key=lambda b: -sizes[b])

    def dovecot_stream(self, link, user, boxes, rep):
        """bench/imapdrain.py over owl's default number of connections, under GNU time (its CPU)."""
        cmd = [sys.executable, os.path.join(HERE, "imapdrain.py"), "--port", str(link.port), "--ca", self.env["CA_FILE"],
               "--user", user, "--password", password(user), "--connections", str(OWL_DEFAULT_CONNECTIONS)] + boxes
        def parse(out, record):
            drained = json.loads(out)
            record.update({k: drained[k] for k in ("connections", "messages", "literal_bytes", "read_bytes")},
                          drain_seconds=drained["seconds"])
        return self.run(link, {"tool": "Dovecot stream", "dataset": "W1", "kind": "cold", "rep": rep}, cmd,
                        self.tool_env(self.home()), parse)

    def himalaya(self, link):
        user = DATASETS["small"][0]
        if not os.access(self.args.himalaya, os.X_OK):
            note = f"himalaya left out: {self.args.himalaya} is not an executable (yet)"
            self.notes.append(note)
            log(note)
            return
        hcfg = os.path.join(self.cfg, "himalaya.toml")
        himalaya_config(hcfg, self.env, user, link.port)
        cfg = self.owl_cfg(link, user, None)
        ok = timed([self.args.himalaya, "-c", hcfg, "envelope", "list", "-s", "50"], env=self.tool_env(self.home()))
        if ok[3] != 0:
            note = f"himalaya left out: it failed (exit {ok[3]}): {ok[5].strip()[-300:]}"
            self.notes.append(note)
            log(note)
            return
        for rep in range(self.args.reps):
            for tool in ("owl default", "himalaya"):
                cmd = ([self.args.owl, "-c", cfg, "list", "INBOX", "-n", "50"] if tool == "owl default" else
                       [self.args.himalaya, "-c", hcfg, "envelope", "list", "-s", "50"])
                self.run(link, {"tool": tool, "dataset": "small", "kind": "list 50 (A B A B)", "rep": rep}, cmd,
                         self.tool_env(self.home()))


def himalaya_config(path, env, user, port):
    """himalaya 2.x: IMAP over implicit TLS (imaps://) on the bench Dovecot,
    the test CA as an extra root (`imap.tls.cert`), SASL PLAIN."""
    with open(path, "w") as f:
        f.write(f"""[accounts.bench]
default = true
email = "{user}@example.org"
imap.server = "imaps://localhost:{port}"
imap.tls.cert = "{env['CA_FILE']}"
imap.sasl.plain.username = "{user}"
imap.sasl.plain.password.raw = "{password(user)}"
""")
    os.chmod(path, 0o600)


def raw_tls_stream(env, n):
    """Seconds to move n bytes over one TLS connection on loopback (Dovecot's
    certificate; Python both ends, the server in a thread of its own process)."""
    ready = threading.Event()
    port = []

    def server():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(env["CERT_FILE"], env["KEY_FILE"])
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        port.append(ls.getsockname()[1])
        ready.set()
        c, _ = ls.accept()
        with ctx.wrap_socket(c, server_side=True) as t:
            block = os.urandom(1 << 20)
            left = n
            while left > 0:
                t.sendall(block[:min(left, len(block))])
                left -= len(block)
        ls.close()

    code = ("import sys,socket,ssl,time\n"
            "ctx=ssl.create_default_context(cafile=sys.argv[2])\n"
            "t0=time.monotonic(); s=ctx.wrap_socket(socket.create_connection(('127.0.0.1',int(sys.argv[1]))),"
            "server_hostname='localhost')\n"
            "buf=bytearray(1<<20); n=0\n"
            "while True:\n"
            "    k=s.recv_into(buf)\n"
            "    if not k: break\n"
            "    n+=k\n"
            "print(time.monotonic()-t0, n)\n")
    th = threading.Thread(target=server, daemon=True)
    th.start()
    ready.wait()
    out = subprocess.run([sys.executable, "-c", code, str(port[0]), env["CA_FILE"]], capture_output=True, text=True)
    th.join()
    return float(out.stdout.split()[0])


# ---------------------------------------------------------------- report
def excess_trips(seconds, loopback_seconds, rtt_ms):
    """The time above the same command's on loopback, in round trips: what the link added."""
    if not rtt_ms or seconds is None or loopback_seconds is None:
        return None
    return (seconds - loopback_seconds) * 1000 / rtt_ms


def trip_counts(per_run):
    """(median of the relay's total per run, the per-connection split of the median run) from runs' relay_trips."""
    per_run = [t for t in per_run if t]
    if not per_run:
        return None, ""
    totals = sorted(per_run, key=sum)
    mid = totals[(len(totals) - 1) // 2]
    return median([sum(t) for t in per_run]), "+".join(str(t) for t in mid)


def trips_row(label, seconds, rtt_ms, loopback_seconds, counted, cpu):
    """One row of a round-trip table: ms, wall/RTT, excess/RTT, the relay's count, CPU."""
    total, split = counted
    wall = f"{seconds * 1000 / rtt_ms:8.1f}" if rtt_ms else f"{'-':>8}"
    excess = excess_trips(seconds, loopback_seconds, rtt_ms)
    relay = f"{total:g} ({split})" if total is not None else "-"
    return (f"{label:32} {seconds * 1000:6.0f} {wall} {'-' if excess is None else format(excess, '10.1f'):>10} "
            f"{relay:>14} {'-' if cpu is None else format(cpu * 1000, '6.0f'):>6}")


def print_sessions(records, profile, rtt):
    """--sessions' table for one profile: cold against warm, per command, in ms and in round trips."""
    def pick(kind, profile=profile):
        return [r for r in records if r.get("profile") == profile and r.get("kind") == kind and r.get("exit", 0) == 0]

    def seconds(kind, profile=profile):
        """A list's median, or a loop's time per call."""
        rs = pick(kind, profile)
        return median([r.get("per_call", r["seconds"]) for r in rs]) if rs else None

    def client_ms(kind):
        """linkrelay.py's client time, per call; cold only (relay_client_ms leaves a holder's connections out)."""
        if kind.endswith(" warm"):
            return "-"
        rs = [r.get("relay_client_ms") for r in pick(kind) if r.get("relay_client_ms") is not None]
        calls = [r.get("calls", 1) for r in pick(kind) if r.get("relay_client_ms") is not None]
        return f"{median([v / n for v, n in zip(rs, calls)]):.0f}" if rs and rtt else "-"

    def trips(kind):
        rs = pick(kind)
        per_call = [r["relay_trips_per_call"] for r in rs if r.get("relay_trips_per_call") is not None]
        if per_call or any("relay_trips_per_call" in r for r in rs):
            return median(per_call)
        return trip_counts([r.get("relay_trips") for r in rs])[0]

    rows = [("owl list INBOX -n 10", "session list")] + [
        (f"{n} x owl {label}", f"session {label}") for label in session.loop_commands("owl", "cfg", []).keys()
        for n in {r["calls"] for r in records if r.get("profile") == profile
                  and r.get("kind") == f"session {label} cold"}]
    if not pick("session list cold"):
        return
    print("   warm sessions (owl session start; one HOME and config throughout; cold = direct, no holder); loops: "
          "per call; RTs and client ms as above (wall/RTT, excess over loopback / RTT, counted by the relay; client ms cold only)")
    print(f"   {'command':40} {'cold ms':>8} {'warm ms':>8} {'cold/warm':>9} {'wall/RTT c':>10} {'w':>5} "
          f"{'excess c':>8} {'w':>5} {'relay c':>7} {'w':>5} {'client ms c':>11} {'w':>4}")

    def rt(v):
        return f"{v:.1f}" if v is not None else "-"

    def wall_rtt(v):
        return rt(v * 1000 / rtt if rtt else None)
    for label, kind in rows:
        c, w = seconds(kind + " cold"), seconds(kind + " warm")
        if c is None or w is None:
            continue
        print(f"   {label:40} {c * 1000:8.0f} {w * 1000:8.0f} {c / w:9.1f} "
              f"{wall_rtt(c):>10} {wall_rtt(w):>5} "
              f"{rt(excess_trips(c, seconds(kind + ' cold', 'loopback'), rtt)):>8} "
              f"{rt(excess_trips(w, seconds(kind + ' warm', 'loopback'), rtt)):>5} "
              f"{rt(trips(kind + ' cold')):>7} {rt(trips(kind + ' warm')):>5} "
              f"{client_ms(kind + ' cold'):>11} {client_ms(kind + ' warm'):>4}")
    mb = seconds("session mbsync no-change INBOX")
    if mb is not None:
        print(f"   {'mbsync no-change sync of INBOX':40} {mb * 1000:8.0f} {'':8} {'':9} {wall_rtt(mb):>10} "
              f"{'':5} {rt(excess_trips(mb, seconds('session mbsync no-change INBOX', 'loopback'), rtt)):>8} {'':5} "
              f"{rt(trips('session mbsync no-change INBOX')):>7}")
    warm_list = seconds("session list warm")
    if rtt and warm_list is not None:
        bound = 1.5 * rtt + 20
        print(f"   issue 14: warm list {warm_list * 1000:.0f} ms, bound 1.5 RTT + 20 ms = {bound:.0f} ms: "
              + ("within" if warm_list * 1000 <= bound else "OVER"))
    for label, kind in rows[1:]:
        c, w = seconds(kind + " cold"), seconds(kind + " warm")
        if c and w:
            print(f"   issue 14: {label} cold/warm {c / w:.1f}x (target >= {5 if rtt else 2})")


def report(records, args, notes):
    def runs(profile, tool, dataset, kind, key="seconds"):
        return [r[key] for r in records if r.get("profile") == profile and r.get("tool") == tool
                and r.get("dataset") == dataset and r.get("kind") == kind and r.get("exit", 0) == 0 and key in r]

    def med(*a, **k):
        return median(runs(*a, **k))

    def fmt(v, spec, none="-"):
        return none if v is None else format(v, spec)

    reps = 1 + max([r.get("rep", 0) for r in records if "rep" in r] or [args.reps - 1])
    print(f"\nmedians of {reps}; owl: {args.owl_version}; mbsync: {args.mbsync_version}")
    print("ratios: `/owl def` = this time / owl default's (above 1: slower than owl's default); "
          "`mbsync/` = mbsync default's time / this (above 1: faster than mbsync);")
    print("limit = bytes received / bandwidth + 4 RTT (owl: its --json wire.received; mbsync: the relay's count); "
          "CPU = the tool's user+sys; relay = the relay's own CPU (not the tool's)")
    for profile in args.profiles:
        rtt, mbit = PROFILES[profile]
        sts = [r for r in records if r.get("kind") == "selftest" and r["profile"] == profile]
        print(f"\n== {profile}" + (f": RTT {rtt} ms, {mbit} Mbit/s each way, shared" if mbit else " (no relay)"))
        for st in sts:
            print(f"   relay self-test: round trip {st['rtt_s'] * 1000:.1f} ms (min {st['rtt_min_s'] * 1000:.1f}), "
                  f"connect + first exchange {st['connect_and_first_echo_s'] * 1000:.0f} ms (model {2 * rtt} ms), "
                  f"bulk {st['bulk_mbit']:.1f} Mbit/s, relay CPU {st['relay_cpu_s']:.2f} s, release "
                  f"{st.get('late_mean_ms', float('nan')):.2f} ms late on average")
        print(f"{'tool':20} {'dataset':7} {'cold s':>8} {'/owl def':>8} {'mbsync/':>8} {'no-chg s':>9} {'/owl def':>8} "
              f"{'MB down':>8} {'limit s':>8} {'t/limit':>7} {'CPU s':>6} {'relay s':>7} {'RSS MiB':>7}")
        tools = sorted({r["tool"] for r in records if r.get("profile") == profile and r.get("kind") == "cold"
                        and r.get("dataset") in args.datasets},
                       key=lambda t: list(OWL_MODES).index(t) if t in OWL_MODES else 10 + list(MBSYNC_MODES).index(t))
        for dataset in args.datasets:
            base = med(profile, "owl default", dataset, "cold")
            base_nc = med(profile, "owl default", dataset, "nochange")
            mb = med(profile, "mbsync default", dataset, "cold")
            for tool in tools:
                cold = med(profile, tool, dataset, "cold")
                if cold is None:
                    continue
                nc = med(profile, tool, dataset, "nochange")
                wire = [r["owl_wire"]["received"] for r in records if r.get("profile") == profile and
                        r.get("tool") == tool and r.get("dataset") == dataset and r.get("kind") == "cold" and "owl_wire" in r]
                down = median(wire) if wire else med(profile, tool, dataset, "cold", key="relay_down")
                if not wire and not mbit:
                    down = None
                limit = down / (mbit * 1e6 / 8) + 4 * rtt / 1000 if mbit and down else None
                print(f"{tool:20} {dataset:7} {cold:8.2f} {fmt(base and cold / base, '8.2f')} {fmt(mb and mb / cold, '8.2f')} "
                      f"{fmt(nc, '9.3f')} {fmt(base_nc and nc and nc / base_nc, '8.2f')} {fmt(down and down / 1e6, '8.1f')} "
                      f"{fmt(limit, '8.2f')} {fmt(limit and cold / limit, '7.2f')} "
                      f"{fmt(med(profile, tool, dataset, 'cold', key='tool_cpu'), '6.2f')} "
                      f"{fmt(med(profile, tool, dataset, 'cold', key='relay_cpu'), '7.2f')} "
                      f"{fmt(med(profile, tool, dataset, 'cold', key='rss_mib'), '7.1f')}")
        # Acceptance lines.
        for dataset in args.datasets:
            base = med(profile, "owl default", dataset, "cold")
            if base is None:
                continue
            others = [m for m in (med(profile, "owl on", dataset, "cold"), med(profile, "owl off", dataset, "cold")) if m]
            if others:
                best = min(others)
                print(f"   {dataset}: owl default / best of on, off = {base / best:.3f} (target <= 1.10)")
            mb = med(profile, "mbsync default", dataset, "cold")
            wire = median([r["owl_wire"]["received"] for r in records if r.get("profile") == profile
                           and r.get("tool") == "owl default" and r.get("dataset") == dataset
                           and r.get("kind") == "cold" and "owl_wire" in r])
            if mb:
                line = f"   {dataset}: cold, mbsync default / owl default = {mb / base:.2f}x"
                if mbit and wire:
                    limit = wire / (mbit * 1e6 / 8) + 4 * rtt / 1000
                    line += f"; owl default / link limit {limit:.2f} s = {base / limit:.2f}"
                print(line + " (target: above 1, and either >= 2 or a link-limit ratio <= 1.15)")
        qk = sorted({r["kind"] for r in records if r.get("profile") == profile and r.get("kind", "").startswith(
            ("list -n 10", "read --raw", "fetch INBOX"))}, key=lambda k: (not k.startswith("list"), k))
        if qk:
            print("   one cold command, fresh HOME (wall/RTT: the wall time in round trips, fixed CPU and server work "
                  "included; excess/RTT: (this - the same on loopback) / RTT; relay RTs: counted by the relay, "
                  "median, per connection in brackets; client ms: the tool's own time between the relay's answers and its "
                  "next flights, as the relay saw it: not the link's)")
            print(f"   {'command':32} {'ms':>6} {'wall/RTT':>8} {'excess/RTT':>10} {'relay RTs':>14} {'CPU ms':>6} "
                  f"{'client ms':>9}")
        for kind in qk:
            m = med(profile, "owl default", "small", kind)
            if m is None:
                continue
            print("   " + trips_row(f"owl {kind}", m, rtt, med("loopback", "owl default", "small", kind),
                                    trip_counts(runs(profile, "owl default", "small", kind, key="relay_trips")),
                                    med(profile, "owl default", "small", kind, key="tool_cpu"))
                  + (f" {fmt(med(profile, 'owl default', 'small', kind, key='relay_client_ms'), '9.0f'):>9}" if rtt else ""))
        cold_list = med(profile, "owl default", "small", "list -n 10")
        if rtt and cold_list:
            counted = trip_counts(runs(profile, "owl default", "small", "list -n 10", key="relay_trips"))
            excess = excess_trips(cold_list, med("loopback", "owl default", "small", "list -n 10"), rtt)
            print(f"   issue 13: cold owl list INBOX -n 10 in {fmt(counted[0], 'g')} round trips counted by the relay, "
                  f"{fmt(excess, '.1f')} by excess over loopback (target <= 5; 6 with a server SORT first)")
        print_sessions(records, profile, rtt)
        relay_total = sum(r.get("relay_cpu", 0) for r in records if r.get("profile") == profile)
        wall_total = sum(r.get("seconds", 0) for r in records if r.get("profile") == profile and "relay_cpu" in r)
        if PROFILES[profile][1]:
            lates = [r["relay_late_ms"] for r in records if r.get("profile") == profile and "relay_late_ms" in r]
            lates = lates or [float("nan")]
            print(f"   relay CPU over all timed runs of this profile: {relay_total:.1f} s in {wall_total:.0f} s of runs "
                  f"({100 * relay_total / max(wall_total, 1e-9):.1f}% of one core); chunks released "
                  f"{median(lates):.2f} ms late (median over runs of the mean; max of a run {max(lates):.2f} ms)")
        if profile == "loopback":
            o, raw = med(profile, "owl default", "W1", "cold"), med(profile, "raw TLS stream", "W1", "cold")
            dove = med(profile, "Dovecot stream", "W1", "cold")
            if o and dove:
                conns = runs(profile, "Dovecot stream", "W1", "cold", key="connections")
                cpu = med(profile, "Dovecot stream", "W1", "cold", key="tool_cpu")
                mb = med(profile, "Dovecot stream", "W1", "cold", key="literal_bytes") / 1e6
                print(f"   W1 cold, default config: owl {o:.2f} s, Dovecot stream {dove:.2f} s (bench/imapdrain.py: the "
                      f"same Dovecot over IMAPS, {conns[0]} connections as owl's default, no COMPRESS, {mb:.0f} MB of "
                      f"messages read and thrown away): {o / dove:.2f}x (target <= 1.5)")
                # One Python process: its own code holds the GIL, so near one core busy means it may be the limit.
                print(f"      the stream's client CPU {cpu:.2f} s in {dove:.2f} s ({100 * cpu / dove:.0f}% of one core): "
                      + ("the client may be the limit, not Dovecot" if cpu > 0.8 * dove else "the client is not the limit"))
            if o and raw:
                print(f"   W1 TLS-only limit (Python both ends, no Dovecot, 1 connection): {raw:.2f} s for the same "
                      f"bytes: owl {o / raw:.2f}x")
            ho, hh = med(profile, "owl default", "small", "list 50 (A B A B)"), med(profile, "himalaya", "small", "list 50 (A B A B)")
            if ho and hh:
                print(f"   cold list of 50: owl list INBOX -n 50 {ho * 1000:.0f} ms, himalaya envelope list -s 50 "
                      f"{hh * 1000:.0f} ms: himalaya/owl {hh / ho:.2f}x (target >= 1)")
    for note in notes:
        print(f"note: {note}")
    print(f"\nraw results (JSON lines): {args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", required=True, help="the servers' env file")
    ap.add_argument("--owl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--profiles", default=",".join(PROFILES), help=f"comma-separated, of {', '.join(PROFILES)}")
    ap.add_argument("--datasets", default=",".join(DATASETS), help=f"comma-separated, of {', '.join(DATASETS)}")
    ap.add_argument("--tools", default=",".join(list(OWL_MODES) + list(MBSYNC_MODES)),
                    help="comma-separated, of: " + ", ".join(list(OWL_MODES) + list(MBSYNC_MODES)))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--w1", choices=["yes", "no"], default="yes", help="W1 against a raw TLS stream on loopback")
    ap.add_argument("--himalaya", help="a himalaya binary: cold list of 50 against owl's on loopback")
    ap.add_argument("--sessions", choices=["yes", "no", "only"], default="no",
                    help="cold against warm (owl session start) on each profile; only: nothing else")
    ap.add_argument("--session-reps", type=int, default=11, help="lists per mode in --sessions")
    ap.add_argument("--session-reads", type=int, default=50, help="calls per loop in --sessions")
    ap.add_argument("--fresh-fs", choices=["yes", "no"], default="yes")
    ap.add_argument("--selftest-seconds", type=float, default=2.0)
    ap.add_argument("--out", help="JSON lines (default: WORK/link-DATE.jsonl)")
    ap.add_argument("--report", help="only print the tables of an earlier --out file")
    args = ap.parse_args()
    args.profiles = [p for p in args.profiles.split(",") if p]
    args.datasets = [d for d in args.datasets.split(",") if d]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for p in args.profiles:
        if p not in PROFILES:
            sys.exit(f"unknown profile {p}")
    for d in args.datasets:
        if d not in DATASETS:
            sys.exit(f"unknown dataset {d}")
    args.owl_version = subprocess.run([args.owl, "--version"], capture_output=True, text=True).stdout.strip()
    args.mbsync_version = subprocess.run(["mbsync", "--version"], capture_output=True, text=True).stdout.strip()
    if args.report:
        args.out = args.report
        with open(args.report) as f:
            records = [json.loads(line) for line in f if line.strip()]
        report(records, args, [r["note"] for r in records if r.get("kind") == "note"])
        return
    os.makedirs(args.work, exist_ok=True)
    args.out = args.out or os.path.join(args.work, time.strftime("link-%Y%m%d-%H%M%S.jsonl"))
    env = read_env(args.env)
    mail_root = os.path.join(env["MAILTEST_DIR"], "mail")
    nobody = nobody_ids()
    seeds = {d: DATASETS[d] for d in set(args.datasets) | {"small"}}
    if "loopback" in args.profiles and args.w1 == "yes" and args.sessions != "only":
        seeds["W1"] = W1
    bench = Bench(args, env)
    for name, (user, n, boxes, small_only) in seeds.items():
        maildir = os.path.join(mail_root, user, "Maildir")
        shutil.rmtree(maildir, ignore_errors=True)
        folders, size = seed_corpus(maildir, n, boxes, *nobody, small_only=small_only)
        warm(env, user, password(user), folders)
        log(f"dataset {name}: {n} messages, {size / 1e6:.1f} MB (LF) in {len(folders)} mailboxes, user {user}")
        if name == "W1":
            bench.w1_bytes = size
    # The self-test's upstream, reached through each relay.
    ports, stop = [], threading.Event()
    threading.Thread(target=linkrelay.testserver, args=(ports, stop), daemon=True).start()
    while not ports:
        time.sleep(0.01)
    # One untimed backup so Dovecot's caches are warm for everybody.
    warm_link = Link("loopback", int(env["IMAPS_PORT"]), ports[0])
    for d in seeds:
        user = seeds[d][0]
        with bench.stores.new(f"warmup-{d}") as store:
            timed(bench.owl_backup(warm_link, user, None, store), env=bench.tool_env(bench.home()))
    started = time.monotonic()
    try:
        for profile in args.profiles:
            t = time.monotonic()
            bench.profile(profile, ports[0])
            log(f"[{profile}] done in {time.monotonic() - t:.0f} s")
    finally:
        stop.set()
        for note in bench.notes:
            bench.out.write(json.dumps({"kind": "note", "note": note}) + "\n")
        bench.out.close()
        shutil.rmtree(bench.runs, ignore_errors=True)
    log(f"all profiles in {time.monotonic() - started:.0f} s")
    report(bench.records, args, bench.notes)


if __name__ == "__main__":
    main()
