#!/usr/bin/env bash
# bench/fetch.sh: owl fetch against mbsync, getmail6 and fetchmail on a local Dovecot.
# Needs root on Debian (installs isync getmail6 fetchmail and the mail servers if missing).
#   bench/fetch.sh [--messages N] [--reps N] [--slow-tools no] ...   (options of bench/fetch.py)
# BENCH_DIR (default /var/tmp/owl-bench) holds the stores: put it on the disk you back up to.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/var/tmp/owl-bench}
SERVERS=/tmp/owl-bench-servers

missing=()
for p in isync getmail6 fetchmail time python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -q >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
fi
cargo build --release --quiet
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-23000} MAILTEST_USERS=2 WITH_POSTFIX=0 \
  tests/support/mail-servers.sh start "$SERVERS" > /dev/null
trap 'tests/support/mail-servers.sh stop "$SERVERS"' EXIT
python3 bench/fetch.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "$DIR" "$@"
