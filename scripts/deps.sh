#!/usr/bin/env bash
# scripts/deps.sh — install what building and testing Tributary needs on a
# Debian or Ubuntu machine.
#
#   scripts/deps.sh build   # C toolchain and GL/X11 headers for Fyne (GLFW)
#   scripts/deps.sh package # build + what scripts/package.sh deb|windows needs
#   scripts/deps.sh test    # everything: build + mail servers, keyring,
#                           # headless GUI, benchmark and packaging tools
#                           # (the default)
#
# Go itself is not installed from Debian (its Go is too old); the script
# only checks that a new enough one is on PATH.
#
# Only packages that are missing are installed, so a second run changes
# nothing and needs no network.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO_MOD="$SCRIPT_DIR/../go.mod"

# Fyne/GLFW via cgo.
BUILD_PKGS=(gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev)
# Real Dovecot/Postfix for the integration tests (scripts/mailservers.sh).
# libnet-ssleay-perl: swaks only Recommends it, and without it (we install
# with --no-install-recommends) swaks cannot do TLS at all.
MAIL_PKGS=(dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix swaks libnet-ssleay-perl openssl ca-certificates)
# A real Secret Service for the keyring tests (dbus-run-session + gnome-keyring-daemon).
KEYRING_PKGS=(gnome-keyring dbus dbus-x11 libsecret-tools)
# Headless GUI smoke test: virtual X server, screenshots, synthetic input.
GUI_PKGS=(xvfb x11-utils imagemagick xdotool openbox)
# Standard tools the benchmarks compare against, and the timer.
BENCH_PKGS=(isync getmail6 msmtp hyperfine)
# The installers and their checks (scripts/package.sh, scripts/check-package.sh):
# dpkg-shlibdeps, icon sizes, lintian, AppStream and desktop-entry
# validation, and the Windows cross-build with its NSIS installer.
PACKAGE_PKGS=(dpkg-dev imagemagick file lintian appstream desktop-file-utils gcc-mingw-w64-x86-64 nsis)
# Lint for the project's shell scripts.
LINT_PKGS=(shellcheck)

log() { printf 'deps: %s\n' "$*"; }
die() {
	printf 'deps: ERROR: %s\n' "$*" >&2
	exit 1
}

usage() {
	echo "usage: $0 [build|package|test]   (default: test)" >&2
	exit 2
}

GROUP=${1:-test}
[[ $# -le 1 ]] || usage
case "$GROUP" in
build) PKGS=("${BUILD_PKGS[@]}") ;;
package) PKGS=("${BUILD_PKGS[@]}" "${PACKAGE_PKGS[@]}") ;;
test) PKGS=("${BUILD_PKGS[@]}" "${MAIL_PKGS[@]}" "${KEYRING_PKGS[@]}" "${GUI_PKGS[@]}" "${BENCH_PKGS[@]}" "${PACKAGE_PKGS[@]}" "${LINT_PKGS[@]}") ;;
-h | --help) usage ;;
*) usage ;;
esac

# ---------------------------------------------------------------- Go

# The version on go.mod's "go" line, e.g. 1.26.8.
go_required() {
	[[ -r $GO_MOD ]] || die "cannot read $GO_MOD"
	local v
	v=$(awk '$1 == "go" { print $2; exit }' "$GO_MOD")
	[[ -n $v ]] || die "no 'go' line in $GO_MOD"
	echo "$v"
}

# version_ge A B: true if version A >= version B (1.26.10 > 1.26.9).
version_ge() {
	[[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$2" ]]
}

# Prints nothing and returns 0 if Go is fine; otherwise explains.
check_go() {
	local need need_minor have
	need=$(go_required)
	need_minor=$(cut -d. -f1,2 <<<"$need")
	if ! command -v go >/dev/null 2>&1; then
		log "Go is not installed (not on PATH)."
		log "Install Go $need_minor or newer from https://go.dev/dl/ (go.mod asks for go $need)"
		return 1
	fi
	# Ask outside the module with GOTOOLCHAIN=local: inside it an older go
	# would try to download the newer toolchain that go.mod names.
	have=$(cd / && GOTOOLCHAIN=local go env GOVERSION 2>/dev/null) || have=""
	have=${have#go}
	have=${have%% *}
	if [[ -z $have ]] || ! version_ge "$have" "$need"; then
		log "Go ${have:-of unknown version} at $(command -v go) is too old; go.mod asks for go $need."
		log "Install Go $need_minor or newer from https://go.dev/dl/"
		return 1
	fi
	log "Go $have found ($(command -v go)), go.mod needs $need: ok"
}

# ---------------------------------------------------------------- packages

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	die "this script needs a Debian or Ubuntu system (dpkg and apt-get). Install the equivalents of: ${PKGS[*]}"
fi

installed() {
	# Capture first: "dpkg -s | grep -q" would race under pipefail (grep
	# exits at the first match, dpkg dies of SIGPIPE, the pipe "fails").
	local status
	status=$(dpkg -s "$1" 2>/dev/null) || return 1
	grep -qx 'Status: install ok installed' <<<"$status"
}

# Check Go first, as the calling user: sudo's secure_path often lacks the
# directory Go lives in.
GO_OK=1
check_go || GO_OK=0

MISSING=()
for p in "${PKGS[@]}"; do
	installed "$p" || MISSING+=("$p")
done

if ((${#MISSING[@]} == 0)); then
	log "all ${#PKGS[@]} Debian packages for '$GROUP' are installed"
else
	log "missing Debian packages: ${MISSING[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null 2>&1; then
			log "re-running under sudo to install them"
			# Keep PATH so that the Go check finds the same go.
			exec sudo env "PATH=$PATH" bash "$0" "$GROUP"
		fi
		die "run as root to install: ${MISSING[*]} (e.g. su -c '$0 $GROUP')"
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Postfix's package asks which kind of mail system to configure; the
	# tests run their own private instance, so the system one stays unconfigured.
	for p in "${MISSING[@]}"; do
		if [[ $p == postfix ]]; then
			echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
		fi
	done
	log "apt-get update"
	apt-get update
	log "installing: ${MISSING[*]}"
	apt-get install -y --no-install-recommends "${MISSING[@]}"
	STILL=()
	for p in "${MISSING[@]}"; do
		installed "$p" || STILL+=("$p")
	done
	((${#STILL[@]} == 0)) || die "still not installed after apt-get: ${STILL[*]}"
	log "installed ${#MISSING[@]} packages"
fi

if ((GO_OK == 0)); then
	die "Debian packages are ready, but Go is missing or too old (see above)"
fi
log "ready for '$GROUP'"
