#!/usr/bin/env bash
# bench/scale.sh: how owl fetch's routine runs (cold, no change, +100 new, +100 flags)
# scale with the size of one mailbox, next to mbsync, on a local Dovecot over IMAPS.
# Needs root on Debian (installs isync, time, python3, strace and the mail servers if missing;
# mounts a loop ext4 per store). Arguments go to bench/scale.py, e.g.
#   bench/scale.sh                                       # 20,000 and 200,000 messages, owl and mbsync
#   bench/scale.sh --sizes 20000,200000,2000000          # 2M: about 2 x 17 GB of disk
#   bench/scale.sh --owl /work/wt/base/target/release/owl --tools owl   # an older build
#   bench/scale.sh --kill-trials 10                      # kill -9 trials on the largest size
#   bench/scale.sh --dovecot-setting maildir_very_dirty_syncs=yes   # NOT the default server, labelled
#   bench/scale.sh --floor no                            # without the bare client's floor runs
# Without --owl it builds and measures this checkout's target/release/owl.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=/tmp/owl-scale-servers
WORK=/var/tmp/owl-scale
build=1
prev=
for a in "$@"; do
  case "$a" in --owl|--owl=*) build=0;; esac
  case "$prev" in --work) WORK=$a;; esac
  case "$a" in --work=*) WORK=${a#--work=};; esac
  prev=$a
done

missing=()
for p in isync time python3 strace; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -q >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
fi
[ "$build" = 1 ] && cargo build --release --quiet

cleanup() {
  # scale.py unmounts its stores itself; this catches what a killed python left behind.
  findmnt -rn -o TARGET | grep -F "$WORK/runs/" | while read -r m; do umount "$m" || umount -l "$m"; done || true
  tests/support/mail-servers.sh stop "$SERVERS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Ports of their own, so the benchmark can run beside the tests and bench/fetch.sh.
MAILTEST_BASE_PORT=${MAILTEST_BASE_PORT:-24000} MAILTEST_USERS=1 WITH_POSTFIX=0 \
  tests/support/mail-servers.sh start "$SERVERS" > /dev/null
python3 bench/scale.py --env "$SERVERS/env" --owl "$PWD/target/release/owl" --work "$WORK" "$@"
