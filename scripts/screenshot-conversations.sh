#!/usr/bin/env bash
# The README's screenshot of the conversation view: the real tributary
# binary under Xvfb, on the demo mail (ui/gui/testdata/demo) plus the
# replies of two conversations (ui/gui/testdata/conversations; your own
# replies filed in Sent), with the list in conversations and the newest
# conversation open. Saves docs/screenshots/conversations.png.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in Xvfb xdotool import; do
	command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing (Debian: xvfb, xdotool, imagemagick)"; exit 1; }
done
work=$(mktemp -d)
xvfb_pid=''
app_pid=''
cleanup() {
	if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; fi
	if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
	rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

go build -o "$work/tributary" .
data="$work/data"
export TRIBUTARY_SMTP_PASSWORD=demo TRIBUTARY_SOURCE_PASSWORD=demo LANG=en_US.UTF-8
# Fyne's preferences live under the user's config directory: a fresh one,
# with the list in conversations (the toolbar's toggle remembers this).
export XDG_CONFIG_HOME="$work/config"
mkdir -p "$XDG_CONFIG_HOME/fyne/io.github.tributary"
echo '{"listConversations":true}' >"$XDG_CONFIG_HOME/fyne/io.github.tributary/preferences.json"
t="$work/tributary"
add() { # name email
	"$t" --data-dir "$data" account add --name "$1" --email "$2" --display-name "Demo" \
		--smtp-host "smtp.${2#*@}" --smtp-encryption starttls --password-store file >/dev/null
}
add Work me@work.example
add Home me@home.example
add "Old ISP" me@oldisp.example
demo=ui/gui/testdata/demo
conv=ui/gui/testdata/conversations
"$t" --data-dir "$data" import --account Work "$demo"/01-*.eml "$demo"/04-*.eml "$demo"/08-*.eml "$conv"/02-*.eml "$conv"/03-*.eml
"$t" --data-dir "$data" import --account Work --folder Sent "$conv"/01-*.eml
"$t" --data-dir "$data" import --account Home "$demo"/02-*.eml "$demo"/03-*.eml "$demo"/07-*.eml
"$t" --data-dir "$data" import --account "Old ISP" "$demo"/05-*.eml "$demo"/06-*.eml "$conv"/05-*.eml
"$t" --data-dir "$data" import --account "Old ISP" --folder Sent "$conv"/04-*.eml
# Your own replies were read when you wrote them.
for account in Work "Old ISP"; do
	ids=$("$t" --data-dir "$data" inbox --account "$account" --folder Sent --json | python3 -c 'import json,sys; print(" ".join(str(m["id"]) for m in json.load(sys.stdin)))')
	# shellcheck disable=SC2086 # one ID per word
	"$t" --data-dir "$data" mark $ids --read >/dev/null
done

display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.2; done
"$t" --data-dir "$data" >"$work/app.log" 2>&1 &
app_pid=$!
window=
for _ in $(seq 150); do
	window=$(xdotool search --name '^Tributary$' 2>/dev/null | head -1 || true)
	[ -n "$window" ] && break
	kill -0 "$app_pid" 2>/dev/null || { echo "screenshot: the app exited:"; cat "$work/app.log"; exit 1; }
	sleep 0.2
done
[ -n "$window" ] || { echo "screenshot: no Tributary window after 30 s"; exit 1; }
sleep 3
# The first row: the newest conversation.
xdotool mousemove --window "$window" 400 88 click 1
sleep 5
mkdir -p docs/screenshots
import -window "$window" docs/screenshots/conversations.png
echo "screenshot: saved docs/screenshots/conversations.png"
