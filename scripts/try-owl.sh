#!/usr/bin/env bash
# try-owl.sh: build owl, start a throwaway Dovecot + Postfix on loopback
# (needs root and Debian; installs the packages if missing), put a few
# messages in a test mailbox, and run `owl check` and `owl list` against it.
# The config has two accounts, demo (the default) and friend, so mail one
# sends the other shows up. At the end it prints the commands to try next;
# `tests/support/mail-servers.sh stop /tmp/owl-try` stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${OWL_TRY_DIR:-/tmp/owl-try}
step() { printf '\n== %s\n' "$*"; }

step "Building owl (cargo build --release: a few minutes the first time, seconds after)"
cargo build --release --quiet
OWL=$PWD/target/release/owl
echo "built $OWL"

BASE=${MAILTEST_BASE_PORT:-21000}
step "Starting Dovecot (IMAP, POP3) and Postfix (SMTP) on loopback, ports $BASE and up, in $DIR"
# MAILTEST_USERS=1: a second user, u1, for the friend account.
MAILTEST_USERS=1 MAILTEST_BASE_PORT=$BASE tests/support/mail-servers.sh start "$DIR" > "$DIR.env"
# shellcheck disable=SC1090
. "$DIR.env"

step "Writing $DIR/config.toml: accounts demo (testuser@example.org) and friend (u1@example.org)"
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

# A second mailbox to send to: mail to u1@example.org lands here (the
# servers deliver mail for other addresses, testuser@ included, to a sink).
[accounts.friend]
email = "u1@example.org"
name = "A Friend"
user = "u1"
password = "pw-u1"
ca_file = "$CA_FILE"

[accounts.friend.imap]
host = "127.0.0.1"
port = $IMAPS_PORT
tls = "implicit"       # TLS from the first byte (owl assumes it on 993 only)

[accounts.friend.smtp]
host = "127.0.0.1"
port = $SMTP_PORT
TOML
chmod 600 "$DIR/config.toml"

step "Putting three messages in demo's INBOX (once)"
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
step "owl check: TLS, the certificate, capabilities and login of each server"
echo "\$ owl check"; "$OWL" check
step "owl list: the mailboxes"
echo "\$ owl list"; "$OWL" list
step "owl list INBOX: the newest messages"
echo "\$ owl list INBOX"; "$OWL" list INBOX

step "Your turn. Paste these (the binary is $OWL):"
cat <<EOF
export OWL_CONFIG=$DIR/config.toml
# read a message; search the server
$OWL fetch INBOX 1
$OWL search from:alice
# back up into $DIR/backup, then read the backup offline
$OWL fetch
$OWL list --local maildir:$DIR/backup INBOX
# send to the friend account and see it arrive
$OWL send --to u1@example.org -s "Hello" --body "Hi from owl"
$OWL -a friend list INBOX
# watch for the next one; send it once idle says it is watching
$OWL -a friend idle --once --timeout 1m &
$OWL send --to u1@example.org -s "Second" --body "watched"
# JSON for scripts, its schema, and the manual
$OWL list INBOX --json | jq '.[0]'
$OWL schema list
man -l $PWD/man/owl.1
EOF
echo
echo "Stop the servers: tests/support/mail-servers.sh stop $DIR"
