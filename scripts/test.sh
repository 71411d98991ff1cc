#!/usr/bin/env bash
# Runs every check and test the way CI does: formatting, vet, staticcheck,
# then the whole suite with the race detector, against the real Dovecot and
# Postfix (scripts/mailservers.sh) and a real Secret Service keyring
# (gnome-keyring inside a private D-Bus session).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== packages"
bash scripts/deps.sh test

echo "== gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
if ! command -v staticcheck >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/staticcheck" ]; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
PATH="$PATH:$(go env GOPATH)/bin" staticcheck ./...

echo "== shellcheck"
shellcheck scripts/*.sh .ci/run

echo "== mail servers"
bash scripts/mailservers.sh start

echo "== go test -race"
# A private session bus with a new, unlocked gnome-keyring gives the keyring
# tests a real Secret Service without touching the user's own keyring: its
# keyring files go to a temporary XDG_DATA_HOME, so an existing login
# keyring with another password cannot get in the way.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
	echo -n tributary-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	go test -race -count=1 -timeout 30m ./...
'

echo "== GUI smoke test under Xvfb"
bash scripts/smoke.sh
