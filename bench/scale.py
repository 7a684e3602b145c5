#!/usr/bin/env python3
"""How owl's routine backup runs scale with the size of the mailbox, next to mbsync.

One mailbox (INBOX) of N small messages (fetch.py's "small" kind, about 6 KB
each) on a local Dovecot over IMAPS, compression off for both tools (owl:
`compress = false`; mbsync never compresses). For each N and each tool, on a
store of its own (by default a fresh loop-mounted ext4 that the store keeps
across that tool's phases), four phases are timed:

  cold       backup into an empty store (one run)
  nochange   the same run again, nothing changed on the server
  new100     100 new messages APPENDed to INBOX just before the run
  flags      \\Flagged set (STORE) on 100 existing messages spread over the
             mailbox just before the run (owl uses CONDSTORE for this)

The cheap phases run --reps times each (every new100 rep appends a fresh 100,
every flags rep flags 100 others) and the medians are reported. Each run's
wall time and peak RSS come from GNU time, as in fetch.py; the machine's
caches stay warm, as on a computer in use. What the issue asks is whether a
run's cost follows what changed or the size of the mailbox: a no-change or
+100 run should cost about the same at 200,000 messages as at 20,000.

Every run starts two seconds or more after the last change to the store's
or the server's INBOX directories: mbsync sleeps a second when a Maildir
directory changed within the current second, and Dovecot re-reads one that
changed within the last second (MAILDIR_SYNC_SECS). Routine runs are minutes
apart; back-to-back runs would time those waits instead.

After every run the store is checked against the server: every Message-ID
on the server exactly once in the store's cur/ and new/, nothing else, and
every message the server has \\Flagged carries F in its file name. A
mismatch prints FAIL.

Same server state for both tools: after seeding and warming, the server's
Maildir (messages, Dovecot's indexes, UID list, caches) is snapshotted with
hard links to the message files (Dovecot never rewrites a message file, it
renames it) and copies of everything else (indexes change in place). Before
each tool it is restored, and UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and the
message count are checked to be the snapshot's. The appended messages and
the flagged UIDs are fixed by the phase and rep, so each tool faces the same
mailbox, UIDs included, at every phase.

--kill-trials K: on the largest N's owl store, after its phases, K times:
append 100 messages, start the +100 run, SIGKILL it at a moment drawn
uniformly over an undisturbed +100 run's duration (measured first), run owl
again to completion and check that no message is missing or duplicated.
That run, and one after a clean finish, run under strace to count what they
read of the store's directories (getdents64 calls and entries) and which
store files they open.

The server's floor (--floor yes, the default): after both tools, on the
server restored to the same snapshot, a bare imaplib client times the
no-change run (STATUS alone; EXAMINE alone) and the +100 run in two orders:
owl's (STATUS INBOX, then EXAMINE and UID FETCH n:* BODY.PEEK[]) and the
shortest (EXAMINE, then the FETCH; mbsync's order), bodies dropped, from
the connect to LOGOUT's answer. That is what Dovecot itself costs for the
phase, so a ratio over sizes splits into owl's part and the server's. The
two orders differ on a Maildir: a change to new/ makes Dovecot read the
whole cur/ and its UID list at the next sync (about 1 s at 200,000
messages), and STATUS syncs; the EXAMINE after it finds the index
current, so the first body of a message still in new/ is looked for in
cur/, is not found, and costs a second full sync. EXAMINE first pays once.

--dovecot-setting KEY=VALUE (repeatable, NOT the default) appends a
setting to the bench Dovecot's config for the whole run, e.g.
maildir_very_dirty_syncs=yes (what large Maildir deployments use); the
report's header says so.

The raw numbers go to --out as JSON; --compare OLD.json prints them next to
an earlier run's (e.g. an older build, given with --owl).
"""
import argparse
import collections
import contextlib
import datetime
import imaplib
import json
import os
import random
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch import Stores, log, measure, mbsync_config, nobody_ids, owl_config, read_env, warm  # noqa: E402

USER, PASSWORD = "u1", "pw-u1"
PHASES = [("cold", "cold backup"), ("nochange", "no change"), ("new100", "+100 new"), ("flags", "+100 flags")]
BATCH = 100
# Messages the server holds are read back in full for every SEARCH and FETCH
# 1:*; imaplib's default line limit (1 MB) is below 200,000 UIDs.
imaplib._MAXLINE = 1 << 30

WORDS = ["mail", "backup", "server", "cron", "terminal", "owl", "report", "invoice", "meeting", "patch",
         "Grüße", "naïve", "日本語", "résumé"]


# ---------------------------------------------------------------- corpus
class Corpus:
    """Small messages as fetch.message(kind="small") makes them (same
    headers, 20 to 160 body lines of 4 to 14 words), but the lines are
    drawn from a fixed pool: fetch.message draws ~1,000 random words per
    message, 2.5 minutes per 200,000 messages and 25 per 2,000,000. Nothing
    here deduplicates bodies, so the pool changes nothing that is measured."""

    def __init__(self, seed=20261122):
        self.rng = random.Random(seed)
        self.lines = [" ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(4, 14))) + "\n"
                      for _ in range(4096)]

    def message(self, i):
        """Message number i, LF line ends as Dovecot keeps it on disk; its
        Message-ID is <i.bench@example.org>."""
        rng = self.rng
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
        head = (f"From: Sender {i % 97} <sender{i % 97}@example.org>\nTo: me@example.org\n"
                f"Subject: {subject} #{i}\nDate: Mon, 02 Nov 2026 {i % 24:02d}:{i % 60:02d}:00 +0000\n"
                f"Message-ID: {message_id(i)}\nMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
        return (head + "".join(rng.choices(self.lines, k=rng.randint(20, 160)))).encode()


def message_id(i):
    return f"<{i}.bench@example.org>"


def seed_inbox(maildir, n, uid, gid):
    """Writes n messages straight into Dovecot's Maildir (INBOX only); one
    in three unseen, like fetch.py. S= and W= in the names, as Dovecot
    writes them, spare Dovecot reading every file for its sizes. Returns
    (bytes, bytes on disk)."""
    shutil.rmtree(maildir, ignore_errors=True)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub))
    corpus = Corpus()
    total = disk = 0
    cur = os.path.join(maildir, "cur")
    for i in range(n):
        data = corpus.message(i)
        flags = ":2,S" if i % 3 else ":2,"
        crlf_size = len(data) + data.count(b"\n")
        name = f"{1700000000 + i}.bench{i}.host,S={len(data)},W={crlf_size}{flags}"
        fd = os.open(os.path.join(cur, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.fchown(fd, uid, gid)
        os.close(fd)
        total += len(data)
        disk += -(-len(data) // 4096) * 4096
        if i and i % 100_000 == 0:
            log(f"  seeded {i}")
    for root, dirs, _ in os.walk(os.path.dirname(maildir)):
        os.chown(root, uid, gid)
        for d in dirs:
            os.chown(os.path.join(root, d), uid, gid)
    return total, disk


def per_message_disk():
    """Bytes on disk per message (4 KiB blocks, an inode, a directory entry), from a sample."""
    corpus = Corpus()
    sample = [len(corpus.message(i)) for i in range(2000)]
    return statistics.mean(-(-s // 4096) * 4096 for s in sample) + 256 + 64


def check_disk(n, server_dir, work):
    """Says what the size needs and whether it fits; exits if it does not:
    the server's copy, and one store at a time (stores are made and
    dropped in turn); the sparse images take only what is written."""
    per = per_message_disk()
    need = {}
    for what, path, bytes_ in (("server copy", server_dir, n * per * 1.1 + (256 << 20)),
                               ("one store", work, n * per * 1.05 + (512 << 20))):
        st = os.stat(path)
        need.setdefault(st.st_dev, [path, 0, []])
        need[st.st_dev][1] += bytes_
        need[st.st_dev][2].append(f"{what} {bytes_ / 1e9:.1f} GB")
    ok = True
    for path, bytes_, parts in need.values():
        vfs = os.statvfs(path)
        free = vfs.f_bavail * vfs.f_frsize
        log(f"disk for N={n:,}: {' + '.join(parts)} on {path}; {free / 1e9:.1f} GB free")
        if bytes_ > free * 0.95:
            ok = False
    if not ok:
        sys.exit(f"not enough free disk for N={n:,}: free some or leave this size out of --sizes")


# ---------------------------------------------------------------- the server side
class Server:
    """The bench user's INBOX over IMAPS, from the harness's side: what
    the server holds (UID -> Message-ID, as the server itself reports) and
    the changes between runs."""

    def __init__(self, env, maildir):
        self.env = env
        self.maildir = maildir
        self.ids = {}

    def connect(self):
        ctx = ssl.create_default_context(cafile=self.env["CA_FILE"])
        imap = imaplib.IMAP4_SSL("localhost", int(self.env["IMAPS_PORT"]), ssl_context=ctx)
        imap.login(USER, PASSWORD)
        return imap

    def status(self):
        imap = self.connect()
        try:
            typ, data = imap.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)")
        finally:
            imap.logout()
        fields = re.findall(rb"([A-Z]+) (\d+)", data[0].split(b"(", 1)[1])
        return {k.decode().lower(): int(v) for k, v in fields}

    def refresh(self, first_uid=1):
        """Reads the Message-IDs of UIDs first_uid:* from the server."""
        imap = self.connect()
        try:
            imap.select("INBOX", readonly=True)
            typ, data = imap.uid("FETCH", f"{first_uid}:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            for item in data:
                if not isinstance(item, tuple):
                    continue
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                if uid < first_uid:
                    continue  # n:* always matches the highest UID
                m = re.search(rb"(?im)^message-id:\s*(\S+)", item[1])
                self.ids[uid] = m.group(1).decode() if m else None
        finally:
            imap.logout()

    def flagged(self):
        imap = self.connect()
        try:
            imap.select("INBOX", readonly=True)
            typ, data = imap.uid("SEARCH", None, "FLAGGED")
        finally:
            imap.logout()
        return {int(u) for u in data[0].split()}

    def append(self, corpus, numbers):
        """APPENDs messages by number; the INTERNALDATE is fixed so both
        tools get the same messages."""
        before = self.status()["uidnext"]
        imap = self.connect()
        try:
            for i in numbers:
                imap.append("INBOX", None, imaplib.Time2Internaldate(1790000000 + i), corpus.message(i))
        finally:
            imap.logout()
        self.refresh(before)

    def flag(self, uids):
        imap = self.connect()
        try:
            imap.select("INBOX")
            imap.uid("STORE", ",".join(map(str, uids)), "+FLAGS.SILENT", r"(\Flagged)")
        finally:
            imap.logout()

    # Snapshots: see the module's docstring.
    def snapshot(self, snap):
        shutil.rmtree(snap, ignore_errors=True)
        copy_maildir(self.maildir, snap)
        self.snap_ids = dict(self.ids)
        self.snap_status = self.status()

    def restore(self, snap):
        old = self.maildir + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(self.maildir, old)
        copy_maildir(snap, self.maildir)
        shutil.rmtree(old)
        self.ids = dict(self.snap_ids)
        now = self.status()
        if now != self.snap_status:
            sys.exit(f"FAIL: restoring the server's mailbox gave {now}, not {self.snap_status}")


def copy_maildir(src, dst):
    """Hard links for message files (in cur/ new/ tmp/), copies for the rest, owners kept."""
    for root, dirs, files in os.walk(src):
        target = os.path.join(dst, os.path.relpath(root, src))
        os.makedirs(target, exist_ok=True)
        st = os.stat(root)
        os.chown(target, st.st_uid, st.st_gid)
        os.chmod(target, st.st_mode & 0o7777)
        link = os.path.basename(root) in ("cur", "new", "tmp")
        for name in files:
            s, d = os.path.join(root, name), os.path.join(target, name)
            if link:
                os.link(s, d)
            else:
                shutil.copy2(s, d)
                st = os.stat(s)
                os.chown(d, st.st_uid, st.st_gid)


# ---------------------------------------------------------------- the store side
INFO = re.compile(r":2,([A-Za-z]*)$")


class StoreView:
    """The messages of a store's INBOX (cur/ and new/), by Message-ID.
    Message-IDs are cached by inode: Maildir files are renamed, never
    rewritten, so each file is read once, not after every phase."""

    def __init__(self, inbox):
        self.inbox = inbox
        self.by_inode = {}

    def files(self):
        out = []
        for sub in ("cur", "new"):
            path = os.path.join(self.inbox, sub)
            if not os.path.isdir(path):
                continue
            with os.scandir(path) as it:
                for e in it:
                    if e.name.startswith("."):
                        continue
                    mid = self.by_inode.get(e.inode())
                    if mid is None:
                        mid = self.by_inode[e.inode()] = read_message_id(e.path)
                    m = INFO.search(e.name)
                    out.append((mid, m.group(1) if m else ""))
        return out


def read_message_id(path):
    with open(path, "rb") as f:
        head = f.read(16384).split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"(?im)^message-id:\s*(\S+)", head)
    return m.group(1).decode() if m else f"(none: {os.path.basename(path)})"


def settle(*maildirs):
    """Waits until the cur/ new/ tmp/ of every Maildir given are 2 s old or
    more (see the module's docstring)."""
    newest = 0.0
    for maildir in maildirs:
        for sub in ("cur", "new", "tmp"):
            with contextlib.suppress(FileNotFoundError):
                newest = max(newest, os.stat(os.path.join(maildir, sub)).st_mtime)
    time.sleep(max(0.0, newest + 2.05 - time.time()))


def check(view, server, flagged_uids=None, label=""):
    """The store against the server: counts, missing, duplicated and stray
    messages, and \\Flagged on the server against F in the file names."""
    files = view.files()
    counts = collections.Counter(mid for mid, _ in files)
    want = set(server.ids.values())
    exists = server.status()["messages"]
    result = {
        "files": len(files), "server": exists,
        "missing": len(want - set(counts)), "extra": len(set(counts) - want),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
    }
    f_server = {server.ids[u] for u in server.flagged()}
    f_store = {mid for mid, info in files if "F" in info}
    result["flagged_server"], result["flagged_store"] = len(f_server), len(f_store)
    result["flagged_wrong"] = len(f_server ^ f_store)
    if flagged_uids is not None:
        result["flag_changes"] = len(flagged_uids)
        result["flag_changes_landed"] = sum(server.ids[u] in f_store for u in flagged_uids)
    result["ok"] = (len(files) == exists == len(want) and not result["missing"] and not result["extra"]
                    and not result["duplicates"] and not result["flagged_wrong"])
    if not result["ok"]:
        log(f"FAIL {label}: store and server differ: {result}")
    return result


# ---------------------------------------------------------------- strace
GETDENTS = re.compile(r"getdents64\(\d+<([^>]*)>.*?/\* (\d+) entries \*/")
GETDENTS_UNFINISHED = re.compile(r"^(\d+)\s+getdents64\(\d+<([^>]*)>.*<unfinished \.\.\.>")
GETDENTS_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. getdents64 resumed>.*?/\* (\d+) entries \*/")
OPENAT = re.compile(r"openat\(.*= \d+<([^>]*)>")


def straced(cmd, env, store, out_file):
    """Runs cmd under strace; returns its exit code and, per directory of
    the store, the getdents64 calls and entries read (`.` and `..`
    included; the last call of a listing reads 0), and how many files in
    each directory it opened."""
    done = subprocess.run(["strace", "-f", "-y", "-qq", "-e", "trace=getdents64,openat", "-o", out_file] + cmd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    dirs = collections.defaultdict(lambda: {"getdents64": 0, "entries": 0, "opened": 0})
    pending = {}
    root = os.path.realpath(store)
    def rel(path):
        return os.path.relpath(path, root) if path == root or path.startswith(root + "/") else None
    with open(out_file, errors="replace") as f:
        for line in f:
            m = GETDENTS_UNFINISHED.search(line)
            if m:
                pending[m.group(1)] = m.group(2)
                continue
            m = GETDENTS_RESUMED.search(line)
            if m:
                path, entries = pending.pop(m.group(1), "?"), int(m.group(2))
            else:
                m = GETDENTS.search(line)
                if m:
                    path, entries = m.group(1), int(m.group(2))
                else:
                    m = OPENAT.search(line)
                    path = m.group(1) if m else None
                    # Directories opened to be fsynced are not reads.
                    if m and rel(path) is not None and "O_DIRECTORY" not in line and not os.path.isdir(path):
                        dirs[os.path.dirname(rel(path)) or "."]["opened"] += 1
                    continue
            r = rel(path)
            if r is not None:
                dirs[r]["getdents64"] += 1
                dirs[r]["entries"] += entries
    os.remove(out_file)
    if done.returncode != 0:
        log(f"{cmd[0]} under strace exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
    return done.returncode, dict(dirs)


def describe_trace(dirs):
    listed = {d: v for d, v in dirs.items() if v["getdents64"]}
    opened = {d: v["opened"] for d, v in dirs.items() if v["opened"]}
    text = ("reads no directory of the store" if not listed else "reads " + ", ".join(
        f"{d}/ ({v['getdents64']} getdents64, {v['entries']} entries)" for d, v in sorted(listed.items())))
    return text + "; opens " + (", ".join(f"{n} in {d}/" for d, n in sorted(opened.items())) or "no store file")


# ---------------------------------------------------------------- one tool, one size
def run_phases(tool, cmd, store, server, corpus, size, args, tool_env, next_number):
    """The four phases on one store; returns {phase: [run, ...]} and the
    next message number to append."""
    view = StoreView(os.path.join(store, "INBOX"))
    results = {phase: [] for phase, _ in PHASES}

    def timed(phase, label, flagged_uids=None):
        settle(view.inbox, server.maildir)
        subprocess.run(["sync"])  # the previous run's writeback is not this run's cost
        seconds, rss, wire, code, out = measure(cmd, env=tool_env)
        run = {"seconds": round(seconds, 4), "rss_mib": round(rss, 1), "wire_bytes": wire, "exit": code}
        if code != 0:
            log(f"FAIL {tool} N={size:,} {label}: exit code {code}")
        if tool == "owl":
            try:
                summary = json.loads(out)
                run["owl"] = {k: summary["total"][k] for k in ("new", "flags_updated", "failed")}
                run["owl"]["recovered"] = [m["recovered"] for m in summary["mailboxes"] if m["recovered"]]
            except (ValueError, KeyError, TypeError):
                run["owl"] = None
        run["check"] = check(view, server, flagged_uids, f"{tool} N={size:,} {label}")
        results[phase].append(run)
        extra = f", owl says {run['owl']}" if tool == "owl" else ""
        log(f"{tool} N={size:,} {label}: {seconds:.2f} s, {rss:.1f} MiB, exit {code}, "
            f"{run['check']['files']} files / {run['check']['server']} on server"
            f"{'' if run['check']['ok'] else ' FAIL'}{extra}")

    timed("cold", "cold backup")
    for rep in range(args.reps):
        timed("nochange", f"no change #{rep + 1}")
    for rep in range(args.reps):
        server.append(corpus, range(next_number, next_number + BATCH))
        next_number += BATCH
        timed("new100", f"+100 new #{rep + 1}")
    seeded = sorted(server.snap_ids)
    step = max(size // BATCH, 1)
    for rep in range(args.reps):
        # 100 seeded UIDs spread over the mailbox, different ones each rep.
        offset = (rep * step) // max(args.reps, 1) + step // (2 * max(args.reps, 1))
        uids = sorted({seeded[(k * step + offset) % size] for k in range(BATCH)})
        server.flag(uids)
        timed("flags", f"+100 flags #{rep + 1}", flagged_uids=uids)
        landed = results["flags"][-1]["check"]
        log(f"  flag changes in {tool}'s file names: {landed['flag_changes_landed']}/{landed['flag_changes']}")
    return results, next_number


def kill_trials(cmd, store, server, corpus, args, tool_env, next_number, work):
    """See the module's docstring."""
    view = StoreView(os.path.join(store, "INBOX"))
    rng = random.Random(args.seed)
    trace_file = os.path.join(work, "strace.out")
    out = {"trials": []}

    server.append(corpus, range(next_number, next_number + BATCH))
    next_number += BATCH
    settle(view.inbox, server.maildir)
    subprocess.run(["sync"])
    seconds, _, _, code, _ = measure(cmd, env=tool_env)
    out["undisturbed_seconds"] = seconds
    log(f"kill trials: an undisturbed +100 run takes {seconds:.2f} s (exit {code})")
    check(view, server, label="kill trials, undisturbed run")

    server.append(corpus, range(next_number, next_number + BATCH))
    next_number += BATCH
    settle(view.inbox, server.maildir)
    code, dirs = straced(cmd, tool_env, store, trace_file)
    out["after_clean_finish"] = {"exit": code, "store_dirs": dirs, "check": check(view, server, label="after clean")}
    log(f"  +100 run after a clean finish: {describe_trace(dirs)}")

    for trial in range(args.kill_trials):
        server.append(corpus, range(next_number, next_number + BATCH))
        next_number += BATCH
        before = len(view.files())
        delay = rng.uniform(0, seconds)
        settle(view.inbox, server.maildir)
        subprocess.run(["sync"])
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=tool_env)
        try:
            time.sleep(delay)
            killed = proc.poll() is None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        after_kill = len(view.files())
        settle(view.inbox, server.maildir)
        code, dirs = straced(cmd, tool_env, store, trace_file)
        result = check(view, server, label=f"kill trial {trial + 1}")
        out["trials"].append({"kill_at": round(delay, 3), "killed": killed, "files_before": before,
                              "files_after_kill": after_kill, "files_after_rerun": result["files"],
                              "server": result["server"], "duplicates": result["duplicates"],
                              "missing": result["missing"], "extra": result["extra"], "ok": result["ok"],
                              "rerun_exit": code, "rerun_store_dirs": dirs})
        log(f"  trial {trial + 1}: kill at {delay:.2f} s{'' if killed else ' (had already finished)'}, "
            f"files {before} -> {after_kill} -> {result['files']} (server {result['server']}), "
            f"duplicates {result['duplicates']}, missing {result['missing']}{'' if result['ok'] else ' FAIL'}; "
            f"the run after it {describe_trace(dirs)}")
    return out, next_number


# ---------------------------------------------------------------- the server's floor
# A bare client's routine runs: what Dovecot itself costs for the same phase
# against the same server state, so a ratio can be split into owl's part and
# the server's. Two protocols for +100 new: owl's (STATUS first, so a
# mailbox that did not change costs one STATUS; then EXAMINE and the new
# bodies) and the shortest any client can send (EXAMINE, then the bodies;
# mbsync's order), because Dovecot charges them differently (see below).
FLOOR_PROTOCOLS = {
    "nochange": [("status", ["status"]), ("examine", ["examine"])],
    "new100": [("status_examine_fetch", ["status", "examine", "fetch"]), ("examine_fetch", ["examine", "fetch"])],
}


def bare_run(server, steps, first_uid):
    """Connects, logs in and sends `steps` (status: STATUS INBOX (UIDNEXT
    UIDVALIDITY HIGHESTMODSEQ MESSAGES); examine: EXAMINE INBOX; fetch: UID
    FETCH first_uid:* (BODY.PEEK[]), bodies counted and dropped); returns
    the wall seconds from the connect to the LOGOUT's answer, each step's,
    and how many bodies came."""
    times = {}
    bodies = 0
    start = time.monotonic()
    imap = server.connect()
    times["login"] = round(time.monotonic() - start, 4)
    try:
        for step in steps:
            t = time.monotonic()
            if step == "status":
                imap.status("INBOX", "(UIDNEXT UIDVALIDITY HIGHESTMODSEQ MESSAGES)")
            elif step == "examine":
                imap.select("INBOX", readonly=True)
            elif step == "fetch":
                typ, data = imap.uid("FETCH", f"{first_uid}:*", "(BODY.PEEK[])")
                bodies = sum(1 for item in data if isinstance(item, tuple))
            times[step] = round(time.monotonic() - t, 4)
    finally:
        imap.logout()
    return {"seconds": round(time.monotonic() - start, 4), "steps": times, "bodies": bodies}


def floor_phases(server, corpus, size, args, next_number):
    """The bare client's no-change and +100 runs, --reps of each protocol,
    on the server restored to the snapshot both tools started from. Each
    +100 run gets 100 messages of its own, appended just before it, as the
    tools' runs do."""
    out = {phase: {name: [] for name, _ in protocols} for phase, protocols in FLOOR_PROTOCOLS.items()}
    for rep in range(args.reps):
        for name, steps in FLOOR_PROTOCOLS["nochange"]:
            settle(server.maildir)
            run = bare_run(server, steps, None)
            out["nochange"][name].append(run)
            log(f"floor N={size:,} no change #{rep + 1} ({name}): {run['seconds']:.3f} s {run['steps']}")
    for rep in range(args.reps):
        for name, steps in FLOOR_PROTOCOLS["new100"]:
            first = server.status()["uidnext"]
            server.append(corpus, range(next_number, next_number + BATCH))
            next_number += BATCH
            settle(server.maildir)
            run = bare_run(server, steps, first)
            out["new100"][name].append(run)
            bad = "" if run["bodies"] == BATCH else f" FAIL: {run['bodies']} bodies, not {BATCH}"
            log(f"floor N={size:,} +100 new #{rep + 1} ({name}): {run['seconds']:.3f} s {run['steps']}{bad}")
    return out


def floor_line(floor, phase, name):
    runs = floor[phase][name]
    steps = " + ".join(f"{k} {statistics.median(r['steps'][k] for r in runs):.3f}" for k in runs[0]["steps"])
    return f"{fmt(med(runs), 0, 3)} s ({steps})"


# ---------------------------------------------------------------- Dovecot settings
def apply_dovecot_settings(env, settings):
    """Appends KEY=VALUE settings to the bench Dovecot's config and reloads
    it (new connections use them); returns the original config text."""
    conf = os.path.join(env["MAILTEST_DIR"], "dovecot", "etc", "dovecot.conf")
    with open(conf) as f:
        original = f.read()
    lines = []
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            sys.exit(f"--dovecot-setting: KEY=VALUE, not {setting!r}")
        lines.append(f"{key.strip()} = {value.strip()}")
    with open(conf, "a") as f:
        f.write("\n# bench/scale.py --dovecot-setting\n" + "\n".join(lines) + "\n")
    subprocess.run(["doveadm", "-c", conf, "reload"], check=True)
    for setting in settings:
        key = setting.partition("=")[0].strip()
        shown = subprocess.run(["doveconf", "-c", conf, "-h", key], capture_output=True, text=True)
        log(f"Dovecot setting for this run: {key} = {shown.stdout.strip() or shown.stderr.strip()}")
    time.sleep(1)  # the reload reaches the login processes
    return conf, original


# ---------------------------------------------------------------- report
def med(runs, key="seconds"):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(v, width, digits):
    return f"{v:{width}.{digits}f}" if v is not None else f"{'-':>{width}}"


def report(data):
    tools = data["meta"]["tools"]
    if data["meta"].get("dovecot_settings"):
        print(f"\nNOT the default server: Dovecot settings added for this run: "
              f"{', '.join(data['meta']['dovecot_settings'])}")
    for size, s in data["sizes"].items():
        print(f"\nN = {int(size):,} messages in INBOX ({s['corpus_bytes'] / 1e6:.0f} MB, "
              f"{s['corpus_bytes'] / int(size) / 1e3:.1f} KB each); medians of {data['meta']['reps']} "
              f"(cold: one run); wall seconds, peak RSS MiB, loopback kB")
        print(f"{'phase':12}" + "".join(f"{t:>32}" for t in tools))
        for phase, label in PHASES:
            row = f"{label:12}"
            for t in tools:
                runs = s["tools"].get(t, {}).get(phase, [])
                wire = med(runs, "wire_bytes")
                row += (f"{fmt(med(runs), 9, 3)} s {fmt(med(runs, 'rss_mib'), 6, 1)} MiB "
                        f"{fmt(wire / 1e3 if wire is not None else None, 6, 0)} kB")
            print(row)
        for t in tools:
            runs = [r for phase in s["tools"].get(t, {}).values() for r in phase]
            bad = [r for r in runs if not r["check"]["ok"] or r["exit"] != 0]
            flags = s["tools"].get(t, {}).get("flags", [])
            landed = sum(r["check"].get("flag_changes_landed", 0) for r in flags)
            wanted = sum(r["check"].get("flag_changes", 0) for r in flags)
            print(f"  {t}: {'FAIL: ' + str(len(bad)) + ' of ' if bad else 'all '}{len(runs)} runs "
                  f"{'wrong or failed' if bad else 'left the store equal to the server'}; "
                  f"flag changes in file names {landed}/{wanted}")
        floor = s.get("floor")
        if floor:
            print("  server floor (a bare imaplib client, same server state, bodies dropped; medians, "
                  "seconds from connect to LOGOUT):")
            print(f"    no change: STATUS {floor_line(floor, 'nochange', 'status')}; "
                  f"EXAMINE {floor_line(floor, 'nochange', 'examine')}")
            print(f"    +100 new : STATUS, EXAMINE, FETCH (owl's order) "
                  f"{floor_line(floor, 'new100', 'status_examine_fetch')}")
            print(f"               EXAMINE, FETCH (mbsync's order)      {floor_line(floor, 'new100', 'examine_fetch')}")
    sizes = sorted(data["sizes"], key=int)

    def phase_med(size, tool, phase):
        return med(data["sizes"][size]["tools"].get(tool, {}).get(phase, []))

    def ratio(a, b):
        return f"{a / b:.2f}x" if a is not None and b else "n/a"
    print("\nratios:")
    if len(sizes) > 1 and "owl" in tools:
        lo, hi = sizes[0], sizes[-1]
        for phase, label in PHASES[1:3]:
            print(f"  owl({int(hi):,}) / owl({int(lo):,}), {label:9}: "
                  f"{ratio(phase_med(hi, 'owl', phase), phase_med(lo, 'owl', phase))}   (1 = independent of size)")
    if "owl" in tools and "mbsync" in tools:
        hi = sizes[-1]
        for phase, label in PHASES[1:3]:
            print(f"  owl / mbsync at {int(hi):,}, {label:9}: "
                  f"{ratio(phase_med(hi, 'owl', phase), phase_med(hi, 'mbsync', phase))}   (below 1: owl faster)")
        print(f"  mbsync / owl at {int(hi):,}, cold backup: "
              f"{ratio(phase_med(hi, 'mbsync', 'cold'), phase_med(hi, 'owl', 'cold'))}   (above 1: owl faster)")
    floors = [size for size in sizes if data["sizes"][size].get("floor")]
    if len(floors) > 1:
        lo, hi = floors[0], floors[-1]

        def floor_med(size, phase, name):
            return med(data["sizes"][size]["floor"][phase][name])
        print(f"  server floor({int(hi):,}) / floor({int(lo):,}), +100 new, owl's order   : "
              f"{ratio(floor_med(hi, 'new100', 'status_examine_fetch'), floor_med(lo, 'new100', 'status_examine_fetch'))}")
        print(f"  server floor({int(hi):,}) / floor({int(lo):,}), +100 new, mbsync's order: "
              f"{ratio(floor_med(hi, 'new100', 'examine_fetch'), floor_med(lo, 'new100', 'examine_fetch'))}")
        if "owl" in tools:
            for size in (lo, hi):
                o = phase_med(size, "owl", "new100")
                f = floor_med(size, "new100", "status_examine_fetch")
                if o is not None and f is not None:
                    print(f"  owl minus the floor in owl's order at {int(size):,}, +100 new: {o - f:+.3f} s "
                          f"(owl {o:.3f} s, floor {f:.3f} s)")
    k = data.get("kill_trials")
    if k:
        print(f"\nkill trials (N={int(k['size']):,}, owl; an undisturbed +100 run: {k['undisturbed_seconds']:.2f} s):")
        print(f"  +100 run after a clean finish {describe_trace(k['after_clean_finish']['store_dirs'])}")
        for n, t in enumerate(k["trials"], 1):
            print(f"  {n}: kill at {t['kill_at']:.2f} s{'' if t['killed'] else ' (too late, had finished)'}: "
                  f"files {t['files_before']} -> {t['files_after_kill']} -> {t['files_after_rerun']} "
                  f"(server {t['server']}), duplicates {t['duplicates']}, missing {t['missing']}"
                  f"{'' if t['ok'] else '  FAIL'}; rerun {describe_trace(t['rerun_store_dirs'])}")


def compare(old, new):
    print(f"\ncompared with {old['meta'].get('owl_build', old['meta'].get('owl'))} "
          f"(old) -> {new['meta'].get('owl_build', new['meta'].get('owl'))} (new): median seconds")
    for size in sorted(set(old["sizes"]) & set(new["sizes"]), key=int):
        for tool in new["meta"]["tools"]:
            o, n = old["sizes"][size]["tools"].get(tool), new["sizes"][size]["tools"].get(tool)
            if not o or not n:
                continue
            cells = []
            for phase, label in PHASES:
                a, b = med(o.get(phase, [])), med(n.get(phase, []))
                cells.append(f"{label} {fmt(a, 0, 3)} -> {fmt(b, 0, 3)}" + (f" ({b / a:.2f}x)" if a and b else ""))
            print(f"  N={int(size):,} {tool}: " + "; ".join(cells))


# ---------------------------------------------------------------- main
def parse_sizes(text):
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        mult = {"k": 1000, "m": 1_000_000}.get(part[-1:], 1)
        sizes.append(int(part.rstrip("km")) * mult)
    return sorted(sizes)


def owl_build(owl):
    """What was measured: `owl --version` and, for a binary in a git
    checkout's target/, its commit (with + if the tree had changes)."""
    version = subprocess.run([owl, "--version"], capture_output=True, text=True).stdout.strip()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(owl))))
    rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if rev.returncode == 0:
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        version += f" ({rev.stdout.strip()}{'+' if dirty else ''} in {root})"
    return version


def owl_setup(args, env, cfg, tool_env):
    """Writes the owl config with compression off and checks with `owl
    check` that the build accepts it and did not compress."""
    owl_config(cfg, env, USER, PASSWORD, 4, compress=False)
    done = subprocess.run([args.owl, "-c", cfg, "check", "--json"], capture_output=True, text=True, env=tool_env)
    if done.returncode != 0 and "compress" in done.stderr:
        log("this owl build does not know `compress`: measuring it with its default")
        owl_config(cfg, env, USER, PASSWORD, 4)
        done = subprocess.run([args.owl, "-c", cfg, "check", "--json"], capture_output=True, text=True, env=tool_env)
    try:
        imap = json.loads(done.stdout)["services"][0]
    except (ValueError, KeyError, IndexError):
        log(f"owl check did not work ({done.returncode}), going on: {done.stderr[-2000:]}")
        return None
    caps = imap.get("capabilities", [])
    log(f"owl check: compression {imap.get('compression')}, CONDSTORE offered: {'CONDSTORE' in caps}")
    return {"compression": imap.get("compression"), "condstore": "CONDSTORE" in caps}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", required=True, help="the servers' env file (tests/support/mail-servers.sh)")
    ap.add_argument("--owl", default="target/release/owl", help="the owl binary to measure")
    ap.add_argument("--work", default="/var/tmp/owl-scale", help="scratch directory (stores, configs, results)")
    ap.add_argument("--sizes", default="20000,200000", help="messages in INBOX, e.g. 20000,200000,2000000")
    ap.add_argument("--tools", default="owl,mbsync")
    ap.add_argument("--reps", type=int, default=3, help="runs of each cheap phase (medians reported)")
    ap.add_argument("--fresh-fs", choices=["yes", "no"], default="yes",
                    help="each tool's store on a fresh loop-mounted ext4 (needs root)")
    ap.add_argument("--kill-trials", type=int, default=0, help="kill -9 trials on the largest size's owl store")
    ap.add_argument("--seed", type=int, default=1, help="for the kill moments")
    ap.add_argument("--out", help="JSON results (default: WORK/scale-DATE.json)")
    ap.add_argument("--compare", help="an earlier --out file to print next to this run")
    ap.add_argument("--floor", choices=["yes", "no"], default="yes",
                    help="time a bare imaplib client's no-change and +100 runs per size (the server's floor)")
    ap.add_argument("--dovecot-setting", action="append", default=[], metavar="KEY=VALUE",
                    help="NOT the default: a Dovecot setting for this whole run (repeatable), e.g. "
                         "maildir_very_dirty_syncs=yes; reported in the header and the JSON")
    args = ap.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the stores get unmounted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    sizes = parse_sizes(args.sizes)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if set(tools) - {"owl", "mbsync"}:
        sys.exit(f"--tools: owl and/or mbsync, not {args.tools}")
    args.owl = os.path.abspath(args.owl)
    env = read_env(args.env)
    maildir = os.path.join(env["MAILTEST_DIR"], "mail", USER, "Maildir")
    snap = maildir + ".snapshot"
    nobody = nobody_ids()
    os.makedirs(args.work, exist_ok=True)
    out_file = args.out or os.path.join(args.work, f"scale-{datetime.datetime.now():%Y%m%d-%H%M%S}.json")
    cfg = os.path.join(args.work, "cfg")
    os.makedirs(cfg, exist_ok=True)
    home = os.path.join(args.work, "home")
    os.makedirs(home, exist_ok=True)
    tool_env = dict(os.environ, HOME=home)
    owl_cfg = os.path.join(cfg, "owl.toml")
    runs_dir = os.path.join(args.work, "runs")
    shutil.rmtree(runs_dir, ignore_errors=True)
    os.makedirs(runs_dir)

    data = {"meta": {"date": datetime.datetime.now().isoformat(timespec="seconds"), "tools": tools,
                     "reps": args.reps, "fresh_fs": args.fresh_fs, "host": os.uname().nodename,
                     "cpus": os.cpu_count(), "owl": args.owl},
            "sizes": {}, "kill_trials": None}
    if args.kill_trials and "owl" not in tools:
        log("--kill-trials needs owl in --tools: no kill trials")
    if "owl" in tools:
        data["meta"]["owl_build"] = owl_build(args.owl)
        data["meta"]["owl_check"] = owl_setup(args, env, owl_cfg, tool_env)
        log(f"owl: {data['meta']['owl_build']}")
    data["meta"]["dovecot_settings"] = args.dovecot_setting
    dovecot_conf = apply_dovecot_settings(env, args.dovecot_setting) if args.dovecot_setting else None
    if "mbsync" in tools:
        data["meta"]["mbsync"] = subprocess.run(["mbsync", "--version"], capture_output=True, text=True).stdout.strip()

    def commands(tool, store):
        if tool == "owl":
            return [args.owl, "-c", owl_cfg, "fetch", "--into", f"maildir:{store}", "--json"]
        rc = store + ".mbsyncrc"
        mbsync_config(rc, env, store, USER, PASSWORD)
        return ["mbsync", "-c", rc, "-q", "-a"]

    server = Server(env, maildir)
    try:
        for size in sizes:
            check_disk(size, os.path.dirname(maildir), args.work)
            log(f"seeding {size:,} messages into INBOX ...")
            t = time.monotonic()
            shutil.rmtree(snap, ignore_errors=True)
            corpus_bytes, disk_bytes = seed_inbox(maildir, size, *nobody)
            log(f"  {time.monotonic() - t:.0f} s; {corpus_bytes / 1e6:.0f} MB ({disk_bytes / 1e6:.0f} MB on disk); "
                "warming Dovecot's index ...")
            t = time.monotonic()
            warm(env, USER, PASSWORD, ["INBOX"])
            server.ids = {}
            server.refresh()
            server.snapshot(snap)
            log(f"  {time.monotonic() - t:.0f} s; server: {server.snap_status}")
            if len(server.ids) != size:
                sys.exit(f"FAIL: Dovecot shows {len(server.ids)} messages, {size} were seeded")
            entry = data["sizes"][str(size)] = {"corpus_bytes": corpus_bytes, "server": server.snap_status,
                                                "tools": {}}
            # Stores for up to 2,000,000 files: the default 4 GB image has 262,144 inodes.
            stores = Stores(runs_dir, args.fresh_fs == "yes", image_bytes=max(4 << 30, size * 16384),
                            inodes=max(262144, int(size * 1.2) + 65536))
            for tool in tools:
                server.restore(snap)
                corpus = Corpus(seed=size)  # the appended messages: the same for every tool
                with stores.new(f"{tool}-{size}") as store:
                    cmd = commands(tool, store)
                    results, number = run_phases(tool, cmd, store, server, corpus, size, args, tool_env, size)
                    entry["tools"][tool] = results
                    if tool == "owl" and args.kill_trials and size == sizes[-1]:
                        k, _ = kill_trials(cmd, store, server, corpus, args, tool_env, number, args.work)
                        k["size"] = size
                        data["kill_trials"] = k
                with open(out_file, "w") as f:  # after every tool, so an interrupted run keeps what it measured
                    json.dump(data, f, indent=1)
            if args.floor == "yes":
                server.restore(snap)
                entry["floor"] = floor_phases(server, Corpus(seed=size), size, args, size)
                with open(out_file, "w") as f:
                    json.dump(data, f, indent=1)
    finally:
        shutil.rmtree(snap, ignore_errors=True)
        shutil.rmtree(runs_dir, ignore_errors=True)
        if dovecot_conf:
            with open(dovecot_conf[0], "w") as f:
                f.write(dovecot_conf[1])
            subprocess.run(["doveadm", "-c", dovecot_conf[0], "reload"])

    report(data)
    if args.compare:
        with open(args.compare) as f:
            compare(json.load(f), data)
    print(f"\nraw numbers: {out_file}")
    fails = [1 for s in data["sizes"].values() for t in s["tools"].values() for p in t.values() for r in p
             if not r["check"]["ok"] or r["exit"] != 0]
    if data["kill_trials"]:
        fails += [1 for t in data["kill_trials"]["trials"] if not t["ok"]]
    fails += [1 for s in data["sizes"].values() for r in s.get("floor", {}).get("new100", {}).values() for run in r
              if run["bodies"] != BATCH]
    if fails:
        print(f"FAIL: {len(fails)} runs left the store different from the server or failed (see above)")
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted (stores unmounted)")
