"""Helpers the bench scripts share: the servers' env file, the deterministic
corpus written straight into Dovecot's Maildir, tool configs (owl, mbsync),
measuring one run with GNU time, and fresh stores (a loop-mounted ext4 each).

fetch.py re-exports these names, so `from fetch import ...` in the older
scripts keeps working.
"""
import base64
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import time


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def read_env(path):
    """The servers' env file (tests/support/mail-servers.sh) as a dict."""
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def nobody_ids():
    """(uid, gid) of nobody, who owns the Dovecot mail the benches seed."""
    return (int(subprocess.check_output(["id", "-u", "nobody"])), int(subprocess.check_output(["id", "-g", "nobody"])))


# ---------------------------------------------------------------- corpus
def message(rng, i, kind):
    """One message with LF line ends, as Dovecot keeps it on disk."""
    words = ["mail", "backup", "server", "cron", "terminal", "owl", "report", "invoice", "meeting", "patch",
             "Grüße", "naïve", "日本語", "résumé"]
    subject = " ".join(rng.choice(words) for _ in range(rng.randint(2, 8)))
    head = (f"From: Sender {i % 97} <sender{i % 97}@example.org>\nTo: me@example.org\n"
            f"Subject: {subject} #{i}\nDate: Mon, 02 Nov 2026 {i % 24:02d}:{i % 60:02d}:00 +0000\n"
            f"Message-ID: <{i}.bench@example.org>\nMIME-Version: 1.0\n")
    def text(n_lines):
        return "".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + "\n"
                       for _ in range(n_lines))
    if kind == "small":
        body = text(rng.randint(20, 160))
        return (head + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body).encode()
    size = rng.randint(20_000, 160_000) if kind == "medium" else rng.randint(200_000, 500_000)
    blob = base64.encodebytes(rng.randbytes(size)).decode()
    return (head + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n"
            + text(rng.randint(5, 40)) + "--b\nContent-Type: application/octet-stream; name=data.bin\n"
            "Content-Transfer-Encoding: base64\n\n" + blob + "--b--\n").encode()


def seed_corpus(maildir, messages, mailboxes, uid, gid, small_only=False):
    """Writes the corpus straight into Dovecot's Maildir++ (fast, exact).
    The same seed always gives the same messages, so the first N of a
    larger corpus are a subset of it; small_only makes every message of
    the "small" kind (text, 1-10 KB)."""
    rng = random.Random(20261122)
    folders = ["INBOX"] + [f"Box{n:02d}" for n in range(1, mailboxes)]
    total = 0
    for i in range(messages):
        roll = rng.random()
        kind = "small" if roll < 0.85 or small_only else ("medium" if roll < 0.98 else "large")
        data = message(rng, i, kind)
        total += len(data)
        folder = folders[i % len(folders)]
        path = maildir if folder == "INBOX" else os.path.join(maildir, "." + folder)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        if folder != "INBOX":
            open(os.path.join(path, "maildirfolder"), "a").close()
        flags = ":2,S" if i % 3 else ":2,"
        with open(os.path.join(path, "cur", f"{1700000000 + i}.bench{i}.host{flags}"), "wb") as f:
            f.write(data)
    for root, dirs, files in os.walk(os.path.dirname(maildir)):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)
    return folders, total


def seed_huge(maildir, uid, gid, size):
    rng = random.Random(7)
    # The user's INBOX must exist too: a Maildir root without cur/new/tmp
    # makes some clients (mbsync) fail to open it.
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(os.path.dirname(maildir), sub), exist_ok=True)
    os.makedirs(os.path.join(maildir, "cur"), exist_ok=True)
    for sub in ("new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    path = os.path.join(maildir, "cur", "1700000000.huge.host:2,S")
    with open(path, "wb") as f:
        f.write(b"From: big@example.org\nSubject: 200 MB\nContent-Type: application/octet-stream\n"
                b"Content-Transfer-Encoding: base64\n\n")
        chunk = base64.encodebytes(rng.randbytes(3 * 1024 * 1024))
        written = 0
        while written < size:
            f.write(chunk)
            written += len(chunk)
    for root, dirs, files in os.walk(os.path.dirname(maildir)):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)


def warm(env, user, password, folders):
    """Lets Dovecot build its indexes and size caches before anything is timed."""
    import imaplib
    import ssl
    ctx = ssl.create_default_context(cafile=env["CA_FILE"])
    imap = imaplib.IMAP4_SSL("localhost", int(env["IMAPS_PORT"]), ssl_context=ctx)
    imap.login(user, password)
    for folder in folders:
        imap.select(folder, readonly=True)
        imap.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)")
    imap.logout()


# ---------------------------------------------------------------- measuring
def lo_bytes():
    with open("/sys/class/net/lo/statistics/rx_bytes") as f:
        return int(f.read())


def measure(cmd, env=None, timeout=None, cwd=None):
    """Runs cmd; returns (seconds, max RSS in MiB, loopback bytes, exit code, stdout), or None on timeout.

    Max RSS comes from GNU time: Linux keeps ru_maxrss across exec, so a
    child forked from this (large) Python process would inherit its mark.
    """
    rss_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"owl-bench-rss.{os.getpid()}")
    err_file = rss_file + ".err"
    before = lo_bytes()
    start = time.monotonic()
    with open(err_file, "wb") as err:
        try:
            done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, stdout=subprocess.PIPE,
                                  stderr=err, env=env, cwd=cwd, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    seconds = time.monotonic() - start
    wire = lo_bytes() - before
    with open(rss_file) as f:
        lines = [l for l in f.read().split() if l.isdigit()]
    rss = int(lines[-1]) / 1024.0 if lines else float("nan")
    if done.returncode != 0:
        with open(err_file, "rb") as f:
            log(f"{cmd[0]} exited {done.returncode}: {f.read().decode(errors='replace')[-2000:]}")
    return seconds, rss, wire, done.returncode, done.stdout


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- tools
def owl_config(path, env, user, password, connections, compress=None, host="localhost", port=None,
               ca_file=True):
    """An owl config for one account on the bench Dovecot. `compress`: None
    leaves the imap section's `compress` key out (owl's default), True/False
    write a TOML boolean, a string (e.g. "auto") a TOML string, passed through
    as is so an unknown value is owl's error. `port` defaults to the IMAPS
    port (a link relay's port instead); ca_file=False leaves `ca_file` out,
    so owl trusts the system roots (e.g. SSL_CERT_FILE); connections=None
    leaves `connections` out too."""
    if compress is None:
        extra = ""
    elif isinstance(compress, bool):
        extra = f"compress = {'true' if compress else 'false'}\n"
    else:
        extra = f'compress = "{compress}"\n'
    conns = "" if connections is None else f"connections = {connections}\n"
    ca = f'ca_file = "{env["CA_FILE"]}"\n' if ca_file else ""
    with open(path, "w") as f:
        f.write(f"""[accounts.bench]
default = true
user = "{user}"
password = "{password}"
{ca}[accounts.bench.imap]
host = "{host}"
port = {port or env['IMAPS_PORT']}
tls = "implicit"
{conns}{extra}""")
    os.chmod(path, 0o600)


def mbsync_config(path, env, store, user, password, patterns="*", port=None, account_extra=""):
    """An mbsync config pulling every mailbox (`patterns`) into a Maildir;
    `account_extra`: more IMAPAccount lines (e.g. DisableExtension)."""
    with open(path, "w") as f:
        f.write(f"""IMAPAccount bench
Host localhost
Port {port or env['IMAPS_PORT']}
User {user}
Pass {password}
SSLType IMAPS
CertificateFile {env['CA_FILE']}
{account_extra}

IMAPStore remote
Account bench

MaildirStore local
Path {store}/
Inbox {store}/INBOX
SubFolders Verbatim

Channel bench
Far :remote:
Near :local:
Patterns {patterns}
Create Near
Sync Pull
SyncState *
Expunge None
""")


def fresh(path, owner=None):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    if owner:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub))
        for root, dirs, _ in os.walk(path):
            os.chown(root, *owner)


class Stores:
    """Where each timed run writes: by default a fresh ext4 file system of
    its own (a loop-mounted image, journaled, as on a user's disk), so no run
    inherits another's deleted inodes or dirty journal and the order of runs
    does not matter; with --fresh-fs no, a new directory under --work."""

    def __init__(self, runs, fresh_fs, image_bytes=4 << 30, inodes=None):
        self.runs = runs
        self.fresh_fs = fresh_fs
        # The image is sparse: only what the run writes takes disk space.
        self.image_bytes = image_bytes
        self.inodes = inodes

    @contextlib.contextmanager
    def new(self, name, owner=None):
        if not self.fresh_fs:
            path = os.path.join(self.runs, name)
            fresh(path, owner)
            yield path
            return
        image, mount = os.path.join(self.runs, name + ".img"), os.path.join(self.runs, name)
        with open(image, "wb") as f:
            f.truncate(self.image_bytes)
        subprocess.run(["mkfs.ext4", "-q", "-F"] + (["-N", str(self.inodes)] if self.inodes else []) + [image],
                       check=True)
        os.makedirs(mount)
        subprocess.run(["mount", "-o", "loop", image, mount], check=True)
        try:
            path = os.path.join(mount, "store")
            fresh(path, owner)
            subprocess.run(["sync"])
            yield path
        finally:
            unmount(mount)
            os.rmdir(mount)
            os.remove(image)


def unmount(mount):
    """Unmounts a store, waiting a little for a tool that is still exiting
    (after Ctrl-C the kernel may not have closed its files yet); a lazy
    unmount as the last resort, so no mount outlives the benchmark."""
    for _ in range(20):
        if subprocess.run(["umount", mount], stderr=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.5)
    subprocess.run(["umount", "-l", mount], check=True)
