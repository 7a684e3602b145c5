#!/usr/bin/env bash
# try-owl.sh: build owl, start a throwaway Dovecot + Postfix on loopback
# (needs root and Debian; installs the packages if missing), put a few
# messages in a test mailbox, and run `owl check` and `owl list` against it.
# Afterwards: `export OWL_CONFIG=/tmp/owl-try/config.toml` and try any owl
# command; `tests/support/mail-servers.sh stop /tmp/owl-try` stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${OWL_TRY_DIR:-/tmp/owl-try}

cargo build --release --quiet
OWL=$PWD/target/release/owl
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-21000} tests/support/mail-servers.sh start "$DIR" > "$DIR.env"
# shellcheck disable=SC1090
. "$DIR.env"

cat > "$DIR/config.toml" <<TOML
[accounts.demo]
default = true
email = "testuser@example.org"
name = "Test User"
user = "testuser"
password = "testpass"
ca_file = "$CA_FILE"

[accounts.demo.imap]
host = "127.0.0.2"     # Dovecot demands STARTTLS here, as a real server would
port = $IMAP_PORT

[accounts.demo.smtp]
host = "127.0.0.1"
port = $SMTP_PORT

[accounts.demo.fetch]
into = "maildir:$DIR/backup"
TOML
chmod 600 "$DIR/config.toml"

# A few messages, once.
python3 - "$IMAPS_PORT" "$CA_FILE" <<'PY'
import imaplib, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
imap = imaplib.IMAP4_SSL("localhost", int(sys.argv[1]), ssl_context=ctx)
imap.login("testuser", "testpass")
if int(imap.select("INBOX")[1][0]) == 0:
    for i, (frm, subj) in enumerate([
        ("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="),
        ("Alice <alice@example.org>", "Lunch on Friday?"),
        ("Build bot <ci@example.org>", "Build #42 passed"),
    ]):
        msg = f"From: {frm}\r\nTo: testuser@example.org\r\nSubject: {subj}\r\nDate: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n\r\nHello {i}\r\n"
        imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), msg.encode())
imap.logout()
PY

export OWL_CONFIG=$DIR/config.toml
echo "\$ owl check"; "$OWL" check
echo; echo "\$ owl list"; "$OWL" list
echo; echo "\$ owl list INBOX"; "$OWL" list INBOX
echo
echo "Now: export OWL_CONFIG=$DIR/config.toml and try $OWL --help"
echo "Stop the servers: tests/support/mail-servers.sh stop $DIR"
