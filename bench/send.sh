#!/usr/bin/env bash
# bench/send.sh: 100 raw messages in one `owl send --raw` run against 100 msmtp runs,
# on a local Postfix (needs root on Debian; installs msmtp and the servers if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=/tmp/owl-bench-send-servers
dpkg-query -W -f='${Status}' msmtp 2>/dev/null | grep -q "install ok installed" \
  || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends msmtp >&2
cargo build --release --quiet
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-24000} MAILTEST_USERS=2 tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
python3 bench/send.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "${BENCH_DIR:-/var/tmp/owl-bench-send}" "$@"
