#!/usr/bin/env bash
# scripts/bench.sh — Tributary side by side with the standard Debian mail
# tools, against the same Dovecot and Postfix on loopback.
#
#   bash scripts/bench.sh            # build, seed, measure, print, write docs
#   bash scripts/bench.sh scale      # the cases of issue 10 at 20,000 messages
#
# Scenarios (each measured with hyperfine; medians, never single timings):
#   imap-full         tributary sync --once, fresh data dir   vs mbsync, fresh Maildir
#   imap-incremental  the same on an already-synced dir (nothing new)
#   pop3-full         tributary (leave on server), fresh dir  vs getmail6, fresh Maildir
#   pop3-incremental  the same on an already-fetched dir (nothing new)
#   smtp-send         M x "tributary send"                    vs M x msmtp (STARTTLS+AUTH)
#
# Every timing includes each program's process start-up, TLS handshake and
# login, because that is what a user (or cron) pays too.
#
# Settings (environment):
#   BENCH_MESSAGES=500   messages seeded into the benchmark mailbox (N)
#   BENCH_RUNS=5         hyperfine runs per command (at least 3)
#   BENCH_WARMUP=1       hyperfine warm-up runs per command (not counted)
#   BENCH_SEND=50        messages per SMTP run (M)
#   BENCH_DOC=FILE       where to write the results (default docs/BENCHMARKS.md;
#                        empty: do not write)
#   BENCH_KEEP=1         keep the work directory (configs, logs, hyperfine JSON)
#   BENCH_RESEED=1       empty and reseed the mailbox even if it holds N messages
#   BENCH_MAX_DISCARDS=10  getmail runs that may be dropped and repeated
#                        because of its child race (see bench_pop3)
#   TRIBUTARY_BIN=FILE   benchmark this binary instead of building the tree
#
# Settings of "scale" (IMAP initial sync and no-change resync, with and
# without CONDSTORE, against mbsync, POP3 against getmail6, the outbox
# against smtplib; alternating runs under /usr/bin/time, wall time, CPU
# and peak RSS; corpus of core/mailtest/corpus written straight into the
# Maildirs of bench@ and benchpop@example.test):
#   BENCH_SCALE_MESSAGES=20000       IMAP corpus size (100000 for the large case)
#   BENCH_SCALE_POP3_MESSAGES=2000   POP3 corpus size
#   BENCH_SCALE_RUNS=3               counted runs per tool (at least 3)
#   BENCH_SCALE_WARMUP=1             uncounted rounds first
#   BENCH_SCALE_OUTBOX_MESSAGES=500  messages queued for the outbox case
#   BENCH_SCALE_ONLY="imap-full imap-resync imap-resync-plain pop3-full smtp-outbox"
#                        which cases; imap-resync resyncs the stores of
#                        imap-full (so it runs imap-full too), with
#                        CONDSTORE; imap-resync-plain resyncs through
#                        Dovecot's IMAPS listener without CONDSTORE and
#                        QRESYNC (127.0.0.2), stores made by an initial
#                        sync through it (not counted)
#   BENCH_SCALE_DOC=FILE   where the results go (default docs/PERFORMANCE.md,
#                          between its markers; empty: print only)
#   TRIBUTARY_MAIL_DIR   state dir of scripts/mailservers.sh (default /tmp/tributary-mail)
#
# Needs the servers of scripts/mailservers.sh (with the fifth user, erin,
# which only this script uses), and the Debian packages hyperfine, isync,
# getmail6, msmtp, jq and curl. The mailbox is left seeded (and the servers
# running) at the end, so that the next run can skip seeding.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAIL_DIR="${TRIBUTARY_MAIL_DIR:-/tmp/tributary-mail}"
ENV_FILE="$MAIL_DIR/env"

N="${BENCH_MESSAGES:-500}"
RUNS="${BENCH_RUNS:-5}"
WARMUP="${BENCH_WARMUP:-1}"
M="${BENCH_SEND:-50}"
DOC="${BENCH_DOC-$ROOT/docs/BENCHMARKS.md}"
KEEP="${BENCH_KEEP:-0}"
BIN_GIVEN="${TRIBUTARY_BIN:-}"

BENCH_USER_EXPECTED=erin@example.test
SINK=sink@bench.invalid # Postfix accepts it from authenticated users and discards it

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: ERROR: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit "${1:-0}"
}

# ---------------------------------------------------------------- checks

check_settings() {
	local v env
	for v in N:BENCH_MESSAGES RUNS:BENCH_RUNS WARMUP:BENCH_WARMUP M:BENCH_SEND; do
		env=${v#*:}
		v=${v%%:*}
		[[ ${!v} =~ ^[0-9]+$ ]] || die "$env must be a whole number (got '${!v}')"
	done
	((N >= 1)) || die "BENCH_MESSAGES must be at least 1"
	((RUNS >= 3)) || die "BENCH_RUNS must be at least 3 (a median of fewer runs says little)"
	((M >= 1)) || die "BENCH_SEND must be at least 1"
	[[ $MAX_DISCARDS =~ ^[0-9]+$ ]] || die "BENCH_MAX_DISCARDS must be a whole number (got '$MAX_DISCARDS')"
}

check_tools() {
	local missing=() t pkg
	# tool:Debian package
	for t in hyperfine:hyperfine mbsync:isync getmail:getmail6 msmtp:msmtp jq:jq curl:curl \
		awk:mawk base64:coreutils openssl:openssl; do
		pkg=${t#*:}
		t=${t%%:*}
		command -v "$t" >/dev/null 2>&1 || missing+=("$t (Debian package $pkg)")
	done
	if [[ -z $BIN_GIVEN ]] && ! command -v go >/dev/null 2>&1; then
		missing+=("go (Go 1.26 or newer from https://go.dev/dl/, or set TRIBUTARY_BIN)")
	fi
	if ((${#missing[@]})); then
		printf 'bench: missing: %s\n' "${missing[@]}" >&2
		die "install them, e.g.: apt-get install -y hyperfine isync getmail6 msmtp jq curl"
	fi
}

port_open() {
	# shellcheck disable=SC2016 # $0/$1 are expanded by the inner bash
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# imap_count: number of messages in the benchmark INBOX, asked over IMAPS.
imap_count() {
	local out
	out=$(curl -sS --max-time 20 --cacert "$CA_FILE" -u "$BUSER:$BPASS" \
		"imaps://$HOST:$IMAPS_PORT" -X 'STATUS INBOX (MESSAGES)') || return 1
	[[ $out =~ MESSAGES\ ([0-9]+) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# imap_kib: size of the benchmark INBOX in KiB (STATUS=SIZE, RFC 8438).
imap_kib() {
	local out
	out=$(curl -sS --max-time 20 --cacert "$CA_FILE" -u "$BUSER:$BPASS" \
		"imaps://$HOST:$IMAPS_PORT" -X 'STATUS INBOX (SIZE)') || return 1
	[[ $out =~ SIZE\ ([0-9]+) ]] || return 1
	echo $((BASH_REMATCH[1] / 1024))
}

load_servers() {
	[[ -f $ENV_FILE ]] ||
		die "the mail servers are not running ($ENV_FILE is missing): start them with: sudo bash scripts/mailservers.sh start"
	local line key val
	while IFS= read -r line; do
		[[ $line =~ ^([A-Z0-9_]+)=(.*)$ ]] || continue
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[2]}
		case $key in
		HOST | CA_FILE | IMAPS_PORT | POP3S_PORT | SUBMISSION_PORT | SMTP_PLAIN_PORT | NOCONDSTORE_HOST | IMAPS_NOCONDSTORE_PORT | USER[0-9]* | PASS[0-9]*)
			printf -v "$key" '%s' "$val"
			;;
		esac
	done <"$ENV_FILE"
	local v
	for v in HOST CA_FILE IMAPS_PORT POP3S_PORT SUBMISSION_PORT SMTP_PLAIN_PORT; do
		[[ -n ${!v:-} ]] || die "$ENV_FILE has no $v (written by an older scripts/mailservers.sh? restart the servers)"
	done
	if [[ ${USER5:-} != "$BENCH_USER_EXPECTED" || -z ${PASS5:-} ]]; then
		die "$ENV_FILE has no benchmark user $BENCH_USER_EXPECTED (USER5): scripts/mailservers.sh must list it and the servers must be restarted (sudo bash scripts/mailservers.sh start)"
	fi
	BUSER=$USER5
	BPASS=$PASS5
	[[ -r $CA_FILE ]] || die "cannot read the test CA $CA_FILE"
	local p down=()
	for p in "$IMAPS_PORT" "$POP3S_PORT" "$SUBMISSION_PORT" "$SMTP_PLAIN_PORT"; do
		port_open "$p" || down+=("$p")
	done
	((${#down[@]} == 0)) ||
		die "the mail servers do not answer on $HOST port(s) ${down[*]}: (re)start them with: sudo bash scripts/mailservers.sh start"
	imap_count >/dev/null ||
		die "cannot log in as $BUSER over IMAPS ($HOST:$IMAPS_PORT): are the servers from $MAIL_DIR the ones running?"
}

# ---------------------------------------------------------------- work dir

WORK=""
cleanup() {
	local rc=$?
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $KEEP == 1 ]]; then
			log "work directory kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

setup_work() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	# hyperfine -N splits command lines on blanks; keep paths simple.
	[[ $WORK =~ ^[A-Za-z0-9/._-]+$ ]] || die "work directory '$WORK' has unusual characters; set TMPDIR to a plain path"
	mkdir -p "$WORK/bin" "$WORK/logs" "$WORK/json" "$WORK/seed"
}

# write_script NAME: body from stdin, made executable in $WORK/bin.
# Every script can call aside DIR...: it moves a previous run's target
# into $WORK/aside, which goes with the work directory at the end, instead
# of deleting it right before the next run. On ext4 without a journal (as
# on this machine) the inodes of tens of thousands of files just deleted
# are skipped for a minute or more when new files are created
# (recently_deleted in fs/ext4/ialloc.c), which made whichever tool ran
# after a deletion pay up to three times its system time.
write_script() {
	local f="$WORK/bin/$1"
	{
		echo '#!/usr/bin/env bash'
		echo 'set -euo pipefail'
		echo "aside() { local d; for d in \"\$@\"; do if [[ -e \$d ]]; then mkdir -p '$WORK/aside'; mv \"\$d\" '$WORK/aside/'\$(date +%s%N); fi; done; }"
		cat
	} >"$f"
	chmod 0700 "$f"
}

# ---------------------------------------------------------------- build

BIN=""
BIN_INFO=""
build_tributary() {
	if [[ -n $BIN_GIVEN ]]; then
		[[ -x $BIN_GIVEN ]] || die "TRIBUTARY_BIN=$BIN_GIVEN is not an executable file"
		BIN=$(cd "$(dirname "$BIN_GIVEN")" && pwd)/$(basename "$BIN_GIVEN")
		log "using the given binary $BIN (no build)"
	else
		BIN="$WORK/tributary"
		log "building tributary (cgo/Fyne: minutes when the build cache is cold)"
		if ! (cd "$ROOT" && go build -o "$BIN" .); then
			die "go build failed in $ROOT; to benchmark an existing binary, set TRIBUTARY_BIN=/path/to/tributary"
		fi
	fi
	# Which code was measured: the binary's VCS stamp if it has one (not
	# with GOFLAGS=-buildvcs=false), else, for a fresh build, the tree's.
	local rev="" modified=""
	if command -v go >/dev/null 2>&1; then
		rev=$(go version -m "$BIN" 2>/dev/null | awk '$2 == "vcs.revision" {print substr($3, 1, 12)}') || true
		modified=$(go version -m "$BIN" 2>/dev/null | awk '$2 == "vcs.modified" {print $3}') || true
	fi
	if [[ -z $rev && -z $BIN_GIVEN ]] && git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
		rev=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null) || rev=""
		if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
			modified=true
		fi
	fi
	if [[ -n $BIN_GIVEN ]]; then
		BIN_INFO="prebuilt binary $BIN_GIVEN"
		[[ -n $rev ]] && BIN_INFO+=", commit $rev"
	else
		BIN_INFO="built from the working tree at commit ${rev:-unknown}"
	fi
	[[ $modified == true ]] && BIN_INFO+=" with uncommitted changes"
	log "tributary: $BIN_INFO"
}

# ---------------------------------------------------------------- seeding

# text_body SEED BYTES: deterministic plain text of about BYTES bytes,
# lines of at most 72 characters.
text_body() {
	awk -v seed="$1" -v size="$2" 'BEGIN {
		n = split("mail account server inbox message folder river delta " \
			"tributary source retrieval schedule password sender reply forward " \
			"meeting report invoice quarter budget project release planning notes " \
			"the a of and to in is that for on with as was at by it from " \
			"alpha bravo charlie echo foxtrot golf hotel india juliet kilo lima " \
			"monday tuesday wednesday thursday friday weekend morning evening", w, " ")
		srand(seed)
		line = "token" seed; total = 0
		while (total < size) {
			word = w[int(rand() * n) + 1]
			if (length(line) + length(word) + 1 > 72) {
				print line; total += length(line) + 1; line = word
			} else {
				line = line " " word
			}
		}
		if (line != "") print line
	}'
}

# make_message I FILE: message I of N. Mostly 2-20 KB of text; every 50th
# (from the 25th) 200 KB-1 MB with a base64 attachment.
make_message() {
	local i=$1 f=$2 date text_size big=0 boundary
	date=$(date -u -R -d "@$((1767225600 + i * 60))")
	if ((i % 50 == 25)); then big=1; fi
	{
		printf 'From: Bench Seeder <seeder@example.test>\r\n'
		printf 'To: %s\r\n' "$BUSER"
		printf 'Subject: bench message %d of %d\r\n' "$i" "$N"
		printf 'Date: %s\r\n' "$date"
		printf 'Message-ID: <bench-%d-of-%d@seed.example.test>\r\n' "$i" "$N"
		printf 'MIME-Version: 1.0\r\n'
		if ((big)); then
			boundary="=_bench_$i"
			local target=$((200 * 1024 + (i * 7919 % 824) * 1024))
			printf 'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' "$boundary"
			printf -- '--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n' "$boundary"
			text_body "$i" 3000
			printf -- '--%s\r\n' "$boundary"
			printf 'Content-Type: application/octet-stream; name="data-%d.bin"\r\n' "$i"
			printf 'Content-Disposition: attachment; filename="data-%d.bin"\r\n' "$i"
			printf 'Content-Transfer-Encoding: base64\r\n\r\n'
			head -c $(((target - 4096) * 3 / 4)) /dev/urandom | base64 -w 76
			printf -- '--%s--\r\n' "$boundary"
		else
			text_size=$((2048 + (i * 2654435761) % 18432))
			printf 'Content-Type: text/plain; charset=us-ascii\r\n'
			printf 'Content-Transfer-Encoding: 7bit\r\n\r\n'
			text_body "$i" "$text_size"
		fi
	} >"$f"
}

reset_mailbox() {
	local have=$1
	((have > 0)) || return 0
	log "emptying $BUSER's INBOX ($have messages)"
	curl -sS --max-time 60 --cacert "$CA_FILE" -u "$BUSER:$BPASS" \
		"imaps://$HOST:$IMAPS_PORT/INBOX" -X 'STORE 1:* +FLAGS.SILENT (\Deleted)' >/dev/null ||
		die "could not flag the old messages in $BUSER's INBOX as deleted"
	# CLOSE expunges without an untagged line per message (curl counts
	# those as headers and gives up on a few hundred of them).
	curl -sS --max-time 60 --cacert "$CA_FILE" -u "$BUSER:$BPASS" \
		"imaps://$HOST:$IMAPS_PORT/INBOX" -X 'CLOSE' >/dev/null ||
		die "could not expunge $BUSER's INBOX (IMAP CLOSE)"
	have=$(imap_count) || die "IMAP STATUS failed after expunge"
	((have == 0)) || die "$BUSER's INBOX still has $have messages after expunge"
}

seed_mailbox() {
	local have
	have=$(imap_count) || die "IMAP STATUS failed"
	if ((have == N)) && [[ ${BENCH_RESEED:-0} != 1 ]]; then
		log "$BUSER's INBOX already holds $N messages: not reseeding (BENCH_RESEED=1 forces it)"
		return 0
	fi
	reset_mailbox "$have"

	local rc="$WORK/msmtprc-seed"
	cat >"$rc" <<EOF
defaults
auth off
tls off
account seed
host $HOST
port $SMTP_PLAIN_PORT
from seeder@example.test
EOF
	chmod 0600 "$rc"
	log "seeding $N messages into $BUSER by SMTP (port $SMTP_PLAIN_PORT)"
	local i f bytes=0 start=$SECONDS
	for ((i = 1; i <= N; i++)); do
		f="$WORK/seed/$i.eml"
		make_message "$i" "$f"
		bytes=$((bytes + $(stat -c %s "$f")))
		msmtp -C "$rc" -a seed -- "$BUSER" <"$f" || die "msmtp could not hand message $i to Postfix"
		rm -f "$f"
	done
	log "handed $N messages ($((bytes / 1024)) KiB) to Postfix in $((SECONDS - start)) s; waiting for delivery"
	local deadline=$((SECONDS + 60 + N / 5))
	while :; do
		have=$(imap_count) || have=-1
		((have == N)) && break
		((have > N)) && die "$BUSER's INBOX has $have messages, more than $N: does something else deliver to it?"
		((SECONDS < deadline)) || die "only $have of $N messages arrived (see $MAIL_DIR/postfix.log)"
		sleep 1
	done
	log "IMAP shows $N messages in $BUSER's INBOX"
}

# ---------------------------------------------------------------- helpers

show_logs() {
	local l
	for l in "$WORK"/logs/*.log; do
		[[ -s $l ]] || continue
		printf '\n----- last lines of %s -----\n' "$l" >&2
		tail -n 20 "$l" >&2
	done
}

# run_hyperfine ID NAME1 CMD1 PREP1 NAME2 CMD2 PREP2: runs both commands
# (PREP may be empty), saves $WORK/json/ID.json. The commands log to
# $WORK/logs; on a failure the logs are shown.
run_hyperfine() {
	local id=$1
	local args=(-N --style basic --runs "$RUNS" --warmup "$WARMUP" --export-json "$WORK/json/$id.json")
	shift
	local names=() cmds=() preps=() have_prep=0
	while (($#)); do
		names+=("$1")
		cmds+=("$2")
		preps+=("${3:-}")
		[[ -n ${3:-} ]] && have_prep=1
		shift 3
	done
	local i
	for i in "${!names[@]}"; do
		args+=(--command-name "${names[$i]}")
		if ((have_prep)); then
			# One --prepare per command (hyperfine pairs them in order).
			args+=(--prepare "${preps[$i]:-true}")
		fi
	done
	echo >&2
	log "== $id: ${names[*]} ($RUNS runs + $WARMUP warm-up each)"
	if ! hyperfine "${args[@]}" "${cmds[@]}" >&2; then
		show_logs
		die "hyperfine failed in scenario $id"
	fi
}

# Runs of a tool that failed in a known way that has nothing to do with
# speed, and were dropped and repeated (see run_singly).
declare -A DISCARDED=()
MAX_DISCARDS="${BENCH_MAX_DISCARDS:-10}"

# matches FILE PATTERN: how many lines of FILE match (0 if there is no FILE).
matches() {
	local n
	n=$(grep -c -- "$2" "$1" 2>/dev/null) || true
	echo "${n:-0}"
}

# run_singly ID NAME CMD PREP LOG PATTERN: the runs of one command, one
# hyperfine call each (same -N and --prepare, so the same measurement). A
# run that fails while LOG gains a line matching PATTERN is dropped and
# repeated (at most BENCH_MAX_DISCARDS times); any other failure stops the
# script. Writes $WORK/json/ID.NAME.json in hyperfine's schema.
run_singly() {
	local id=$1 name=$2 cmd=$3 prep=$4 logf=$5 pattern=$6
	local one="$WORK/json/one.json" times=() warm=0 before code t
	echo >&2
	log "== $id: $name, run by run ($RUNS runs + $WARMUP warm-up)"
	while ((${#times[@]} < RUNS)); do
		before=$(matches "$logf" "$pattern")
		hyperfine -N --style none --runs 1 --ignore-failure --prepare "$prep" \
			--command-name "$name" --export-json "$one" "$cmd" >/dev/null 2>&1 ||
			die "hyperfine could not run $name"
		code=$(jq -r '.results[0].exit_codes[0]' "$one")
		if [[ $code != 0 ]]; then
			if (($(matches "$logf" "$pattern") > before)) &&
				((${DISCARDED[$id]:-0} < MAX_DISCARDS)); then
				DISCARDED[$id]=$((${DISCARDED[$id]:-0} + 1))
				log "WARNING: $name run failed with: $(grep -- "$pattern" "$logf" | tail -n 1); dropped, repeating it"
				continue
			fi
			show_logs
			die "$name failed (exit status $code) in scenario $id"
		fi
		if ((warm < WARMUP)); then
			warm=$((warm + 1))
			continue
		fi
		t=$(jq -r '.results[0].times[0]' "$one")
		times+=("$t")
		log "  $name run ${#times[@]}/$RUNS: $(fmt_time "$t")"
	done
	printf '%s\n' "${times[@]}" | jq -s --arg name "$name" '
		def median: sort | if length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		. as $t | (add / length) as $mean |
		{results: [{command: $name, mean: $mean,
			stddev: (if length > 1 then ((map((. - $mean) * (. - $mean)) | add) / (length - 1) | sqrt) else null end),
			median: median, min: min, max: max, times: $t, exit_codes: map(0)}]}' \
		>"$WORK/json/$id.$name.json"
}

# merge_json ID PART...: $WORK/json/ID.json from one-command result files.
merge_json() {
	local id=$1
	shift
	jq -s '{results: [.[].results[0]]}' "$@" >"$WORK/json/$id.json"
}

# median ID INDEX: median seconds of command INDEX in hyperfine JSON ID.
median() { jq -r ".results[$2].median" "$WORK/json/$1.json"; }

# maildir_count DIR: messages in a Maildir folder.
maildir_count() { find "$1/cur" "$1/new" -type f | wc -l; }

# trib_count DATADIR: messages in Tributary's unified inbox.
trib_count() {
	"$BIN" --data-dir "$1" inbox --json --limit 1000000 | jq length
}

expect_count() {
	local what=$1 got=$2 want=$3
	[[ $got == "$want" ]] || die "$what holds $got messages, expected $want"
	log "verified: $what holds $got messages"
}

# Results, one entry per scenario.
SC_ID=() SC_DESC=() SC_TOOL=() SC_DIV=()
record() { # ID DESCRIPTION TOOL DIVISOR
	SC_ID+=("$1")
	SC_DESC+=("$2")
	SC_TOOL+=("$3")
	SC_DIV+=("$4")
}

# trib_prep_script NAME DATADIR SOURCE-ARGS...: a script that makes a fresh
# data dir with one account (not timed).
trib_prep_script() {
	local name=$1 dir=$2
	shift 2
	write_script "$name" <<EOF
aside "$dir"
TRIBUTARY_SMTP_PASSWORD='$BPASS' TRIBUTARY_SOURCE_PASSWORD='$BPASS' \\
"$BIN" --data-dir "$dir" account add --name Bench --email "$BUSER" --display-name "Bench" \\
	--smtp-host "$HOST" --smtp-port "$SUBMISSION_PORT" --smtp-encryption starttls \\
	--password-store file $* >>"$WORK/logs/$name.log" 2>&1
EOF
}

# ---------------------------------------------------------------- IMAP

# setup_mbsync DIR NAME [HOST PORT CERTFILE]: an mbsyncrc for the benchmark
# user in DIR, and the scripts prep-NAME (a fresh Maildir) and sync-NAME
# (one mbsync run). The server is localhost:IMAPS_PORT unless given.
setup_mbsync() {
	local md=$1 name=$2 server=${3:-localhost} port=${4:-$IMAPS_PORT} certs=${5:-$CA_FILE}
	mkdir -p "$md"
	# mbsync 1.4 matches only DNS names in the certificate, not its IP
	# address SAN, so it connects by the name the test certificate carries.
	cat >"$md/mbsyncrc" <<EOF
IMAPAccount bench
Host $server
Port $port
User $BUSER
Pass "$BPASS"
SSLType IMAPS
CertificateFile $certs

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path $md/mail/
Inbox $md/mail/INBOX
SubFolders Verbatim

Channel bench
Far :bench-far:
Near :bench-near:
Patterns *
Create Near
Sync Pull
SyncState *
EOF
	chmod 0600 "$md/mbsyncrc"
	write_script "prep-$name" <<EOF
aside "$md/mail"
mkdir -p "$md/mail"
EOF
	write_script "sync-$name" <<EOF
exec mbsync -q -c "$md/mbsyncrc" -a >>"$WORK/logs/sync-$name.log" 2>&1
EOF
}

bench_imap() {
	local td="$WORK/trib-imap" md="$WORK/mbsync"
	trib_prep_script prep-trib-imap "$td" \
		--source-protocol imap --source-host "$HOST" --source-port "$IMAPS_PORT" \
		--source-encryption ssl --retrieval manual
	write_script sync-trib-imap <<EOF
exec "$BIN" --data-dir "$td" sync --once >>"$WORK/logs/sync-trib-imap.log" 2>&1
EOF

	setup_mbsync "$md" mbsync

	run_hyperfine imap-full \
		tributary "$WORK/bin/sync-trib-imap" "$WORK/bin/prep-trib-imap" \
		mbsync "$WORK/bin/sync-mbsync" "$WORK/bin/prep-mbsync"
	record imap-full "IMAP full fetch ($N msgs, fresh dir)" mbsync 1
	expect_count "tributary's inbox after an IMAP full fetch" "$(trib_count "$td")" "$N"
	expect_count "mbsync's INBOX Maildir after a full fetch" "$(maildir_count "$md/mail/INBOX")" "$N"

	# Incremental: the dirs left by the last full run are in sync.
	run_hyperfine imap-incremental \
		tributary "$WORK/bin/sync-trib-imap" "" \
		mbsync "$WORK/bin/sync-mbsync" ""
	record imap-incremental "IMAP incremental (nothing new)" mbsync 1
	expect_count "tributary's inbox after incremental syncs" "$(trib_count "$td")" "$N"
	expect_count "mbsync's INBOX Maildir after incremental syncs" "$(maildir_count "$md/mail/INBOX")" "$N"
}

# ---------------------------------------------------------------- POP3

# setup_getmail DIR NAME: a getmailrc for the benchmark user in DIR, and
# the scripts prep-NAME (fresh oldmail state and Maildir) and sync-NAME
# (one getmail run).
setup_getmail() {
	local gd=$1 name=$2
	mkdir -p "$gd"
	# getmail refuses to deliver as root; it always forks a child for each
	# Maildir delivery and, given "user", that child drops to it. So as
	# root it delivers as nobody into a Maildir nobody owns.
	local gm_user="" gm_user_line="" gm_chown=""
	if ((EUID == 0)); then
		gm_user=nobody
		getent passwd "$gm_user" >/dev/null || die "running as root, getmail needs an unprivileged user to deliver as, and '$gm_user' does not exist"
		gm_user_line="user = $gm_user"
		gm_chown="chown -R $gm_user \"$gd/Maildir\""
		chmod 0711 "$WORK" "$gd"
	fi
	cat >"$gd/getmailrc" <<EOF
[retriever]
type = SimplePOP3SSLRetriever
server = $HOST
port = $POP3S_PORT
username = $BUSER
password = $BPASS
ca_certs = $CA_FILE
# Also how long getmail waits for its delivery child (see run_singly).
timeout = 30

[destination]
type = Maildir
path = $gd/Maildir/
$gm_user_line

[options]
delete = false
read_all = false
verbose = 0
message_log_syslog = false
EOF
	chmod 0600 "$gd/getmailrc"
	write_script "prep-$name" <<EOF
aside "$gd/state" "$gd/Maildir"
mkdir -p "$gd/state" "$gd/Maildir/cur" "$gd/Maildir/new" "$gd/Maildir/tmp"
$gm_chown
EOF
	write_script "sync-$name" <<EOF
exec getmail --getmaildir="$gd/state" --rcfile="$gd/getmailrc" --quiet >>"$WORK/logs/sync-$name.log" 2>&1
EOF
}

bench_pop3() {
	local td="$WORK/trib-pop3" gd="$WORK/getmail"
	trib_prep_script prep-trib-pop3 "$td" \
		--source-protocol pop3 --source-host "$HOST" --source-port "$POP3S_PORT" \
		--source-encryption ssl --retrieval manual --leave-on-server=true
	write_script sync-trib-pop3 <<EOF
exec "$BIN" --data-dir "$td" sync --once >>"$WORK/logs/sync-trib-pop3.log" 2>&1
EOF

	setup_getmail "$gd" getmail

	# getmail 6.18 forks a child per delivered message and installs its
	# SIGCHLD handler only after fork(): when the child exits first, the
	# parent waits out its timeout and fails ("waiting child pid N timed
	# out"; getmail6 issue #226). On a busy machine that hits a sizeable
	# share of runs of N deliveries, so getmail's runs go one by one and a
	# run that hit it is dropped and repeated (and counted in the results).
	run_hyperfine pop3-full.tributary \
		tributary "$WORK/bin/sync-trib-pop3" "$WORK/bin/prep-trib-pop3"
	run_singly pop3-full getmail "$WORK/bin/sync-getmail" "$WORK/bin/prep-getmail" \
		"$WORK/logs/sync-getmail.log" "waiting child pid .* timed out"
	merge_json pop3-full "$WORK/json/pop3-full.tributary.json" "$WORK/json/pop3-full.getmail.json"
	record pop3-full "POP3 full fetch ($N msgs, leave on server)" getmail 1
	expect_count "tributary's inbox after a POP3 full fetch" "$(trib_count "$td")" "$N"
	expect_count "getmail's Maildir after a full fetch" "$(maildir_count "$gd/Maildir")" "$N"

	# Incremental: both remember the UIDLs they have (Tributary in SQLite,
	# getmail in its oldmail file), so nothing is downloaded again.
	run_hyperfine pop3-incremental \
		tributary "$WORK/bin/sync-trib-pop3" "" \
		getmail "$WORK/bin/sync-getmail" ""
	record pop3-incremental "POP3 incremental (nothing new)" getmail 1
	expect_count "tributary's inbox after incremental POP3 syncs" "$(trib_count "$td")" "$N"
	expect_count "getmail's Maildir after incremental syncs" "$(maildir_count "$gd/Maildir")" "$N"
	local have
	have=$(imap_count) || die "IMAP STATUS failed"
	expect_count "$BUSER's INBOX on the server after POP3 (leave on server)" "$have" "$N"
}

# ---------------------------------------------------------------- SMTP

bench_smtp() {
	local td="$WORK/trib-send" sd="$WORK/msmtp" body="$WORK/body-10k.txt"
	text_body 4242 10240 >"$body"

	# An account without a retrieval source: sending only, no IMAP APPEND
	# to Sent (msmtp does none either).
	trib_prep_script prep-trib-send "$td"
	"$WORK/bin/prep-trib-send" || die "could not add the sending account (see $WORK/logs/prep-trib-send.log)"
	write_script send-trib <<EOF
for ((i = 1; i <= $M; i++)); do
	"$BIN" --data-dir "$td" send --from Bench --to "$SINK" --subject "bench send \$i" \\
		--body-file "$body" >>"$WORK/logs/send-trib.log" 2>&1
done
EOF

	mkdir -p "$sd"
	cat >"$sd/msmtprc" <<EOF
defaults
tls on
tls_starttls on
tls_trust_file $CA_FILE
logfile $WORK/logs/msmtp-client.log

account bench
host $HOST
port $SUBMISSION_PORT
auth on
user $BUSER
password $BPASS
from $BUSER
EOF
	chmod 0600 "$sd/msmtprc"
	{
		printf 'From: Bench <%s>\n' "$BUSER"
		printf 'To: %s\n' "$SINK"
		printf 'Subject: bench send\n'
		printf 'Date: %s\n' "$(date -R)"
		printf 'Message-ID: <bench-send@seed.example.test>\n'
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
		cat "$body"
	} >"$sd/message.eml"
	write_script send-msmtp <<EOF
for ((i = 1; i <= $M; i++)); do
	msmtp -C "$sd/msmtprc" -a bench -- "$SINK" <"$sd/message.eml" >>"$WORK/logs/send-msmtp.log" 2>&1
done
EOF

	run_hyperfine smtp-send \
		tributary "$WORK/bin/send-trib" "" \
		msmtp "$WORK/bin/send-msmtp" ""
	record smtp-send "SMTP send, per message (10 KB, STARTTLS+AUTH; $M per run)" msmtp "$M"

	local want=$(((RUNS + WARMUP) * M)) sent
	sent=$("$BIN" --data-dir "$td" outbox --json | jq '[.[] | select(.state == "sent")] | length')
	expect_count "tributary's outbox (state sent)" "$sent" "$want"
	sent=$(grep -c 'exitcode=EX_OK' "$WORK/logs/msmtp-client.log" || true)
	expect_count "msmtp's log (exitcode=EX_OK)" "$sent" "$want"
}

# ---------------------------------------------------------------- report

fmt_time() { # seconds -> readable
	awk -v s="$1" 'BEGIN {
		if (s >= 1) printf "%.2f s", s
		else if (s >= 0.01) printf "%.0f ms", s * 1000
		else printf "%.1f ms", s * 1000
	}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# results_table FORMAT: "text" or "md".
results_table() {
	local fmt=$1 i id div t o
	if [[ $fmt == md ]]; then
		echo "| Scenario | Tributary (median) | Tool | Tool (median) | Ratio Tributary/tool | Tributary min–max | Tool min–max |"
		echo "|---|---:|---|---:|---:|---:|---:|"
	else
		printf '%-58s %12s  %-9s %12s  %7s\n' "Scenario" "Tributary" "Tool" "(median)" "Ratio"
		printf '%-58s %12s  %-9s %12s  %7s\n' "--------" "---------" "----" "--------" "-----"
	fi
	for i in "${!SC_ID[@]}"; do
		id=${SC_ID[$i]}
		div=${SC_DIV[$i]}
		t=$(awk -v x="$(median "$id" 0)" -v d="$div" 'BEGIN { print x / d }')
		o=$(awk -v x="$(median "$id" 1)" -v d="$div" 'BEGIN { print x / d }')
		if [[ $fmt == md ]]; then
			local tmin tmax omin omax
			tmin=$(jq -r ".results[0].min / $div" "$WORK/json/$id.json")
			tmax=$(jq -r ".results[0].max / $div" "$WORK/json/$id.json")
			omin=$(jq -r ".results[1].min / $div" "$WORK/json/$id.json")
			omax=$(jq -r ".results[1].max / $div" "$WORK/json/$id.json")
			printf '| %s | %s | %s | %s | **%s×** | %s – %s | %s – %s |\n' "${SC_DESC[$i]}" \
				"$(fmt_time "$t")" "${SC_TOOL[$i]}" "$(fmt_time "$o")" "$(ratio "$t" "$o")" \
				"$(fmt_time "$tmin")" "$(fmt_time "$tmax")" "$(fmt_time "$omin")" "$(fmt_time "$omax")"
		else
			printf '%-58s %12s  %-9s %12s  %6sx\n' "${SC_DESC[$i]}" "$(fmt_time "$t")" \
				"${SC_TOOL[$i]}" "$(fmt_time "$o")" "$(ratio "$t" "$o")"
		fi
	done
}

machine_line() {
	local model
	model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
	printf '%s CPU(s), %s, %s RAM, Linux %s' "$(nproc)" "${model:-unknown CPU}" \
		"$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)" "$(uname -r)"
	[[ -r /etc/debian_version ]] && printf ', Debian %s' "$(cat /etc/debian_version)"
	echo
}

versions_line() {
	printf 'mbsync %s, getmail %s, msmtp %s, hyperfine %s, Dovecot %s, Postfix %s' \
		"$(mbsync --version | awk '{print $2}')" \
		"$(getmail --version | awk '{print $2}')" \
		"$(msmtp --version | awk 'NR == 1 {print $3}')" \
		"$(hyperfine --version | awk '{print $2}')" \
		"$(dovecot --version 2>/dev/null | awk '{print $1}' || echo '?')" \
		"$(postconf -h mail_version 2>/dev/null || echo '?')"
	echo
}

raw_json() {
	local id
	for id in "${SC_ID[@]}"; do
		jq -c --arg id "$id" 'def r: . * 1e6 | round / 1e6;
			.results[] | {scenario: $id, command, median: (.median | r), mean: (.mean | r),
				stddev: (.stddev | r), min: (.min | r), max: (.max | r), times: [.times[] | r]}' \
			"$WORK/json/$id.json"
	done
}

# The part of the doc this script owns; the rest of the file is kept.
BEGIN_MARK='<!-- bench.sh results: begin (generated by scripts/bench.sh, do not edit by hand) -->'
END_MARK='<!-- bench.sh results: end -->'

results_block() {
	echo "$BEGIN_MARK"
	echo
	echo "## Latest results"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Machine: $(machine_line)"
	echo "- Load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Tributary: $BIN_INFO; $(go version 2>/dev/null | awk '{print $3}' || echo 'go ?')"
	echo "- Tools: $(versions_line)"
	echo "- N = $N messages seeded (mostly 2–20 KB text, every 50th from the 25th 200 KB–1 MB with a base64 attachment; $(awk -v k="$SEED_KIB" 'BEGIN { printf "%.1f", k / 1024 }') MiB in total as stored by Dovecot)"
	echo "- hyperfine: $RUNS runs per command after $WARMUP warm-up run(s); SMTP: $M messages per run, shown per message"
	echo
	results_table md
	echo
	echo "Ratio above 1 means Tributary took longer. Each fetched count was checked"
	echo "after the runs ($N in Tributary's inbox, in each Maildir, and still $N on"
	echo "the server after POP3); every send was checked as delivered to Postfix."
	local id
	for id in "${!DISCARDED[@]}"; do
		echo
		echo "Note: in $id, getmail ran run by run and ${DISCARDED[$id]} of its runs were dropped"
		echo "and repeated because it lost its delivery child (the SIGCHLD race of getmail6"
		echo "issue #226: it then waits out its timeout and fails). Only complete runs are counted."
	done
	echo
	echo "### Raw hyperfine results (seconds; SMTP times are for a whole run of $M sends)"
	echo
	echo '```json'
	raw_json
	echo '```'
	echo
	echo "$END_MARK"
}

doc_intro() {
	cat <<'EOF'
# Benchmarks

`scripts/bench.sh` runs Tributary's command line side by side with the standard
Debian tools against the same Dovecot and Postfix on loopback (the servers of
`scripts/mailservers.sh`, with a mailbox of its own, `erin@example.test`):

| Scenario | Tributary | Standard tool |
|---|---|---|
| IMAP full fetch | `tributary sync --once`, fresh data dir each run | `mbsync -a`, fresh Maildir each run (all 5 subscribed folders, like Tributary) |
| IMAP incremental | the same, on the synced data dir (nothing new) | the same, on the synced Maildir |
| POP3 full fetch | `sync --once`, POP3 source with `--leave-on-server=true`, fresh data dir | `getmail` (SimplePOP3SSLRetriever, `delete = false`), fresh oldmail state and Maildir; one hyperfine call per run, see the note on getmail below |
| POP3 incremental | the same, on the fetched data dir (nothing new) | the same, with its oldmail state |
| SMTP send | `tributary send` once per message | `msmtp` once per message |

All use TLS verified against the test CA (IMAP and POP3 over implicit TLS,
submission with STARTTLS and AUTH). Times are hyperfine medians of whole process runs, so
process start-up, TLS handshake and login are included for every tool.

Run it with `bash scripts/bench.sh` (settings at the top of the script:
`BENCH_MESSAGES`, `BENCH_RUNS`, `BENCH_SEND`, ...). It rewrites only the
"Latest results" part of this file. The cases at 20,000 messages
(`bash scripts/bench.sh scale`: timed with /usr/bin/time, peak RSS
included) are in docs/PERFORMANCE.md.

EOF
}

write_doc() {
	[[ -n $DOC ]] || {
		log "BENCH_DOC is empty: not writing a results file"
		return 0
	}
	local block="$WORK/results.md" tmp="$DOC.tmp.$$"
	results_block >"$block"
	mkdir -p "$(dirname "$DOC")"
	if [[ -f $DOC ]] && grep -qF "$BEGIN_MARK" "$DOC" && grep -qF "$END_MARK" "$DOC"; then
		awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v f="$block" '
			$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0; next }
			!skip { print }' "$DOC" >"$tmp"
	else
		[[ -f $DOC ]] && log "$DOC has no results markers: replacing the whole file"
		{
			doc_intro
			cat "$block"
		} >"$tmp"
	fi
	mv "$tmp" "$DOC"
	log "wrote $DOC"
}

# ---------------------------------------------------------------- scale

# "bench.sh scale": the cases of issue 10 at scale, timed with
# /usr/bin/time (wall time, peak RSS, user and system CPU) rather than
# hyperfine, because peak RSS is a target too and one run of 20,000
# messages is long enough to need no repeats inside a run. The tools
# alternate run by run (A B, then B A, ...), so a change in the machine's
# load hits both; every full run starts from a fresh target.

SCALE_N="${BENCH_SCALE_MESSAGES:-20000}"
SCALE_POP3_N="${BENCH_SCALE_POP3_MESSAGES:-2000}"
SCALE_RUNS="${BENCH_SCALE_RUNS:-3}"
SCALE_WARMUP="${BENCH_SCALE_WARMUP:-1}"
SCALE_DOC="${BENCH_SCALE_DOC-$ROOT/docs/PERFORMANCE.md}"
SCALE_OUTBOX_N="${BENCH_SCALE_OUTBOX_MESSAGES:-500}"
# Every case, in the order they run and are shown.
SCALE_CASES="imap-full imap-resync imap-resync-plain pop3-full smtp-outbox"
SCALE_ONLY="${BENCH_SCALE_ONLY:-$SCALE_CASES}"
SCALE_USER_IMAP=bench@example.test
SCALE_USER_POP3=benchpop@example.test

# use_user ADDRESS: makes ADDRESS (a user of scripts/mailservers.sh) the
# benchmark user of what follows (BUSER, BPASS).
use_user() {
	local i u p
	for i in $(seq 1 50); do
		u="USER$i" p="PASS$i"
		if [[ ${!u:-} == "$1" ]]; then
			BUSER=${!u} BPASS=${!p}
			return 0
		fi
	done
	die "$ENV_FILE has no user $1: scripts/mailservers.sh lists it; restart the servers (sudo bash scripts/mailservers.sh start)"
}

# seed_corpus ADDRESS N: the first N messages of the corpus
# (core/mailtest/corpus) in ADDRESS's INBOX, written straight into its
# Maildir (SMTP would take longer than the benchmark at 100,000).
seed_corpus() {
	use_user "$1"
	local n=$2 have home
	have=$(imap_count) || die "IMAP STATUS failed for $BUSER"
	if ((have == n)) && [[ ${BENCH_RESEED:-0} != 1 ]]; then
		log "$BUSER's INBOX already holds $n messages: not reseeding (BENCH_RESEED=1 forces it)"
		return 0
	fi
	home="$MAIL_DIR/mail/${BUSER#*@}/${BUSER%@*}/Maildir"
	[[ -d $home ]] || die "no Maildir for $BUSER at $home"
	log "writing $n corpus messages into $home (was $have)"
	rm -rf "$home"
	(cd "$ROOT" && go run ./scripts/benchcorpus -n "$n" -dir "$home") >&2 || die "benchcorpus failed"
	chown -R mail:mail "$home"
	# The first STATUS makes Dovecot index every file.
	local deadline=$((SECONDS + 120 + n / 100))
	while :; do
		have=$(curl -sS --max-time 600 --cacert "$CA_FILE" -u "$BUSER:$BPASS" \
			"imaps://$HOST:$IMAPS_PORT" -X 'STATUS INBOX (MESSAGES)' | sed -n 's/.*MESSAGES \([0-9]*\).*/\1/p') || have=-1
		[[ $have == "$n" ]] && break
		((SECONDS < deadline)) || die "Dovecot shows ${have:-?} of $n messages for $BUSER"
		sleep 2
	done
	log "IMAP shows $n messages in $BUSER's INBOX"
}

# timed ID NAME SCRIPT COUNTED [NOTE]: one run of SCRIPT under
# /usr/bin/time; a counted run adds "NAME wall rss_kib user sys load1" to
# $WORK/scale/ID.tsv. NOTE (default "warm-up") is logged for one that is
# not counted. It returns 3 when the run failed (the caller decides).
timed() {
	local id=$1 name=$2 cmd=$3 counted=$4 note=${5:-warm-up} out="$WORK/scale/time.out" load
	load=$(cut -d' ' -f1 /proc/loadavg)
	if ! /usr/bin/time -f '%e %M %U %S' -o "$out" "$cmd"; then
		return 3
	fi
	local wall rss user sys
	read -r wall rss user sys <"$out"
	log "  $id $name: ${wall} s, $((rss / 1024)) MiB peak RSS, CPU user $user s + sys $sys s, load $load$( ((counted)) || echo " ($note)")"
	((counted)) && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$rss" "$user" "$sys" "$load" >>"$WORK/scale/$id.tsv"
	return 0
}

# alternate ID A B: SCALE_WARMUP + SCALE_RUNS rounds of A and B, A first in
# even rounds and B first in odd ones. A and B are "NAME PREP CMD" (PREP
# may be "-": none). getmail's runs that hit its child race (see
# bench_pop3) are dropped and repeated.
alternate() {
	local id=$1 r spec name prep cmd counted before tries
	shift
	: >"$WORK/scale/$id.tsv"
	echo >&2
	log "== scale $id: $SCALE_RUNS runs + $SCALE_WARMUP warm-up, alternating"
	for ((r = 0; r < SCALE_WARMUP + SCALE_RUNS; r++)); do
		counted=$((r >= SCALE_WARMUP))
		local order=("$1" "$2")
		((r % 2)) && order=("$2" "$1")
		for spec in "${order[@]}"; do
			read -r name prep cmd <<<"$spec"
			tries=0
			while :; do
				[[ $prep == - ]] || "$prep" || die "$prep failed"
				before=$(matches "$WORK/logs/$(basename "$cmd").log" "waiting child pid .* timed out")
				timed "$id" "$name" "$cmd" "$counted" && break
				if (($(matches "$WORK/logs/$(basename "$cmd").log" "waiting child pid .* timed out") > before)) && ((tries < MAX_DISCARDS)); then
					tries=$((tries + 1))
					DISCARDED[$id]=$((${DISCARDED[$id]:-0} + 1))
					log "WARNING: $name hit getmail's child race; run dropped, repeating it"
					continue
				fi
				show_logs
				die "$name failed in scale scenario $id"
			done
		done
	done
}

# scale_stat ID NAME COLUMN FN: median, min or max (FN) of a column.
scale_stat() {
	awk -F'\t' -v n="$2" -v c="$3" '$1 == n { print $c }' "$WORK/scale/$1.tsv" | sort -g |
		awk -v fn="$4" '{ v[NR] = $1 } END {
			if (NR == 0) { print "nan"; exit }
			if (fn == "min") print v[1]
			else if (fn == "max") print v[NR]
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# scale_cpu ID NAME: median of user + system CPU seconds.
scale_cpu() {
	awk -F'\t' -v n="$2" '$1 == n { print $4 + $5 }' "$WORK/scale/$1.tsv" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# trib_ids DATADIR: the corpus numbers of the messages in Tributary's
# inbox, one a line (the corpus puts "(i)" at the end of each subject).
trib_ids() {
	"$BIN" --data-dir "$1" inbox --json --limit 10000000 | jq -r '.[].subject' | sed -n 's/.*(\([0-9]*\))$/\1/p'
}

# maildir_ids DIR: the corpus numbers of the messages in a Maildir folder.
maildir_ids() {
	find "$1/cur" "$1/new" -type f -exec grep -h -m1 '^Message-ID:' {} + | sed -n 's/.*<bench-\([0-9]*\)@.*/\1/p'
}

# expect_ids WHAT N: stdin holds corpus numbers; every one of 0..N-1 must
# be there exactly once.
expect_ids() {
	local what=$1 n=$2 got distinct dup missing
	got=$(sort -n | uniq -c | awk -v n="$n" '$1 != 1 { bad++ } { seen[$2] = 1 } END {
		miss = 0; for (i = 0; i < n; i++) if (!(i in seen)) miss++
		printf "%d %d %d", NR, bad + 0, miss }')
	read -r distinct dup missing <<<"$got"
	((dup == 0 && missing == 0 && distinct == n)) ||
		die "$what: $distinct distinct messages, $dup stored more than once, $missing of $n missing"
	log "verified: $what holds each of the $n messages once"
}

# session_caps HOST PORT: every capability list the IMAPS server at
# HOST:PORT shows the benchmark user in one session (greeting, CAPABILITY,
# LOGIN's answer, CAPABILITY again), one a line, each after "pre" or
# "post" (login).
session_caps() {
	printf 'a CAPABILITY\r\nb LOGIN "%s" "%s"\r\nc CAPABILITY\r\nd LOGOUT\r\n' "$BUSER" "$BPASS" |
		timeout 20 openssl s_client -quiet -connect "$1:$2" -CAfile "$CA_FILE" -verify_return_error 2>/dev/null |
		awk '{ sub(/\r$/, "") }
			/^a OK/ { post = 1; next }
			match($0, /^\* CAPABILITY /) { print (post ? "post" : "pre"), substr($0, RLENGTH + 1); next }
			match($0, /\[CAPABILITY [^]]*\]/) { print (post ? "post" : "pre"), substr($0, RSTART + 12, RLENGTH - 13) }'
}

# check_nocondstore: the listener of imap-resync-plain shows neither
# CONDSTORE nor QRESYNC, before or after login, and otherwise the same
# post-login capabilities as the usual one, which still has CONDSTORE.
check_nocondstore() {
	local plain usual want got at="$NOCONDSTORE_HOST:$IMAPS_NOCONDSTORE_PORT"
	plain=$(session_caps "$NOCONDSTORE_HOST" "$IMAPS_NOCONDSTORE_PORT") || true
	usual=$(session_caps "$HOST" "$IMAPS_PORT") || true
	grep -q '^post ' <<<"$plain" ||
		die "no capabilities after login from $at (restart the servers with today's scripts/mailservers.sh)"
	! grep -Eqw 'CONDSTORE|QRESYNC' <<<"$plain" ||
		die "$at advertises CONDSTORE or QRESYNC: $(grep -Ew 'CONDSTORE|QRESYNC' <<<"$plain" | head -1)"
	grep '^post ' <<<"$usual" | grep -qw CONDSTORE ||
		die "$HOST:$IMAPS_PORT no longer advertises CONDSTORE after login"
	want=$(grep '^post ' <<<"$usual" | tail -1 | tr ' ' '\n' | grep -Evx 'post|CONDSTORE|QRESYNC' | sort -u)
	got=$(grep '^post ' <<<"$plain" | tail -1 | tr ' ' '\n' | grep -vx post | sort -u)
	[[ $want == "$got" ]] ||
		die "after login, $at differs from $HOST:$IMAPS_PORT by more than CONDSTORE and QRESYNC (update NOCONDSTORE_CAPS in scripts/mailservers.sh): $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
	log "$at: no CONDSTORE or QRESYNC before or after login, otherwise the capabilities of $HOST:$IMAPS_PORT, which has CONDSTORE"
}

# rawlog_commands NAME SCRIPT: one more run of SCRIPT (not counted) with
# Dovecot's rawlog on for the benchmark user (scripts/mailservers.sh sets
# rawlog_dir to dovecot.rawlog in the user's home on the listener without
# CONDSTORE). It prints the commands that fetched or named CONDSTORE,
# each after how often it was sent, then the number of FETCH replies that
# carried FLAGS; the rawlog is kept in $WORK/rawlog-NAME.
rawlog_commands() {
	local name=$1 cmd=$2 dir raw="$WORK/rawlog-$1"
	dir="$MAIL_DIR/mail/${BUSER#*@}/${BUSER%@*}/dovecot.rawlog"
	rm -rf "$dir"
	install -d -o mail -g mail -m 0700 "$dir"
	if ! "$cmd"; then
		rm -rf "$dir"
		die "$name failed in its traced run"
	fi
	mv "$dir" "$raw"
	# *.in holds what the client sent, *.out the answers, each line after
	# a time stamp; a command starts with its tag.
	compgen -G "$raw/*.in" >/dev/null ||
		die "Dovecot wrote no rawlog for $name's session (is rawlog_dir in $MAIL_DIR/dovecot.conf? restart the servers with today's scripts/mailservers.sh)"
	cat "$raw"/*.in | tr -d '\r' | sed -E 's/^[0-9]+\.[0-9]+ //' |
		{ grep -Ei 'FETCH|SEARCH|CONDSTORE|QRESYNC|CHANGEDSINCE|MODSEQ' || true; } | cut -d' ' -f2- | sort | uniq -c | sed 's/^ *//'
	cat "$raw"/*.out | tr -d '\r' | sed -E 's/^[0-9]+\.[0-9]+ //' | { grep -Ec '^\* [0-9]+ FETCH \(.*FLAGS \(' || true; }
}

# scale_plain: imap-resync-plain. Tributary and mbsync each sync the
# benchmark mailbox once through the listener without CONDSTORE (not
# counted), so that their stores are those of a full sync of the same
# mailbox by a client that never saw CONDSTORE; then the no-change
# resyncs are timed, and one traced resync each shows what was asked.
scale_plain() {
	[[ -n ${NOCONDSTORE_HOST:-} && -n ${IMAPS_NOCONDSTORE_PORT:-} ]] ||
		die "$ENV_FILE has no NOCONDSTORE_HOST (written by an older scripts/mailservers.sh): restart the servers (sudo bash scripts/mailservers.sh start)"
	check_nocondstore
	local td="$WORK/scale-trib-imap-plain" md="$WORK/scale-mbsync-plain"
	local at="$NOCONDSTORE_HOST:$IMAPS_NOCONDSTORE_PORT" leaf="$WORK/scale-plain-server.pem" certs="$WORK/scale-plain-certs.pem"
	trib_prep_script prep-scale-trib-imap-plain "$td" \
		--source-protocol imap --source-host "$NOCONDSTORE_HOST" --source-port "$IMAPS_NOCONDSTORE_PORT" \
		--source-encryption ssl --retrieval manual
	write_script sync-scale-trib-imap-plain <<EOF
exec "$BIN" --data-dir "$td" sync --once >>"$WORK/logs/sync-scale-trib-imap-plain.log" 2>&1
EOF
	# mbsync checks only DNS names against the certificate (see
	# setup_mbsync), and no name leads to 127.0.0.2; but it takes a server
	# certificate listed in its CertificateFile as trusted. It gets the one
	# this listener shows, once the test CA is checked to have signed it.
	openssl s_client -connect "$at" -CAfile "$CA_FILE" -verify_return_error </dev/null 2>/dev/null |
		openssl x509 >"$leaf" 2>/dev/null || die "no certificate from $at"
	openssl verify -CAfile "$CA_FILE" "$leaf" >/dev/null || die "the certificate of $at does not verify against $CA_FILE"
	cat "$CA_FILE" "$leaf" >"$certs"
	setup_mbsync "$md" scale-mbsync-plain "$NOCONDSTORE_HOST" "$IMAPS_NOCONDSTORE_PORT" "$certs"
	echo >&2
	log "== scale imap-resync-plain: initial syncs through $at (not counted)"
	"$WORK/bin/prep-scale-trib-imap-plain" || die "prep-scale-trib-imap-plain failed"
	timed imap-resync-plain tributary "$WORK/bin/sync-scale-trib-imap-plain" 0 "initial sync, not counted" ||
		die "tributary's initial sync through $at failed"
	"$WORK/bin/prep-scale-mbsync-plain" || die "prep-scale-mbsync-plain failed"
	timed imap-resync-plain mbsync "$WORK/bin/sync-scale-mbsync-plain" 0 "initial sync, not counted" ||
		die "mbsync's initial sync through $at failed"
	trib_ids "$td" | expect_ids "tributary's inbox after an initial sync without CONDSTORE" "$SCALE_N"
	maildir_ids "$md/mail/INBOX" | expect_ids "mbsync's INBOX Maildir after an initial sync without CONDSTORE" "$SCALE_N"
	alternate imap-resync-plain \
		"tributary - $WORK/bin/sync-scale-trib-imap-plain" \
		"mbsync - $WORK/bin/sync-scale-mbsync-plain"
	local name script out flags cmds n line sent how key tick='`'
	SCALE_PLAIN_TRACE=()
	for name in tributary mbsync; do
		script="$WORK/bin/sync-scale-mbsync-plain"
		[[ $name == tributary ]] && script="$WORK/bin/sync-scale-trib-imap-plain"
		out=$(rawlog_commands "$name" "$script")
		flags=$(tail -n 1 <<<"$out")
		cmds=$(sed '$d' <<<"$out")
		log "traced resync of $name: $flags FETCH replies with FLAGS; commands (count, command):"
		printf '    %s\n' "${cmds//$'\n'/$'\n    '}" >&2
		! grep -Eqi 'CHANGEDSINCE|CONDSTORE|QRESYNC|MODSEQ' <<<"$cmds" ||
			die "$name used CONDSTORE through $at: $cmds"
		# Every message's flags must have been checked: by a FETCH of
		# them all (mbsync), or by a UID SEARCH for each flag kept
		# (Tributary; $Forwarded only where the mailbox's FLAGS lists
		# it, and the corpus forwards nothing).
		how="answered by $flags FETCH replies with FLAGS"
		if ((flags != SCALE_N)); then
			for key in UNSEEN FLAGGED ANSWERED DELETED; do
				grep -Eqi "UID SEARCH .*$key\$" <<<"$cmds" ||
					die "$name's traced resync got FLAGS for $flags messages, not all $SCALE_N, and did not search for $key"
			done
			how="each flag asked for by UID SEARCH"
		fi
		sent=""
		while read -r n line; do
			[[ -n $line ]] || continue
			sent+="${sent:+, }$tick$line$tick"
			((n == 1)) || sent+=" ($n times)"
		done <<<"$cmds"
		SCALE_PLAIN_TRACE+=("$name sent $sent, $how")
	done
	trib_ids "$td" | expect_ids "tributary's inbox after resyncs without CONDSTORE" "$SCALE_N"
	maildir_ids "$md/mail/INBOX" | expect_ids "mbsync's INBOX Maildir after resyncs without CONDSTORE" "$SCALE_N"
}

bench_scale() {
	mkdir -p "$WORK/scale"
	local td="$WORK/scale-trib-imap" md="$WORK/scale-mbsync" tp="$WORK/scale-trib-pop3" gd="$WORK/scale-getmail"
	local want=" $SCALE_ONLY "
	if [[ $want == *" imap-"* ]]; then
		seed_corpus "$SCALE_USER_IMAP" "$SCALE_N"
		SCALE_IMAP_KIB=$(imap_kib) || SCALE_IMAP_KIB=0
	fi
	# imap-resync resyncs the stores of imap-full.
	if [[ $want == *" imap-full "* || $want == *" imap-resync "* ]]; then
		trib_prep_script prep-scale-trib-imap "$td" \
			--source-protocol imap --source-host "$HOST" --source-port "$IMAPS_PORT" \
			--source-encryption ssl --retrieval manual
		write_script sync-scale-trib-imap <<EOF
exec "$BIN" --data-dir "$td" sync --once >>"$WORK/logs/sync-scale-trib-imap.log" 2>&1
EOF
		setup_mbsync "$md" scale-mbsync
		alternate imap-full \
			"tributary $WORK/bin/prep-scale-trib-imap $WORK/bin/sync-scale-trib-imap" \
			"mbsync $WORK/bin/prep-scale-mbsync $WORK/bin/sync-scale-mbsync"
		trib_ids "$td" | expect_ids "tributary's inbox after an IMAP initial sync" "$SCALE_N"
		maildir_ids "$md/mail/INBOX" | expect_ids "mbsync's INBOX Maildir after an initial sync" "$SCALE_N"
		if [[ $want == *" imap-resync "* ]]; then
			alternate imap-resync \
				"tributary - $WORK/bin/sync-scale-trib-imap" \
				"mbsync - $WORK/bin/sync-scale-mbsync"
			trib_ids "$td" | expect_ids "tributary's inbox after resyncs" "$SCALE_N"
			maildir_ids "$md/mail/INBOX" | expect_ids "mbsync's INBOX Maildir after resyncs" "$SCALE_N"
		fi
	fi
	if [[ $want == *" imap-resync-plain "* ]]; then
		scale_plain
	fi
	if [[ $want == *" pop3-full "* ]]; then
		seed_corpus "$SCALE_USER_POP3" "$SCALE_POP3_N"
		trib_prep_script prep-scale-trib-pop3 "$tp" \
			--source-protocol pop3 --source-host "$HOST" --source-port "$POP3S_PORT" \
			--source-encryption ssl --retrieval manual --leave-on-server=true
		write_script sync-scale-trib-pop3 <<EOF
exec "$BIN" --data-dir "$tp" sync --once >>"$WORK/logs/sync-scale-trib-pop3.log" 2>&1
EOF
		setup_getmail "$gd" scale-getmail
		alternate pop3-full \
			"tributary $WORK/bin/prep-scale-trib-pop3 $WORK/bin/sync-scale-trib-pop3" \
			"getmail $WORK/bin/prep-scale-getmail $WORK/bin/sync-scale-getmail"
		trib_ids "$tp" | expect_ids "tributary's inbox after a POP3 fetch" "$SCALE_POP3_N"
		maildir_ids "$gd/Maildir" | expect_ids "getmail's Maildir after a POP3 fetch" "$SCALE_POP3_N"
		local have
		have=$(imap_count) || die "IMAP STATUS failed"
		expect_count "$BUSER's INBOX on the server after POP3 (leave on server)" "$have" "$SCALE_POP3_N"
	fi
	if [[ $want == *" smtp-outbox "* ]]; then
		scale_outbox
	fi
}

# scale_outbox: the outbox case of issue 10. Tributary queues N messages
# (untimed), then "tributary outbox send" sends them, timed; the peer is
# Python's smtplib sending the same N over one session, the ceiling of one
# SMTP connection. Both get STARTTLS and AUTH from the same Postfix.
scale_outbox() {
	command -v python3 >/dev/null || die "python3 is missing (the smtplib peer of smtp-outbox)"
	use_user "$SCALE_USER_IMAP"
	local n=$SCALE_OUTBOX_N td="$WORK/scale-trib-outbox" pd="$WORK/scale-smtplib" body="$WORK/body-outbox.txt"
	text_body 4343 10240 >"$body"
	trib_prep_script prep-scale-trib-outbox-account "$td"
	write_script prep-scale-trib-outbox <<EOF
"$WORK/bin/prep-scale-trib-outbox-account" || exit 1
for ((i = 1; i <= $n; i++)); do
	"$BIN" --data-dir "$td" send --queue --from Bench --to "$SINK" --subject "outbox \$i" \\
		--body-file "$body" >>"$WORK/logs/prep-scale-trib-outbox.log" 2>&1 || exit 1
done
EOF
	write_script send-scale-trib-outbox <<EOF
exec "$BIN" --data-dir "$td" outbox send >>"$WORK/logs/send-scale-trib-outbox.log" 2>&1
EOF
	mkdir -p "$pd"
	cat >"$pd/send.py" <<PYEOF
import smtplib, ssl
from email.message import EmailMessage
body = open("$body", encoding="utf-8").read()
ctx = ssl.create_default_context(cafile="$CA_FILE")
sent = 0
with smtplib.SMTP("$HOST", $SUBMISSION_PORT) as s:
    s.starttls(context=ctx)
    s.login("$BUSER", "$BPASS")
    for i in range($n):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "$BUSER", "$SINK", "outbox %d" % i
        m.set_content(body)
        s.send_message(m)
        sent += 1
print(sent)
PYEOF
	write_script send-scale-smtplib <<EOF
python3 "$pd/send.py" >>"$WORK/logs/send-scale-smtplib.log" 2>&1
EOF
	: >"$WORK/logs/send-scale-smtplib.log"
	alternate smtp-outbox \
		"tributary $WORK/bin/prep-scale-trib-outbox $WORK/bin/send-scale-trib-outbox" \
		"smtplib - $WORK/bin/send-scale-smtplib"
	local sent
	sent=$("$BIN" --data-dir "$td" outbox --json | jq '[.[] | select(.state == "sent")] | length')
	expect_count "tributary's outbox after the last run (state sent)" "$sent" "$n"
	sent=$(awk '{ s += $1 } END { print s }' "$WORK/logs/send-scale-smtplib.log")
	expect_count "smtplib's messages sent" "$sent" "$(((SCALE_WARMUP + SCALE_RUNS) * n))"
}

scale_table() {
	echo "| Work | Tributary median (min–max) | Peer | Peer median (min–max) | Ratio | Tributary CPU | Peer CPU | Tributary peak RSS | Peer peak RSS |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
	local id desc peer
	for id in $SCALE_CASES; do
		[[ -s $WORK/scale/$id.tsv ]] || continue
		case $id in
		imap-full) desc="IMAP initial sync, $SCALE_N messages" peer=mbsync ;;
		imap-resync) desc="IMAP no-change resync, $SCALE_N messages" peer=mbsync ;;
		imap-resync-plain) desc="IMAP no-change resync without CONDSTORE, $SCALE_N messages" peer=mbsync ;;
		pop3-full) desc="POP3, $SCALE_POP3_N messages (leave on server)" peer=getmail ;;
		smtp-outbox) desc="Outbox of $SCALE_OUTBOX_N queued messages through Postfix submission (STARTTLS+AUTH)" peer=smtplib ;;
		esac
		local tm pm
		tm=$(scale_stat "$id" tributary 2 median)
		pm=$(scale_stat "$id" "$peer" 2 median)
		printf '| %s | %s (%s–%s) | %s | %s (%s–%s) | **%s×** | %s s | %s s | %s MiB | %s MiB |\n' "$desc" \
			"$(fmt_time "$tm")" "$(fmt_time "$(scale_stat "$id" tributary 2 min)")" "$(fmt_time "$(scale_stat "$id" tributary 2 max)")" \
			"$peer" "$(fmt_time "$pm")" "$(fmt_time "$(scale_stat "$id" "$peer" 2 min)")" "$(fmt_time "$(scale_stat "$id" "$peer" 2 max)")" \
			"$(ratio "$tm" "$pm")" "$(scale_cpu "$id" tributary)" "$(scale_cpu "$id" "$peer")" \
			"$(($(scale_stat "$id" tributary 3 max | cut -d. -f1) / 1024))" "$(($(scale_stat "$id" "$peer" 3 max | cut -d. -f1) / 1024))"
	done
}

SCALE_BEGIN='<!-- bench.sh scale results: begin (generated by scripts/bench.sh scale, do not edit by hand) -->'
SCALE_END='<!-- bench.sh scale results: end -->'

scale_block() {
	echo "$SCALE_BEGIN"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Machine: $(machine_line)"
	echo "- Load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Tributary: $BIN_INFO; $(go version 2>/dev/null | awk '{print $3}' || echo 'go ?')"
	echo "- Tools: $(versions_line)"
	echo "- Corpus: core/mailtest/corpus, $SCALE_N messages for IMAP ($(awk -v k="${SCALE_IMAP_KIB:-0}" 'BEGIN { printf "%.0f", k / 1024 }') MiB as Dovecot stores them), the first $SCALE_POP3_N for POP3"
	echo "- $SCALE_RUNS counted runs per tool after $SCALE_WARMUP warm-up round(s), alternating; times are wall-clock medians; CPU is the median of user + system; peak RSS is the largest of the runs"
	echo
	scale_table
	echo
	echo "Ratio above 1 means Tributary took longer. After the runs, every tool's"
	echo "store was checked to hold each corpus message exactly once."
	if [[ -s $WORK/scale/imap-resync-plain.tsv ]]; then
		echo
		echo "Without CONDSTORE: both tools resync through Dovecot's IMAPS listener on"
		echo "$NOCONDSTORE_HOST, which advertises neither CONDSTORE nor QRESYNC (checked before"
		echo "and after login), the stores of an initial sync through it. One more"
		echo "resync each, under Dovecot's rawlog:"
		echo
		local t
		for t in "${SCALE_PLAIN_TRACE[@]}"; do
			echo "- $t"
		done
	fi
	local id
	for id in "${!DISCARDED[@]}"; do
		echo
		echo "Note: in $id, ${DISCARDED[$id]} getmail run(s) hit its child race (getmail6 issue #226) and were dropped and repeated."
	done
	echo
	echo "Every run (name, wall s, peak RSS KiB, user s, system s, 1-minute load at its start):"
	echo
	echo '```'
	for id in $SCALE_CASES; do
		[[ -s $WORK/scale/$id.tsv ]] && awk -v id="$id" '{ print id "\t" $0 }' "$WORK/scale/$id.tsv"
	done
	echo '```'
	echo
	echo "$SCALE_END"
}

write_scale_doc() {
	local block="$WORK/scale.md"
	scale_block >"$block"
	cat "$block"
	if [[ -z $SCALE_DOC ]]; then
		return 0
	fi
	if [[ -f $SCALE_DOC ]] && grep -qF "$SCALE_BEGIN" "$SCALE_DOC" && grep -qF "$SCALE_END" "$SCALE_DOC"; then
		local tmp="$SCALE_DOC.tmp.$$"
		awk -v b="$SCALE_BEGIN" -v e="$SCALE_END" -v f="$block" '
			$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0; next }
			!skip { print }' "$SCALE_DOC" >"$tmp"
		mv "$tmp" "$SCALE_DOC"
		log "wrote the results into $SCALE_DOC"
	else
		log "$SCALE_DOC has no scale results markers: results left in the output above only"
	fi
}

# ---------------------------------------------------------------- main

main() {
	local mode=all
	case "${1:-}" in
	-h | --help) usage 0 ;;
	"") ;;
	scale) mode=scale ;;
	*) usage 2 ;;
	esac
	check_settings
	check_tools
	load_servers
	LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
	setup_work

	# Tributary finds the test CA through SSL_CERT_FILE (the other tools get
	# it in their configs); LANG keeps Fyne's locale warning out of the logs.
	export SSL_CERT_FILE="$CA_FILE" LANG=en_US.UTF-8
	unset TRIBUTARY_DATA_DIR TRIBUTARY_PASSWORD_STORE TRIBUTARY_SMTP_PASSWORD TRIBUTARY_SOURCE_PASSWORD

	build_tributary
	if [[ $mode == scale ]]; then
		[[ $SCALE_N =~ ^[0-9]+$ && $SCALE_POP3_N =~ ^[0-9]+$ && $SCALE_RUNS =~ ^[0-9]+$ ]] ||
			die "BENCH_SCALE_MESSAGES, BENCH_SCALE_POP3_MESSAGES and BENCH_SCALE_RUNS must be whole numbers"
		((SCALE_RUNS >= 3)) || die "BENCH_SCALE_RUNS must be at least 3"
		command -v go >/dev/null || die "scale needs go, to write the corpus (scripts/benchcorpus)"
		[[ -x /usr/bin/time ]] || die "scale needs /usr/bin/time (Debian package time)"
		bench_scale
		write_scale_doc
		return 0
	fi
	seed_mailbox
	SEED_KIB=$(imap_kib) || SEED_KIB=0

	bench_imap
	bench_pop3
	bench_smtp

	echo
	echo "Tributary vs standard tools — N=$N, $RUNS runs, medians ($(nproc) CPUs; ratio = tributary/tool)"
	results_table text
	write_doc
}

main "$@"
