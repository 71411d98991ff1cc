#!/usr/bin/env bash
# The README's screenshots, from the real tributary binary in a virtual X
# display with a window manager (openbox), on the demo mail: the compact
# inbox, the reader, the composer, the account wizard (with a name that
# clashes), the shortcuts, the conversation view, an account's error
# mark, and the inbox in German. Saves them in docs/screenshots/, or in
# $SCREENSHOTS_DIR (to look at the app without changing the README's).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/xsession.sh
. scripts/xsession.sh
xs_need Xvfb xdotool import xdpyinfo xprop openbox

shots=${SCREENSHOTS_DIR:-docs/screenshots}
mkdir -p "$shots"
shoot() { # window file
	sleep 1
	import -frame -window "$1" "$shots/$2"
	echo "screenshots: saved $shots/$2"
}
click() { # window x y
	xdotool mousemove --window "$1" "$2" "$3" click 1
}

xs_build
xs_display wm
export LANG=en_US.UTF-8 LANGUAGE=en XDG_CONFIG_HOME="$xs_work/config"

# 1. The inbox, a message, a reply, the wizard, the shortcuts.
data="$xs_work/data"
xs_seed "$data"
xs_app "$data"
main=$xs_window
read -r _ height < <(xs_size "$main")
shoot "$main" inbox.png
click "$main" 400 88 # the first row of the compact list
sleep 2
shoot "$main" reader.png
xdotool key --window "$main" ctrl+r
composer=$(xs_newest '^Re: ')
shoot "$composer" composer.png
xdotool windowunmap "$composer" # closing would ask about the draft
click "$main" 110 $((height - 182)) # Add account
wizard=$(xs_newest 'mail account')
shoot "$wizard" wizard.png
# Step 2, filled in from the built-in provider table (no network).
xdotool type --window "$wizard" --delay 20 "ann@gmail.com"
xdotool key --window "$wizard" Tab
xdotool type --window "$wizard" --delay 20 "app-password"
xdotool key --window "$wizard" Tab
xdotool type --window "$wizard" --delay 20 "Ann Example"
xdotool key --window "$wizard" Return
sleep 3
shoot "$wizard" wizard-settings.png
# An account name that another account has: the hint shows at once.
click "$wizard" 560 200
xdotool key --window "$wizard" ctrl+a
xdotool type --window "$wizard" --delay 20 "work"
shoot "$wizard" wizard-name-clash.png
xdotool windowunmap "$wizard"
click "$main" 400 127 # the second row
xdotool type --window "$main" "?"
shoot "$main" shortcuts.png
xs_quit

# 2. Conversations, and an account whose server cannot be reached.
data="$xs_work/conversations"
xs_seed "$data"
conv=ui/gui/testdata/conversations
"$xs_bin" --data-dir "$data" import --account Work "$conv"/02-*.eml "$conv"/03-*.eml
"$xs_bin" --data-dir "$data" import --account Work --folder Sent "$conv"/01-*.eml
"$xs_bin" --data-dir "$data" import --account "Old ISP" "$conv"/05-*.eml
"$xs_bin" --data-dir "$data" import --account "Old ISP" --folder Sent "$conv"/04-*.eml
for account in Work "Old ISP"; do # your own replies were read when you wrote them
	ids=$("$xs_bin" --data-dir "$data" inbox --account "$account" --folder Sent --json | python3 -c 'import json,sys; print(" ".join(str(m["id"]) for m in json.load(sys.stdin)))')
	# shellcheck disable=SC2086 # one ID per word
	"$xs_bin" --data-dir "$data" mark $ids --read >/dev/null
done
# Nothing listens on port 1: the account's sync fails and says why.
"$xs_bin" --data-dir "$data" source add --account "Old ISP" --source-protocol imap \
	--source-host 127.0.0.1 --source-port 1 --source-encryption ssl >/dev/null
mkdir -p "$XDG_CONFIG_HOME/fyne/io.github.tributary"
echo '{"listConversations":true}' >"$XDG_CONFIG_HOME/fyne/io.github.tributary/preferences.json"
xs_app "$data"
main=$xs_window
click "$main" 400 88 # the newest conversation
sleep 4
shoot "$main" conversations.png
# The warning mark beside Old ISP in the sidebar, with its hover text.
xdotool mousemove --window "$main" 190 440
sleep 2
shoot "$main" account-error.png
xs_quit

# 3. The inbox in German, a message open.
rm -f "$XDG_CONFIG_HOME/fyne/io.github.tributary/preferences.json"
LANG=de_DE.UTF-8 LANGUAGE=de xs_app "$xs_work/data"
click "$xs_window" 400 88
sleep 2
shoot "$xs_window" inbox-de.png
xs_quit
