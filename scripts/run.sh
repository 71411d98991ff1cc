#!/usr/bin/env bash
# Builds and starts the app, installing the Debian packages the build needs
# first. Arguments go to tributary, e.g. scripts/run.sh --data-dir /tmp/t.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
go build -o tributary .
exec ./tributary "$@"
