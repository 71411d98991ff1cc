#!/usr/bin/env bash
# scripts/fuzz.sh — run every fuzz target, one after another, each for the
# same time.
#
#   scripts/fuzz.sh [DURATION]        # default 10m per target, e.g. 30s, 2m
#   scripts/fuzz.sh 5m FuzzSession    # only the targets named
#
# One target at a time, with one worker (-parallel 1): the development
# machine has 2 shared cores. The executions and time of each are
# printed at the end, for docs/RELIABILITY.md. New crashers land in the
# package's testdata/fuzz/<Target>/, where plain `go test` (and so CI)
# replays them with the committed seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-10m}"
shift || true
TARGETS=(
	"./core/mime FuzzParse"
	"./core/mime FuzzSanitizeHTML"
	"./core/mime FuzzSanitizeFilename"
	"./core/mime FuzzParseHTML"
	"./core/markdown FuzzRender"
	"./core/autoconfig FuzzParseConfig"
	"./ui/gui/richtext FuzzHTMLToRich"
	"./core/termsafe FuzzText"
	"./core/pop3 FuzzSession"
	"./core/imap FuzzResponses"
	"./core/vcard FuzzRead"
	"./core/mailto FuzzParse"
	"./core/query FuzzParse"
)
summary=()
status=0
for entry in "${TARGETS[@]}"; do
	read -r pkg target <<<"$entry"
	if (($# > 0)) && ! printf '%s\n' "$@" | grep -qx "$target"; then
		continue
	fi
	echo "== $target ($pkg) for $DURATION"
	log=$(mktemp)
	start=$(date +%s)
	if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$DURATION" -parallel 1 "$pkg" 2>&1 | tee "$log"; then
		status=1
	fi
	secs=$(($(date +%s) - start))
	# The last progress line: "fuzz: elapsed: 10m0s, execs: 123456 (205/sec), new interesting: ..."
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	summary+=("$target	${execs:-?} execs	${secs}s")
	rm -f "$log"
done
echo
echo "== summary (target, executions, seconds)"
printf '%s\n' "${summary[@]}"
exit $status
