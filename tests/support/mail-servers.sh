#!/usr/bin/env bash
# mail-servers.sh start|stop DIR — throwaway REAL mail servers on loopback for owl's tests,
# benchmarks and the README quick start.
#
#   Dovecot 2.3: IMAP (STARTTLS), IMAPS, POP3 (STLS, APOP), POP3S, LMTP
#   Postfix 3.7: submission (STARTTLS required, AUTH via Dovecot) and submissions (implicit TLS);
#                mail for uN@anything goes to user uN, everything else to the sink user testuser2.
#
# Env (all optional): IMAP_PORT IMAPS_PORT POP3_PORT POP3S_PORT LMTP_PORT SMTP_PORT SMTPS_PORT
#   (default 20143 20993 20110 20995 20024 20587 20465, or MAILTEST_BASE_PORT + 143/993/...),
#   MAILTEST_USERS=N adds users u1..uN with password pw-uN (besides testuser/testpass and
#   testuser2/testpass2), WITH_POSTFIX=0 skips Postfix, MAILTEST_NO_INSTALL=1 never runs apt-get.
# Prints KEY=VALUE lines (also in DIR/env). Needs root: the daemons drop privileges themselves.
# Pitfalls this handles (see the project's tests/README section): Dovecot's master keeps its
# stderr open for ever, so daemons never inherit our stdout/stderr; 127.0.0.1 -> 127.0.0.1 counts
# as "secure" to Dovecot, so 127.0.0.2 is also served for real-world STARTTLS behaviour; DIR must
# be world-traversable; Postfix needs maillog_file_prefixes to match maillog_file.
set -euo pipefail

ACTION=${1:-}
DIR=${2:-${MAILTEST_DIR:-/tmp/owl-mail}}
log() { echo "[mail-servers] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stop() {
  [ -d "$DIR" ] || exit 0
  DIR=$(cd "$DIR" && pwd -P)
  local pids=() spec name f pid left
  for spec in "postfix:$DIR/postfix/spool/pid/master.pid" "dovecot:$DIR/dovecot/run/master.pid"; do
    name=${spec%%:*}; f=${spec#*:}
    [ -s "$f" ] || continue
    pid=$(tr -dc '0-9' < "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
    case "$(readlink "/proc/$pid/cwd")" in "$DIR"/*) ;; *) continue;; esac
    kill -TERM "$pid" && pids+=("$name:$pid")
  done
  for spec in "${pids[@]}"; do
    name=${spec%%:*}; pid=${spec#*:}
    for _ in $(seq 1 100); do
      left=$(ps -o pid= -s "$pid" 2>/dev/null | tr -s ' \n' ' ' || true)
      [ -z "${left// /}" ] && break
      sleep 0.1
    done
    if [ -n "${left// /}" ]; then for p in $left; do kill -KILL "$p" 2>/dev/null || true; done; fi
  done
  [ "${MAILTEST_CLEAN:-0}" = 1 ] && rm -rf "$DIR"
  exit 0
}

[ "$ACTION" = stop ] && stop
[ "$ACTION" = start ] || die "usage: $0 start|stop DIR"
[ "$(id -u)" = 0 ] || die "must run as root (Dovecot and Postfix masters drop privileges themselves)"

BASE=${MAILTEST_BASE_PORT:-20000}
IMAP_PORT=${IMAP_PORT:-$((BASE + 143))}; IMAPS_PORT=${IMAPS_PORT:-$((BASE + 993))}
POP3_PORT=${POP3_PORT:-$((BASE + 110))}; POP3S_PORT=${POP3S_PORT:-$((BASE + 995))}
LMTP_PORT=${LMTP_PORT:-$((BASE + 24))}
SMTP_PORT=${SMTP_PORT:-$((BASE + 587))}; SMTPS_PORT=${SMTPS_PORT:-$((BASE + 465))}
USERS=${MAILTEST_USERS:-0}
WITH_POSTFIX=${WITH_POSTFIX:-1}
MAIL_UID=$(id -u nobody); MAIL_GID=$(id -g nobody)

mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd -P)

# ---------------------------------------------------------------- packages
PKGS="dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd openssl"
[ "$WITH_POSTFIX" = 1 ] && PKGS="$PKGS postfix"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ "${MAILTEST_NO_INSTALL:-0}" = 1 ] && die "missing packages:$missing"
  log "installing:$missing"
  made_policy=""
  # Keep the packages' own services (ports 25/143/993...) from starting system-wide.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  inst() { apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold $missing >&2; }
  inst || { apt-get update -q >&2; inst; }
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$DIR"/{tls,dovecot/etc,dovecot/run,dovecot/state,log,mail}
chmod 755 "$DIR" "$DIR/dovecot" "$DIR/log" "$DIR/mail"

# ---------------------------------------------------------------- TLS: a CA and a leaf it signed
if [ ! -s "$DIR/tls/cert.pem" ]; then
  ( cd "$DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=owl test CA" -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout key.pem -out leaf.csr 2>/dev/null
    printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2,IP:::1' > leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile leaf.ext \
      -out cert.pem 2>/dev/null
    cat cert.pem ca.pem > fullchain.pem
    chmod 644 ca.pem cert.pem fullchain.pem; chmod 600 key.pem ca.key )
fi

# ---------------------------------------------------------------- Dovecot
PASSWD=$DIR/dovecot/etc/passwd
{
  echo "testuser:{PLAIN}testpass:$MAIL_UID:$MAIL_GID::$DIR/mail/testuser::"
  echo "testuser2:{PLAIN}testpass2:$MAIL_UID:$MAIL_GID::$DIR/mail/testuser2::"
  for i in $(seq 1 "$USERS"); do echo "u$i:{PLAIN}pw-u$i:$MAIL_UID:$MAIL_GID::$DIR/mail/u$i::"; done
} > "$PASSWD.tmp"
mv "$PASSWD.tmp" "$PASSWD"
chmod 644 "$PASSWD"   # read by the auth process (user dovecot)
for u in testuser testuser2 $(seq -f 'u%g' 1 "$USERS"); do mkdir -p "$DIR/mail/$u"; done
chown -R "$MAIL_UID:$MAIL_GID" "$DIR/mail"

cat > "$DIR/dovecot/etc/dovecot.conf" <<EOF
instance_name = owl-test-$IMAP_PORT
base_dir = $DIR/dovecot/run
state_dir = $DIR/dovecot/state
log_path = $DIR/log/dovecot.log
listen = 127.0.0.1, 127.0.0.2
protocols = imap pop3 lmtp
ssl = yes
ssl_cert = <$DIR/tls/cert.pem
ssl_key = <$DIR/tls/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login cram-md5 apop
disable_plaintext_auth = yes
auth_failure_delay = 0
auth_username_format = %Ln
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $PASSWD
}
userdb {
  driver = passwd-file
  args = username_format=%n $PASSWD
}
mail_location = maildir:~/Maildir
mail_fsync = never
mailbox_list_index = yes
mail_plugins = \$mail_plugins zlib notify
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = create
  }
  mailbox Drafts {
    special_use = \Drafts
  }
  mailbox Trash {
    special_use = \Trash
  }
  mailbox Junk {
    special_use = \Junk
  }
}
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib
  mail_max_userip_connections = 40
}
protocol lmtp {
  postmaster_address = postmaster@localhost
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = $POP3S_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = $([ "$WITH_POSTFIX" = 1 ] && echo postfix || echo root)
    group = $([ "$WITH_POSTFIX" = 1 ] && echo postfix || echo root)
  }
}
EOF
doveconf -c "$DIR/dovecot/etc/dovecot.conf" -n > "$DIR/dovecot/doveconf-n.txt" 2>"$DIR/log/doveconf.err" \
  || { cat "$DIR/log/doveconf.err" >&2; die "dovecot config invalid"; }

pidof_file() { [ -s "$1" ] && tr -dc '0-9' < "$1"; }
alive() { local p; p=$(pidof_file "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
          case "$(readlink "/proc/$p/cwd")" in "$DIR"/*) true;; *) false;; esac; }
port_free() { ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

setpriv --reuid "$MAIL_UID" --regid "$MAIL_GID" --clear-groups -- test -w "$DIR/mail/testuser" \
  || die "uid $MAIL_UID cannot write $DIR/mail: put DIR under a world-traversable path such as /tmp"
DPID=$DIR/dovecot/run/master.pid
if alive "$DPID"; then
  kill -HUP "$(pidof_file "$DPID")"
else
  for p in $IMAP_PORT $IMAPS_PORT $POP3_PORT $POP3S_PORT $LMTP_PORT; do
    port_free "$p" || die "port $p is already in use"
  done
  dovecot -c "$DIR/dovecot/etc/dovecot.conf" </dev/null >>"$DIR/log/dovecot.stderr" 2>&1 \
    || { cat "$DIR/log/dovecot.stderr" >&2; tail -20 "$DIR/log/dovecot.log" >&2 || true; die "dovecot failed to start"; }
fi

# ---------------------------------------------------------------- Postfix
if [ "$WITH_POSTFIX" = 1 ]; then
  PF=$DIR/postfix
  mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
  chown postfix:postfix "$PF/data"
  # uN@any-domain -> user uN; anything else -> the sink user testuser2.
  printf '%s\n' '/^(u[0-9]+)@/ ${1}@localhost' '/./ testuser2@localhost' > "$PF/etc/virtual"
  # Refusals on demand, for tests: @denied.example is refused for good,
  # @later.example for now.
  printf '%s\n' '/@denied\.example$/ REJECT 5.7.1 Relay access denied' \
    '/@later\.example$/ DEFER 4.7.1 Try again later' > "$PF/etc/recipient_access"
  cat > "$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $DIR/log/postfix.log
maillog_file_prefixes = $DIR/log
myhostname = mail.localhost
mydomain = localhost
myorigin = localhost
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP owl-test
biff = no
virtual_alias_maps = regexp:$PF/etc/virtual
virtual_alias_domains =
transport_maps = static:lmtp:inet:127.0.0.1:$LMTP_PORT
lmtp_host_lookup = native
smtp_host_lookup = native
disable_dns_lookups = yes
smtpd_tls_cert_file = $DIR/tls/fullchain.pem
smtpd_tls_key_file = $DIR/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DIR/dovecot/run/auth-postfix
broken_sasl_auth_clients = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = check_recipient_access regexp:$PF/etc/recipient_access, permit_sasl_authenticated, reject
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
anvil_rate_time_unit = 1s
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 30s
message_size_limit = 104857600
EOF
  cat > "$PF/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  PPID_FILE=$PF/spool/pid/master.pid
  if alive "$PPID_FILE"; then
    postfix -c "$PF/etc" reload </dev/null >>"$DIR/log/postfix.stderr" 2>&1 || true
  else
    for p in $SMTP_PORT $SMTPS_PORT; do port_free "$p" || die "port $p is already in use"; done
    postfix -c "$PF/etc" start </dev/null >>"$DIR/log/postfix.stderr" 2>&1 \
      || { cat "$DIR/log/postfix.stderr" >&2; tail -20 "$DIR/log/postfix.log" >&2 || true; die "postfix failed to start"; }
  fi
fi

# ---------------------------------------------------------------- wait for every greeting
specs=("$IMAP_PORT:* OK:plain" "$IMAPS_PORT:* OK:tls" "$POP3_PORT:+OK:plain" "$POP3S_PORT:+OK:tls" "$LMTP_PORT:220:plain")
[ "$WITH_POSTFIX" = 1 ] && specs+=("$SMTP_PORT:220:plain" "$SMTPS_PORT:220:tls")
python3 - "${specs[@]}" <<'PY' || die "servers did not come up; see $DIR/log/"
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
deadline = time.time() + 30
for spec in sys.argv[1:]:
    port, want, mode = spec.split(":")
    last = ""
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", int(port)), timeout=2)
            if mode == "tls":
                s = ctx.wrap_socket(s)
            last = s.makefile("rb").readline().decode(errors="replace").strip()
            s.close()
            if last.startswith(want):
                break
        except OSError as e:
            last = repr(e)
        if time.time() > deadline:
            sys.exit(f"port {port}: no greeting (last: {last})")
        time.sleep(0.05)
PY

{
  echo "MAILTEST_DIR=$DIR"
  echo "IMAP_PORT=$IMAP_PORT"; echo "IMAPS_PORT=$IMAPS_PORT"
  echo "POP3_PORT=$POP3_PORT"; echo "POP3S_PORT=$POP3S_PORT"; echo "LMTP_PORT=$LMTP_PORT"
  [ "$WITH_POSTFIX" = 1 ] && { echo "SMTP_PORT=$SMTP_PORT"; echo "SMTPS_PORT=$SMTPS_PORT"; }
  echo "CA_FILE=$DIR/tls/ca.pem"
  echo "CERT_FILE=$DIR/tls/cert.pem"
  echo "KEY_FILE=$DIR/tls/key.pem"
  echo "SINK_MAILDIR=$DIR/mail/testuser2/Maildir"
} > "$DIR/env.tmp"
mv "$DIR/env.tmp" "$DIR/env"
cat "$DIR/env"
