#!/usr/bin/env bash
# Time from the start of a large initial IMAP sync to its first new
# message (issue 10 asks for ≤ 2 s): the engine's first EventNewMail, and
# the first message the store lists in the unified inbox, each run into a
# fresh data dir, against the real Dovecot's bench user; prints every run
# (with the load) and the medians. Needs the servers of
# scripts/mailservers.sh and the corpus in bench@example.test's INBOX
# (scripts/bench.sh scale writes it; this checks it is there). Not CI.
#   bash scripts/firstmail.sh [RUNS] [--full]
#   --full lets every sync finish and reports its whole time too.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
env_file=${TRIBUTARY_MAIL_ENV:-/tmp/tributary-mail/env}
[[ -r $env_file ]] || { echo "firstmail: no $env_file: start the servers (sudo bash scripts/mailservers.sh start)" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env_file"
user=bench@example.test pass=
for i in $(seq 1 50); do
	u="USER$i" p="PASS$i"
	if [[ ${!u:-} == "$user" ]]; then pass=${!p}; fi
done
[[ -n $pass ]] || { echo "firstmail: $env_file has no $user" >&2; exit 1; }
have=$(curl -sS --max-time 600 --cacert "$CA_FILE" -u "$user:$pass" "imaps://$HOST:$IMAPS_PORT" \
	-X 'STATUS INBOX (MESSAGES)' | sed -n 's/.*MESSAGES \([0-9]*\).*/\1/p')
echo "firstmail: $user's INBOX holds ${have:-?} messages"
[[ ${have:-0} -gt 1000 ]] || { echo "firstmail: fill it first: bash scripts/bench.sh scale" >&2; exit 1; }
go run ./scripts/firstmail -runs "$runs" -user "$user" "$@"
