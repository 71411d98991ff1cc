#!/usr/bin/env bash
# scripts/mailservers.sh — run a real Dovecot and Postfix on 127.0.0.1 for
# Tributary's integration tests.
#
#   scripts/mailservers.sh start    # (re)create the state dir and start both
#   scripts/mailservers.sh stop     # stop both
#   scripts/mailservers.sh status   # show what runs and which ports answer
#
# Everything (configs, certificates, mailboxes, queue, logs) lives in
# ${TRIBUTARY_MAIL_DIR:-/tmp/tributary-mail}. The system's own Dovecot/Postfix
# (if any) are neither used nor touched, with one exception that Postfix
# itself forces on us: the private config directory has to be listed in
# alternate_config_directories of /etc/postfix/main.cf.
#
# Dovecot also listens for IMAPS on a second loopback address, 127.0.0.2
# port 14994, where it advertises neither CONDSTORE nor QRESYNC (before and after login): the
# same users and mailboxes as seen by a server without them
# (scripts/bench.sh scale, case imap-resync-plain). The usual ports are
# unchanged.
#
# After a successful start, $MAIL_DIR/env holds KEY=VALUE lines for the tests
# (ports, users, CA file, fingerprint of the untrusted certificate). It is
# written last, so its existence means "every port accepted a connection".
#
# Needs root (Dovecot and Postfix drop privileges themselves) and the Debian
# packages dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix openssl
# (scripts/deps.sh test installs them).

set -euo pipefail

MAIL_DIR="${TRIBUTARY_MAIL_DIR:-/tmp/tributary-mail}"
HOST=127.0.0.1

# TRIBUTARY_MAIL_PORT_OFFSET moves every port, so a second instance (with its
# own TRIBUTARY_MAIL_DIR) can run beside the usual one.
OFFSET="${TRIBUTARY_MAIL_PORT_OFFSET:-0}"
IMAP_PORT=$((14143 + OFFSET))
IMAPS_PORT=$((14993 + OFFSET))
POP3_PORT=$((14110 + OFFSET))
POP3S_PORT=$((14995 + OFFSET))
LMTP_PORT=$((14024 + OFFSET))
AUTH_PORT=$((14012 + OFFSET))
SUBMISSION_PORT=$((14587 + OFFSET))
SMTPS_PORT=$((14465 + OFFSET))
SMTPS_UNTRUSTED_PORT=$((14466 + OFFSET))
SUBMISSION_NOTLS_PORT=$((14588 + OFFSET))
SMTP_PLAIN_PORT=$((14025 + OFFSET))
# IMAPS without CONDSTORE/QRESYNC; a second address, because Dovecot 2.3
# chooses settings by local address (a "local" block), not by port. Linux
# routes all of 127.0.0.0/8 to the loopback device, so nothing needs
# configuring to listen there.
NOCONDSTORE_HOST=127.0.0.2
IMAPS_NOCONDSTORE_PORT=$((14994 + OFFSET))
# Dovecot's oauth2 passdb asks http://$HOST:$OAUTH_PORT/introspect whether a
# token is good (RFC 7662). Nothing here listens there: the OAuth2 tests start
# their own authorisation server (core/mailtest/oauthtest) on this port.
OAUTH_PORT=$((14480 + OFFSET))

ALL_PORTS=(
	"$IMAP_PORT" "$IMAPS_PORT" "$POP3_PORT" "$POP3S_PORT" "$LMTP_PORT" "$AUTH_PORT"
	"$SUBMISSION_PORT" "$SMTPS_PORT" "$SMTPS_UNTRUSTED_PORT" "$SUBMISSION_NOTLS_PORT"
	"$SMTP_PLAIN_PORT" "$NOCONDSTORE_HOST:$IMAPS_NOCONDSTORE_PORT"
)

# ALL_PORTS entries are ports on $HOST or HOST:PORT elsewhere.
# What a working server says first on each port ("tls" = implicit TLS: a
# completed handshake is the proof). A listening socket alone proves little:
# Postfix's master binds every port itself and only starts smtpd when a
# client connects, so a broken service still "accepts connections".
declare -A GREETING=(
	["$IMAP_PORT"]="* OK" ["$IMAPS_PORT"]=tls
	["$POP3_PORT"]="+OK" ["$POP3S_PORT"]=tls
	["$LMTP_PORT"]="220 " ["$AUTH_PORT"]="VERSION"
	["$SUBMISSION_PORT"]="220 " ["$SMTPS_PORT"]=tls ["$SMTPS_UNTRUSTED_PORT"]=tls
	["$SUBMISSION_NOTLS_PORT"]="220 " ["$SMTP_PLAIN_PORT"]="220 "
	["$NOCONDSTORE_HOST:$IMAPS_NOCONDSTORE_PORT"]=tls
)

# user:password, login name is the full address.
USERS=(
	"alice@example.test:alice-pass"
	"bob@example.test:bob-pass"
	"carol@example.test:carol-pass"
	"dave@example.test:dave-pass" # only the IMAP incremental test writes to dave
	"erin@example.test:erin-pass" # benchmarks only
	"frank@example.test:frank-pass" # crash test, POP3 (ui/cli/crash_test.go) only
	"grace@example.test:grace-pass" # crash test, IMAP (ui/cli/crash_test.go) only
	"heidi@example.test:heidi-pass" # journal replay after a kill (ui/cli/crash_test.go) only
	"bench@example.test:bench-pass" # scale benchmark, IMAP (scripts/bench.sh scale) only
	"benchpop@example.test:benchpop-pass" # scale benchmark, POP3 (scripts/bench.sh scale) only
	"ivan@example.test:ivan-pass" # drafts synced with Dovecot (ui/cli/realpeer_drafts_test.go) only
	"judy@example.test:judy-pass" # conversations across Inbox and Sent (ui/cli/realpeer_thread_test.go) only
	"mallory@example.test:mallory-pass" # rules against Dovecot (ui/cli/realpeer_rules_test.go) only
)

# Load test users (scripts/loadtest.sh, core/engine/load_test.go) only:
# load1..load20@example.test, password loadN-pass, each with LOAD_SEED
# messages written into its INBOX at start. They come after every other
# user, so USER1..USER13 in the env file keep their meaning.
LOAD_USERS="${TRIBUTARY_LOAD_USERS:-20}"
LOAD_SEED="${TRIBUTARY_LOAD_SEED:-100}"
for ((i = 1; i <= LOAD_USERS; i++)); do
	USERS+=("load$i@example.test:load$i-pass")
done

# Users who sign in with OAuth2 tokens only (Dovecot's oauth2 passdb): they
# have no password, and mail for them is delivered like anyone's.
OAUTH_USERS=(
	"oauth1@example.test" # ui/cli OAuth2 real-peer tests only
	"oauth2@example.test"
	"oauth3@example.test"
	"oauth4@example.test"
)

# Aliases (Postfix virtual_alias_maps): alias:target. Mail to an alias lands
# in the target's mailbox; the target answers from the alias (the identity
# tests). Authenticated users may send as any address here.
ALIASES=(
	"alias1@example.test:alice@example.test" # identities end-to-end (ui/cli) only
)

# Seconds to wait for all ports. Start normally takes 5-10 s; a machine busy
# compiling or fuzzing can triple that.
START_TIMEOUT="${TRIBUTARY_MAIL_START_TIMEOUT:-30}"
STOP_TIMEOUT=10  # seconds to wait for each daemon to exit

# Paths inside the state dir.
TLS_DIR="$MAIL_DIR/tls"
DOVECOT_CONF="$MAIL_DIR/dovecot.conf"
DOVECOT_RUN="$MAIL_DIR/dovecot-run"     # base_dir (sockets, master.pid)
DOVECOT_STATE="$MAIL_DIR/dovecot-state" # state_dir
DOVECOT_LOG="$MAIL_DIR/dovecot.log"
MAILBOXES="$MAIL_DIR/mail"              # homes: $MAILBOXES/<domain>/<user>/Maildir
PF_CONF="$MAIL_DIR/postfix"             # private config_directory
PF_QUEUE="$MAIL_DIR/postfix-queue"
PF_DATA="$MAIL_DIR/postfix-data"
PF_LOG="$MAIL_DIR/postfix.log"
ENV_FILE="$MAIL_DIR/env"
MARKER=".tributary-mailservers" # proves a dir is ours before start wipes it

log() { printf 'mailservers: %s\n' "$*"; }
die() {
	printf 'mailservers: ERROR: %s\n' "$*" >&2
	exit 1
}

need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		die "run as root (Dovecot and Postfix must start as root to drop privileges; try: sudo $0 ${1:-start})"
	fi
}

need_tools() {
	local missing=() t
	for t in dovecot doveconf postfix postconf openssl sha256sum; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	if [[ ! -x /usr/lib/dovecot/lmtp ]]; then missing+=("dovecot-lmtpd"); fi
	if [[ ! -x /usr/lib/dovecot/pop3 ]]; then missing+=("dovecot-pop3d"); fi
	if [[ ! -x /usr/lib/dovecot/imap ]]; then missing+=("dovecot-imapd"); fi
	if ((${#missing[@]})); then
		die "missing: ${missing[*]} — install with: scripts/deps.sh test"
	fi
	local u
	for u in mail dovecot dovenull postfix; do
		getent passwd "$u" >/dev/null || die "system user '$u' is missing (reinstall the dovecot/postfix packages)"
	done
}

# port_open PORT: true if something accepts TCP connections on HOST:PORT
# (PORT may be ADDRESS:PORT for another address than HOST).
# Uses bash's /dev/tcp so that no nc/ss is needed; timeout stops a hang.
port_open() {
	local host=$HOST port=$1
	if [[ $port == *:* ]]; then host=${port%:*} port=${port##*:}; fi
	# shellcheck disable=SC2016 # $0/$1 are expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

# port_ready PORT: true if the server on PORT (or ADDRESS:PORT) gives its
# normal greeting (or, for implicit TLS, completes a handshake).
port_ready() {
	local host=$HOST port=$1 want=${GREETING[$1]}
	if [[ $port == *:* ]]; then host=${port%:*} port=${port##*:}; fi
	if [[ $want == tls ]]; then
		timeout 5 openssl s_client -connect "$host:$port" -servername localhost \
			</dev/null >/dev/null 2>&1
	else
		# shellcheck disable=SC2016 # $0..$2 are expanded by the inner bash
		timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 4 line <&3 && [[ $line == "$2"* ]]' \
			"$host" "$port" "$want" 2>/dev/null
	fi
}

# pid_alive PID NAME: true if PID runs and its command name starts with NAME.
# The name check keeps us from signalling an unrelated process that reused a
# stale pid from an old pid file.
pid_alive() {
	local pid=$1 name=$2 comm
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[[ $comm == "$name"* ]]
}

dovecot_pid() {
	local pid
	pid=$(tr -d ' \n' 2>/dev/null <"$DOVECOT_RUN/master.pid") || return 1
	pid_alive "$pid" dovecot && echo "$pid"
}

postfix_pid() {
	local pid
	pid=$(tr -d ' \n' 2>/dev/null <"$PF_QUEUE/pid/master.pid") || return 1
	pid_alive "$pid" master && echo "$pid"
}

# wait_gone PID: wait up to STOP_TIMEOUT for PID to exit, then SIGKILL it.
wait_gone() {
	local pid=$1 i
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "pid $pid did not exit after ${STOP_TIMEOUT}s, sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	sleep 0.2
}

# ---------------------------------------------------------------- stop

stop_servers() {
	local pf_pid="" dc_pid=""
	pf_pid=$(postfix_pid) || pf_pid=""
	dc_pid=$(dovecot_pid) || dc_pid=""
	if [[ -z $pf_pid && -z $dc_pid ]]; then
		rm -f "$ENV_FILE"
		log "nothing running from $MAIL_DIR"
		return 0
	fi
	# Signal both first and then wait: each takes a second or more to wind
	# down its children, and waiting in parallel halves a restart.
	if [[ -n $pf_pid ]]; then
		log "stopping Postfix (master pid $pf_pid)"
		# postfix stop needs the config dir still listed in
		# alternate_config_directories; fall back to a plain SIGTERM, which
		# master handles the same way (it terminates its children).
		postfix -c "$PF_CONF" stop </dev/null >/dev/null 2>&1 || kill -TERM "$pf_pid" 2>/dev/null || true
	fi
	if [[ -n $dc_pid ]]; then
		log "stopping Dovecot (master pid $dc_pid)"
		# SIGTERM to the master makes it stop all its child processes.
		kill -TERM "$dc_pid" 2>/dev/null || true
	fi
	if [[ -n $pf_pid ]]; then wait_gone "$pf_pid"; fi
	if [[ -n $dc_pid ]]; then wait_gone "$dc_pid"; fi
	# The env file means "up and ready"; it must not outlive the servers.
	rm -f "$ENV_FILE"
	log "stopped (state kept in $MAIL_DIR until the next start)"
}

# ---------------------------------------------------------------- status

status_servers() {
	local pid rc=0 p up=() down=()
	if [[ $(id -u) -ne 0 ]]; then
		# The daemons write their pid files readable by root only.
		log "not root: cannot read the pid files, checking ports only"
	else
		if pid=$(dovecot_pid); then log "Dovecot running (pid $pid)"; else
			log "Dovecot not running"
			rc=1
		fi
		if pid=$(postfix_pid); then log "Postfix running (pid $pid)"; else
			log "Postfix not running"
			rc=1
		fi
	fi
	for p in "${ALL_PORTS[@]}"; do
		if port_ready "$p"; then up+=("$p"); else down+=("$p"); fi
	done
	log "ports answering: ${up[*]:-none}"
	if ((${#down[@]})); then
		log "ports NOT answering: ${down[*]}"
		rc=1
	fi
	if [[ -f $ENV_FILE ]]; then log "env file: $ENV_FILE"; else log "no env file (start has not completed)"; fi
	return "$rc"
}

# ---------------------------------------------------------------- start

make_certs() {
	mkdir -p "$TLS_DIR"
	chmod 0755 "$TLS_DIR"
	# A private openssl config so that the result does not depend on the
	# system openssl.cnf (whose v3_ca section would add its own extensions).
	cat >"$TLS_DIR/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:127.0.0.2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[untrusted_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
EOF
	local cnf="$TLS_DIR/openssl.cnf"
	# Test CA. Clients trust it through SSL_CERT_FILE=$TLS_DIR/ca.pem.
	openssl req -x509 -config "$cnf" -extensions ca_ext -newkey rsa:2048 -nodes \
		-keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" -days 3650 -sha256 \
		-subj "/O=Tributary tests/CN=Tributary Test CA" 2>/dev/null
	# Server certificate for localhost, 127.0.0.1 and 127.0.0.2 (the IMAPS
	# listener without CONDSTORE), signed by the CA. Go ignores the CN, so
	# the SAN is what matters.
	openssl req -new -config "$cnf" -newkey rsa:2048 -nodes \
		-keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" \
		-subj "/O=Tributary tests/CN=localhost" 2>/dev/null
	openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
		-set_serial "0x$(openssl rand -hex 12)" -days 825 -sha256 \
		-extfile "$cnf" -extensions server_ext -out "$TLS_DIR/server.pem" 2>/dev/null
	# A self-signed certificate for the same names that the CA did NOT sign:
	# a client that verifies must refuse it, one that pins its fingerprint
	# may accept it.
	openssl req -x509 -config "$cnf" -extensions untrusted_ext -newkey rsa:2048 -nodes \
		-keyout "$TLS_DIR/untrusted.key" -out "$TLS_DIR/untrusted.pem" -days 825 -sha256 \
		-subj "/O=Not the Tributary test CA/CN=localhost" 2>/dev/null
	rm -f "$TLS_DIR/server.csr"
	openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" >/dev/null ||
		die "generated server certificate does not verify against the test CA"
	if openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/untrusted.pem" >/dev/null 2>&1; then
		die "the untrusted certificate unexpectedly verifies against the test CA"
	fi
	# Keys: root only (both daemons read them before dropping privileges).
	chmod 0600 "$TLS_DIR"/*.key
	chmod 0644 "$TLS_DIR"/*.pem
	# SHA-256 of the DER encoding, lowercase hex, no colons.
	UNTRUSTED_FINGERPRINT=$(openssl x509 -in "$TLS_DIR/untrusted.pem" -outform DER | sha256sum | cut -d' ' -f1)
}

write_dovecot_conf() {
	mkdir -p "$DOVECOT_STATE" "$MAILBOXES"
	# Dovecot refuses to deliver as uid 0, so mailboxes belong to "mail" (uid 8).
	chown mail:mail "$MAILBOXES"
	chmod 0770 "$MAILBOXES"

	# passwd-file: user:{scheme}password:uid:gid:gecos:home:shell:extra
	local entry
	: >"$MAIL_DIR/dovecot-users"
	for entry in "${USERS[@]}"; do
		printf '%s:{PLAIN}%s::::::\n' "${entry%%:*}" "${entry#*:}" >>"$MAIL_DIR/dovecot-users"
	done
	# The auth process runs as the "dovecot" user and opens this file itself.
	chown root:dovecot "$MAIL_DIR/dovecot-users"
	chmod 0640 "$MAIL_DIR/dovecot-users"

	cat >"$MAIL_DIR/dovecot-oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = http://$HOST:$OAUTH_PORT/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
EOF
	chown root:dovecot "$MAIL_DIR/dovecot-oauth2.conf.ext"
	chmod 0640 "$MAIL_DIR/dovecot-oauth2.conf.ext"

	local dh="" NOCONDSTORE_CAPS
	NOCONDSTORE_CAPS="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY"
	NOCONDSTORE_CAPS+=" THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL"
	NOCONDSTORE_CAPS+=" CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1"
	NOCONDSTORE_CAPS+=" ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE"
	NOCONDSTORE_CAPS+=" SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
	if [[ -r /usr/share/dovecot/dh.pem ]]; then dh="ssl_dh = </usr/share/dovecot/dh.pem"; fi

	cat >"$DOVECOT_CONF" <<EOF
# Written by scripts/mailservers.sh — a private Dovecot for tests.
# Nothing from /etc/dovecot is included.
instance_name = tributary-test
# Name used in LMTP Received: headers and greetings (not the machine's name).
hostname = mail.example.test
base_dir = $DOVECOT_RUN
state_dir = $DOVECOT_STATE
log_path = $DOVECOT_LOG
info_log_path = $DOVECOT_LOG
debug_log_path = $DOVECOT_LOG

protocols = imap pop3 lmtp
listen = $HOST

ssl = yes
ssl_cert = <$TLS_DIR/server.pem
ssl_key = <$TLS_DIR/server.key
$dh

# Tests log in over plain IMAP/POP3 too (and check that clients which asked
# for STARTTLS do not). Dovecot 2.3 name of the setting.
disable_plaintext_auth = no
auth_mechanisms = plain login oauthbearer xoauth2
# Wrong-password tests should not wait the default 2 s per failure.
auth_failure_delay = 0
# Parallel tests open many connections per user from 127.0.0.1.
mail_max_userip_connections = 100

# No "mechanisms" here: a passdb limited to some is skipped for the user
# lookups LMTP does.
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $MAIL_DIR/dovecot-users
}
# Access tokens are checked by introspection at the test's OAuth2 server.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $MAIL_DIR/dovecot-oauth2.conf.ext
}
# allow_all_users: the OAuth2 users have no passdb entry to look up (Postfix's
# vmailbox decides who exists).
userdb {
  driver = static
  args = uid=mail gid=mail home=$MAILBOXES/%d/%n allow_all_users=yes
}
# The mail user has uid 8; the default floor is 500.
first_valid_uid = 8
last_valid_uid = 8
first_valid_gid = 8
last_valid_gid = 8

mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox INBOX {
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
}

pop3_uidl_format = %08Xu%08Xv

service imap-login {
  inet_listener imap {
    address = $HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $HOST
    port = $IMAPS_PORT
    ssl = yes
  }
  # Without CONDSTORE and QRESYNC: see "local $NOCONDSTORE_HOST" below.
  inet_listener imaps-nocondstore {
    address = $NOCONDSTORE_HOST
    port = $IMAPS_NOCONDSTORE_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = $HOST
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = $HOST
    port = $POP3S_PORT
    ssl = yes
  }
}
# Postfix delivers here (virtual_transport = lmtp:inet:...).
service lmtp {
  inet_listener lmtp {
    address = $HOST
    port = $LMTP_PORT
  }
}
# Postfix authenticates SMTP clients here (smtpd_sasl_type = dovecot).
service auth {
  inet_listener auth-postfix {
    address = $HOST
    port = $AUTH_PORT
  }
}

# Connections to $NOCONDSTORE_HOST see a server without CONDSTORE and
# QRESYNC (scripts/bench.sh scale, imap-resync-plain). Dovecot 2.3 cannot
# drop single capabilities, so this is its own post-login list (2.3.19)
# without those two; it is also the pre-login list here. bench.sh checks
# it against the usual listener's. rawlog_dir: a user's sessions here are
# recorded in dovecot.rawlog in their home (%h: Dovecot leaves ~ alone
# here) while that directory exists (Dovecot skips the rawlog when it does
# not), so that bench.sh can check the commands sent.
local $NOCONDSTORE_HOST {
  protocol imap {
    imap_capability = $NOCONDSTORE_CAPS
    rawlog_dir = %h/dovecot.rawlog
  }
}
EOF
	chmod 0644 "$DOVECOT_CONF"
	# Fail early and readably on a config error rather than a silent no-start.
	doveconf -c "$DOVECOT_CONF" -n >/dev/null || die "Dovecot rejects $DOVECOT_CONF (see above)"
}

# Postfix insists that a private config directory is listed in the default
# main.cf, otherwise "postfix -c DIR start" silently does nothing. Add ours
# once, keeping whatever is listed already.
register_postfix_dir() {
	local current entry entries=()
	# Debian's "No configuration" install (what deps.sh chooses) leaves no
	# main.cf at all; postconf -e needs one to edit.
	[[ -f /etc/postfix/main.cf ]] || : >/etc/postfix/main.cf
	current=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null || true)
	# Entries may be separated by commas and/or whitespace.
	read -ra entries <<<"${current//,/ }"
	for entry in "${entries[@]}"; do
		[[ $entry == "$PF_CONF" ]] && return 0
	done
	log "adding $PF_CONF to alternate_config_directories in /etc/postfix/main.cf"
	if [[ -n $current ]]; then
		postconf -c /etc/postfix -e "alternate_config_directories = $current, $PF_CONF"
	else
		postconf -c /etc/postfix -e "alternate_config_directories = $PF_CONF"
	fi
}

write_postfix_conf() {
	mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DATA"
	# The queue dir must be owned by root (postfix creates the sub-dirs with
	# the right owners on start); the data dir by the postfix user.
	chown root:root "$PF_CONF" "$PF_QUEUE"
	chmod 0755 "$PF_CONF" "$PF_QUEUE"
	chown postfix:postfix "$PF_DATA"
	chmod 0700 "$PF_DATA"

	# Only these addresses exist; others are rejected at RCPT time.
	local entry
	: >"$PF_CONF/vmailbox"
	for entry in "${USERS[@]}"; do
		printf '%s OK\n' "${entry%%:*}" >>"$PF_CONF/vmailbox"
	done
	for entry in "${OAUTH_USERS[@]}"; do
		printf '%s OK\n' "$entry" >>"$PF_CONF/vmailbox"
	done
	: >"$PF_CONF/valias"
	for entry in "${ALIASES[@]}"; do
		printf '%s %s\n' "${entry%%:*}" "${entry#*:}" >>"$PF_CONF/valias"
	done

	cat >"$PF_CONF/main.cf" <<EOF
# Written by scripts/mailservers.sh — a private Postfix for tests.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop

# No syslog here: without a maillog_file fatal errors are invisible. The
# prefix list lives in this file too, so the log may sit in the state dir.
maillog_file_prefixes = $MAIL_DIR
maillog_file = $PF_LOG

inet_interfaces = $HOST
inet_protocols = ipv4
myhostname = mail.example.test
mydomain = example.test
myorigin = \$mydomain
mynetworks = $HOST/32
# No DNS on test machines.
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
# Tests are about protocol behaviour, not about waiting for tarpits.
smtpd_error_sleep_time = 0
biff = no

# Nothing is delivered locally; example.test goes to Dovecot over LMTP.
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
virtual_mailbox_domains = example.test
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_alias_maps = texthash:$PF_CONF/valias
virtual_transport = lmtp:inet:$HOST:$LMTP_PORT
# Authenticated users may send anywhere, but nothing leaves this machine:
# such mail is accepted and discarded (no bounce lands in a test INBOX).
default_transport = discard:external delivery is disabled in the test instance
relay_transport = \$default_transport

# Relay only for authenticated clients; everyone may send to example.test
# (the plain port relies on that; the submission ports add their own rules).
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =

# SASL through Dovecot's auth service; enabled per service in master.cf.
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:$HOST:$AUTH_PORT
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous

# TLS material; off by default, switched on per service in master.cf.
smtpd_tls_cert_file = $TLS_DIR/server.pem
smtpd_tls_key_file = $TLS_DIR/server.key
smtpd_tls_security_level = none
smtpd_tls_loglevel = 1
smtp_tls_security_level = none
EOF

	# chroot is off everywhere ("n"): a chroot would need copies of
	# /etc/hosts, certificates and so on inside the queue directory.
	cat >"$PF_CONF/master.cf" <<EOF
# Written by scripts/mailservers.sh
# service type  private unpriv  chroot  wakeup  maxproc command + args
# Submission with STARTTLS, which is required before AUTH.
$HOST:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
# Submission over implicit TLS, certificate signed by the test CA.
$HOST:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
# Implicit TLS with a self-signed certificate the test CA did not sign.
$HOST:$SMTPS_UNTRUSTED_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps-untrusted
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_cert_file=$TLS_DIR/untrusted.pem
  -o smtpd_tls_key_file=$TLS_DIR/untrusted.key
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
# No TLS at all but AUTH offered in the clear: a client that demands
# STARTTLS must refuse to go on here.
$HOST:$SUBMISSION_NOTLS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission-notls
  -o smtpd_tls_security_level=none
  -o smtpd_tls_auth_only=no
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
# Plain SMTP, no AUTH, accepts mail for example.test (seeding mailboxes).
$HOST:$SMTP_PLAIN_PORT inet n - n - - smtpd
  -o syslog_name=postfix/plain
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
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	chmod 0644 "$PF_CONF/main.cf" "$PF_CONF/master.cf" "$PF_CONF/vmailbox" "$PF_CONF/valias"
	register_postfix_dir
}

# seed_load_mailboxes: LOAD_SEED small messages in each load user's INBOX,
# written straight into the Maildir before Dovecot starts (delivering them
# through LMTP would add seconds to every start). Each message differs
# (Message-ID and body name the user), so no two accounts share one.
seed_load_mailboxes() {
	local i j dir user
	for ((i = 1; i <= LOAD_USERS; i++)); do
		user="load$i"
		dir="$MAILBOXES/example.test/$user/Maildir"
		mkdir -p "$dir/cur" "$dir/new" "$dir/tmp"
		for ((j = 1; j <= LOAD_SEED; j++)); do
			printf 'From: Load Seed <seed@example.test>\r\nTo: %s@example.test\r\nSubject: seed %d of %s\r\nMessage-ID: <seed-%s-%d@example.test>\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n\r\nSeed message %d of %s, for the load test.\r\n%s\r\n' \
				"$user" "$j" "$user" "$user" "$j" "$j" "$user" \
				"A mail client earns trust by never losing a message and never leaking a password." \
				>"$dir/cur/1764579600.M$j.seed:2,"
		done
	done
	if ((LOAD_USERS > 0)); then
		chown -R mail:mail "$MAILBOXES/example.test"
	fi
}

make_postfix_queue() {
	local d
	install -d -o root -g root -m 0755 "$PF_QUEUE/pid"
	for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
		install -d -o postfix -g root -m 0700 "$PF_QUEUE/$d"
	done
	install -d -o postfix -g postdrop -m 0730 "$PF_QUEUE/maildrop"
	install -d -o postfix -g postdrop -m 0710 "$PF_QUEUE/public"
}

show_logs() {
	local f
	for f in "$DOVECOT_LOG" "$PF_LOG"; do
		if [[ -f $f ]]; then
			printf '\n----- last lines of %s -----\n' "$f" >&2
			tail -n 30 "$f" >&2
		else
			printf '\n----- %s does not exist -----\n' "$f" >&2
		fi
	done
}

fail_start() {
	printf 'mailservers: ERROR: %s\n' "$*" >&2
	show_logs
	# Do not leave a half-working set of servers behind for tests to trip
	# over; the configs and logs stay in $MAIL_DIR for a look.
	stop_servers >&2 || true
	printf 'mailservers: ERROR: start failed: %s (configs and logs kept in %s)\n' "$*" "$MAIL_DIR" >&2
	exit 1
}

write_env() {
	local tmp="$ENV_FILE.tmp"
	{
		echo "# written by scripts/mailservers.sh — KEY=VALUE lines for the integration tests"
		echo "MAIL_DIR=$MAIL_DIR"
		echo "CA_FILE=$TLS_DIR/ca.pem"
		echo "UNTRUSTED_FINGERPRINT=$UNTRUSTED_FINGERPRINT"
		echo "HOST=$HOST"
		echo "IMAP_PORT=$IMAP_PORT"
		echo "IMAPS_PORT=$IMAPS_PORT"
		echo "POP3_PORT=$POP3_PORT"
		echo "POP3S_PORT=$POP3S_PORT"
		echo "SUBMISSION_PORT=$SUBMISSION_PORT"
		echo "SMTPS_PORT=$SMTPS_PORT"
		echo "SMTPS_UNTRUSTED_PORT=$SMTPS_UNTRUSTED_PORT"
		echo "SUBMISSION_NOTLS_PORT=$SUBMISSION_NOTLS_PORT"
		echo "SMTP_PLAIN_PORT=$SMTP_PLAIN_PORT"
		echo "NOCONDSTORE_HOST=$NOCONDSTORE_HOST"
		echo "IMAPS_NOCONDSTORE_PORT=$IMAPS_NOCONDSTORE_PORT"
		echo "OAUTH_PORT=$OAUTH_PORT"
		local i=1 entry
		for entry in "${OAUTH_USERS[@]}"; do
			echo "OAUTH_USER$i=$entry"
			i=$((i + 1))
		done
		i=1
		for entry in "${ALIASES[@]}"; do
			echo "ALIAS$i=${entry%%:*}"
			echo "ALIAS${i}_TARGET=${entry#*:}"
			i=$((i + 1))
		done
		i=1
		for entry in "${USERS[@]}"; do
			echo "USER$i=${entry%%:*}"
			echo "PASS$i=${entry#*:}"
			i=$((i + 1))
		done
	} >"$tmp"
	chmod 0644 "$tmp"
	mv "$tmp" "$ENV_FILE"
}

start_servers() {
	local started=$SECONDS
	case "$MAIL_DIR" in
	/*) ;;
	*) die "TRIBUTARY_MAIL_DIR must be an absolute path (got '$MAIL_DIR')" ;;
	esac
	# Postfix parameter values are whitespace/comma separated lists.
	[[ $MAIL_DIR =~ [[:space:],] ]] && die "TRIBUTARY_MAIL_DIR must not contain spaces or commas"
	[[ $MAIL_DIR == / ]] && die "refusing to use / as TRIBUTARY_MAIL_DIR"

	# Start wipes the dir, so touch only what we made: TRIBUTARY_MAIL_DIR=$HOME
	# by mistake must not cost anyone their files.
	if [[ -d $MAIL_DIR && ! -f $MAIL_DIR/$MARKER ]] && [[ -n $(ls -A "$MAIL_DIR") ]] &&
		! grep -qs 'scripts/mailservers.sh' "$DOVECOT_CONF"; then
		die "$MAIL_DIR exists, is not empty and was not made by this script (no $MARKER); remove it or choose another TRIBUTARY_MAIL_DIR"
	fi

	# Idempotent-ish: whatever ran from this dir before goes away first.
	if [[ -d $MAIL_DIR ]]; then
		stop_servers
	fi

	# Ports still taken now belong to something else (another state dir, or
	# a non-test server): say who rather than fail obscurely later.
	local p busy=()
	for p in "${ALL_PORTS[@]}"; do
		if port_open "$p"; then busy+=("$p"); fi
	done
	if ((${#busy[@]})); then
		ss -ltnp 2>/dev/null | grep -E ":($(
			IFS='|'
			echo "${busy[*]}"
		))\b" >&2 || true
		die "ports already in use: ${busy[*]} (another instance? try TRIBUTARY_MAIL_DIR=<its dir> $0 stop)"
	fi

	rm -rf "$MAIL_DIR"
	mkdir -p "$MAIL_DIR"
	# Traversable by the unprivileged dovecot/dovenull/postfix/mail users.
	chmod 0755 "$MAIL_DIR"
	echo "state of scripts/mailservers.sh; wiped by its next start" >"$MAIL_DIR/$MARKER"

	log "generating certificates"
	make_certs
	log "writing configs in $MAIL_DIR"
	write_dovecot_conf
	write_postfix_conf
	log "seeding $LOAD_USERS load mailboxes with $LOAD_SEED messages each"
	seed_load_mailboxes

	# The daemons must not inherit our stdout/stderr: Dovecot's master keeps
	# the stderr it was started with, so a caller that reads our output
	# through a pipe (a test harness, "| tee") would never see EOF.
	local start_log="$MAIL_DIR/start.log"
	log "starting Dovecot"
	if ! dovecot -c "$DOVECOT_CONF" </dev/null >>"$start_log" 2>&1; then
		cat "$start_log" >&2
		fail_start "dovecot did not start"
	fi

	log "starting Postfix"
	# Postfix's own integrity check (post-install create-missing, postsuper,
	# permission scans) runs dozens of postconf processes: 1-3 s on an idle
	# machine, up to 20 s on a busy one. The queue is brand new, so make its
	# directories ourselves (owners as in /etc/postfix/postfix-files) and
	# let "quick-start" skip the check once. If start fails, run the check
	# to explain why.
	make_postfix_queue
	touch "$PF_QUEUE/quick-start"
	if ! postfix -c "$PF_CONF" start </dev/null >>"$start_log" 2>&1; then
		postfix -c "$PF_CONF" check </dev/null >>"$start_log" 2>&1 || true
		cat "$start_log" >&2
		fail_start "postfix did not start"
	fi

	log "waiting for ${#ALL_PORTS[@]} ports to greet (up to ${START_TIMEOUT}s)"
	local deadline=$((SECONDS + START_TIMEOUT)) waiting=("${ALL_PORTS[@]}") still
	while :; do
		still=()
		for p in "${waiting[@]}"; do
			port_ready "$p" || still+=("$p")
		done
		((${#still[@]} == 0)) && break
		waiting=("${still[@]}")
		if ((SECONDS >= deadline)); then
			fail_start "no proper greeting after ${START_TIMEOUT}s on ports: ${waiting[*]}"
		fi
		sleep 0.2
	done
	dovecot_pid >/dev/null || fail_start "Dovecot master is not running"
	postfix_pid >/dev/null || fail_start "Postfix master is not running"

	write_env
	log "ready in $((SECONDS - started))s; settings in $ENV_FILE"
	log "CA for clients: SSL_CERT_FILE=$TLS_DIR/ca.pem"
}

usage() {
	echo "usage: $0 start|stop|status   (state dir: \${TRIBUTARY_MAIL_DIR:-/tmp/tributary-mail})" >&2
	exit 2
}

main() {
	[[ $# -eq 1 ]] || usage
	case "$1" in
	start)
		need_root start
		need_tools
		start_servers
		;;
	stop)
		need_root stop
		stop_servers
		;;
	status)
		status_servers
		;;
	*) usage ;;
	esac
}

main "$@"
