#!/usr/bin/env bash
# bench/session.sh: cold runs against warm ones (through `owl session start`):
# `owl list INBOX -n 10` and loops of 50 `owl fetch INBOX UID --raw` and of 50
# `owl read INBOX UID --raw --peek`, on a local Dovecot (needs root on Debian).
# Over an emulated link, point owl at a relay in front of the IMAPS port:
# `bench/session.sh --port RELAY_PORT --rtt-ms 40` (the relay must forward to
# the IMAPS port this script prints); `bench/link.sh --sessions yes` does it
# all on its own links, with round trips counted by the relay.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=${SESSION_SERVERS:-/tmp/owl-bench-session-servers}  # SESSION_SERVERS, MAILTEST_BASE_PORT: beside another run
cargo build --release --quiet
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-24100} MAILTEST_USERS=2 tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
grep IMAPS_PORT "$SERVERS/env" >&2
python3 bench/session.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "${BENCH_DIR:-/var/tmp/owl-bench-session}" "$@"
