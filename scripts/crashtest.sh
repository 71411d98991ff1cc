#!/usr/bin/env bash
# scripts/crashtest.sh — the long run of the crash tests (ui/cli/crash_test.go).
#
#   scripts/crashtest.sh [KILLS]     # default 100 kills per test
#   RACE=1 scripts/crashtest.sh 20   # with the race detector (about 5x slower)
#
# Each test kills `tributary sync --once` with SIGKILL at random moments
# against the real Dovecot on loopback: a POP3 sync that deletes from the
# server, an IMAP sync of 2,000 messages, and a journal replay. After every
# kill and after a completed sync it checks PRAGMA integrity_check, that
# every server message is stored exactly once (Message-ID and SHA-256),
# and that POP3 deleted nothing that was not durably stored. CI runs the
# same tests with 5 kills each.
#
# Needs the servers of scripts/mailservers.sh (started here if their env
# file is missing, which needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

KILLS="${1:-100}"
if ! [[ $KILLS =~ ^[1-9][0-9]*$ ]]; then
	echo "crashtest: KILLS must be a positive number, not '$KILLS'" >&2
	exit 2
fi
ENV_FILE="${TRIBUTARY_MAIL_ENV:-${TRIBUTARY_MAIL_DIR:-/tmp/tributary-mail}/env}"
if [[ ! -f $ENV_FILE ]]; then
	echo "crashtest: no $ENV_FILE; starting the mail servers"
	bash scripts/mailservers.sh start
fi
for user in frank grace heidi; do
	if ! grep -q "=$user@example.test$" "$ENV_FILE"; then
		echo "crashtest: $ENV_FILE has no $user@example.test; restart the servers: scripts/mailservers.sh start" >&2
		exit 1
	fi
done

race=()
if [[ ${RACE:-0} == 1 ]]; then race=(-race); fi
log=$(mktemp "${TMPDIR:-/tmp}/crashtest.XXXXXX.log")
echo "crashtest: $KILLS kills per test; full log in $log"
started=$SECONDS
status=0
TRIBUTARY_CRASH_KILLS="$KILLS" go test "${race[@]}" -count=1 -timeout 90m -v \
	-run '^TestCrash' ./ui/cli/ >"$log" 2>&1 || status=$?
grep -E '^(=== RUN|--- |\s+crash_test.go:[0-9]+: (POP3|IMAP|a whole)|PASS|FAIL|ok )' "$log" || true
echo "crashtest: finished in $((SECONDS - started))s with status $status"
exit "$status"
