#!/usr/bin/env bash
# bench/pop3.sh: owl fetch over POP3 against fetchmail and getmail6 on a local Dovecot.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=/tmp/owl-bench-pop3-servers
for p in fetchmail getmail6 time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >&2
done
cargo build --release --quiet
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-28000} MAILTEST_USERS=2 WITH_POSTFIX=0 tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
python3 bench/pop3.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "${BENCH_DIR:-/var/tmp/owl-bench-pop3}" "$@"
