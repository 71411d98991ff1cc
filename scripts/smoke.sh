#!/usr/bin/env bash
# GUI smoke test: runs the real tributary binary under Xvfb on a store of
# demo data, takes a screenshot, and fails if the window did not render
# (a blank or single-colour frame). The README's screenshots come from
# scripts/screenshots.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/xsession.sh
. scripts/xsession.sh
xs_need Xvfb xdotool import convert xdpyinfo

echo "smoke: building tributary"
xs_build
export LANG=en_US.UTF-8 XDG_CONFIG_HOME="$xs_work/config"
xs_seed "$xs_work/data"
xs_display plain
xs_app "$xs_work/data"
import -window root "$xs_work/shot.png"

# A rendered inbox has text, icons and account colours: many colours. A
# blank or failed frame has one or two.
colours=$(convert "$xs_work/shot.png" -format %k info:)
echo "smoke: screenshot has $colours colours"
if [ "$colours" -lt 50 ]; then
	echo "smoke: the window looks blank"
	exit 1
fi
cp "$xs_work/shot.png" "${SMOKE_SHOT:-/tmp/tributary-smoke.png}"
echo "smoke: ok (screenshot in ${SMOKE_SHOT:-/tmp/tributary-smoke.png})"
