# shellcheck shell=bash
# Sourced by smoke.sh and screenshots.sh: the real tributary binary on a
# store seeded with the demo mail, in a virtual X display (Xvfb), with a
# window manager (openbox) when asked. Everything lives in $xs_work and
# goes when the script exits.

xs_work=$(mktemp -d)
xs_pids=()
xs_cleanup() {
	local pid
	for pid in "${xs_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$xs_work" 2>/dev/null || true
}
trap xs_cleanup EXIT

# xs_need TOOL... fails with the package to install when one is missing.
xs_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || {
			echo "$(basename "$0"): $tool is missing (Debian: xvfb, xdotool, imagemagick, openbox; or run scripts/deps.sh test)"
			exit 1
		}
	done
}

# xs_build builds the binary as $xs_bin.
xs_bin="$xs_work/tributary"
xs_build() {
	go build -o "$xs_bin" .
}

# xs_seed DATA fills a data directory with three accounts and the demo
# mail of ui/gui/testdata/demo (passwords in a file: no keyring needed).
xs_seed() {
	local data=$1 demo=ui/gui/testdata/demo
	export TRIBUTARY_SMTP_PASSWORD=demo TRIBUTARY_SOURCE_PASSWORD=demo
	xs_account "$data" Work me@work.example
	xs_account "$data" Home me@home.example
	xs_account "$data" "Old ISP" me@oldisp.example
	"$xs_bin" --data-dir "$data" import --account Work "$demo"/01-*.eml "$demo"/04-*.eml "$demo"/08-*.eml
	"$xs_bin" --data-dir "$data" import --account Home "$demo"/02-*.eml "$demo"/03-*.eml "$demo"/07-*.eml
	"$xs_bin" --data-dir "$data" import --account "Old ISP" "$demo"/05-*.eml "$demo"/06-*.eml
}

# xs_account DATA NAME EMAIL [ARGS...] adds an account.
xs_account() {
	local data=$1 name=$2 email=$3
	shift 3
	"$xs_bin" --data-dir "$data" account add --name "$name" --email "$email" --display-name "Demo" \
		--smtp-host "smtp.${email#*@}" --smtp-encryption starttls --password-store file "$@" >/dev/null
}

# xs_display plain|wm starts Xvfb (1280x800) and exports DISPLAY; with "wm",
# openbox too, so that windows are placed and framed as on a desktop.
xs_display() {
	# Xvfb picks a free display and writes its number to fd 3 once it
	# accepts connections: a fixed or random number can be taken, and a
	# loaded machine can take more than the few seconds a poll waited
	# (the app then failed with "Failed to open display").
	Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$xs_work/display" >"$xs_work/xvfb.log" 2>&1 &
	local pid=$! n=""
	xs_pids+=("$pid")
	for _ in $(seq 300); do
		n=$(sed -n 's/^\([0-9][0-9]*\)$/\1/p' "$xs_work/display" 2>/dev/null)
		[ -n "$n" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if [ -z "$n" ]; then
		echo "$(basename "$0"): Xvfb did not start within 60 s:"
		cat "$xs_work/xvfb.log"
		exit 1
	fi
	export DISPLAY=:$n
	xdpyinfo >/dev/null || { echo "$(basename "$0"): Xvfb started on $DISPLAY but xdpyinfo cannot reach it"; exit 1; }
	if [ "${1:-}" = wm ]; then
		openbox >"$xs_work/openbox.log" 2>&1 &
		xs_pids+=($!)
		for _ in $(seq 50); do
			xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id' && break
			sleep 0.2
		done
	fi
}

# xs_app DATA starts the app on DATA (a fresh Fyne preferences directory
# under $xs_work unless XDG_CONFIG_HOME is set) and waits for its main
# window, whose id it leaves in $xs_window.
xs_app() {
	local data=$1 log="$xs_work/app.log" pid
	"$xs_bin" --data-dir "$data" >"$log" 2>&1 &
	pid=$!
	xs_pids+=("$pid")
	xs_window=
	for _ in $(seq 150); do
		xs_window=$(xdotool search --onlyvisible --name '^Tributary$' 2>/dev/null | head -1 || true)
		[ -n "$xs_window" ] && break
		kill -0 "$pid" 2>/dev/null || { echo "$(basename "$0"): the app exited:"; cat "$log"; exit 1; }
		sleep 0.2
	done
	[ -n "$xs_window" ] || { echo "$(basename "$0"): no Tributary window after 30 s"; cat "$log"; exit 1; }
	# Give the list a moment to load its first page.
	sleep 3
}

# xs_newest TITLE prints the id of the newest visible window whose title
# matches, waiting up to 10 s for one.
xs_newest() {
	local w
	for _ in $(seq 50); do
		w=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | tail -1 || true)
		[ -n "$w" ] && { echo "$w"; return; }
		sleep 0.2
	done
	echo "$(basename "$0"): no window named $1" >&2
	return 1
}

# xs_quit stops the app xs_app started last, and waits for it to go.
xs_quit() {
	local pid=${xs_pids[-1]}
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset 'xs_pids[-1]'
}

# xs_size WINDOW prints "WIDTH HEIGHT".
xs_size() {
	xdotool getwindowgeometry --shell "$1" | awk -F= '/^WIDTH/{w=$2} /^HEIGHT/{h=$2} END{print w, h}'
}
