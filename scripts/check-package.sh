#!/usr/bin/env bash
# Checks the installers the way a user would meet them (CI runs it after
# the tests, as root): builds the .deb, shows its control data and
# contents, installs it with apt so that its Depends resolve, runs the
# installed binary, lints it (lintian: no errors; the accepted warnings
# are listed in docs/PACKAGING.md), validates the AppStream metainfo and
# the desktop entry, then cross-builds the Windows .exe (must be PE32+)
# and compiles the NSIS installer. The package is removed again at the end.
#
#   scripts/check-package.sh           # both
#   scripts/check-package.sh deb       # only the .deb
#   scripts/check-package.sh windows   # only the Windows installer
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
version=$(sed -n 's/^Version = "\(.*\)"/\1/p' FyneApp.toml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
step() { printf '== check-package: %s (%ds)\n' "$*" "$SECONDS"; }
fail() { printf 'check-package: FAIL: %s\n' "$*" >&2; exit 1; }

check_deb() {
	local deb
	deb=dist/tributary_${version}_$(dpkg --print-architecture).deb
	step "build $deb"
	bash scripts/package.sh deb >/dev/null
	[ -f "$deb" ] || fail "$deb was not built"

	step "dpkg-deb --info"
	dpkg-deb --info "$deb"
	step "dpkg-deb --contents"
	dpkg-deb --contents "$deb" | tee "$tmp/contents"
	for f in ./usr/bin/tributary ./usr/share/applications/io.github.tributary.desktop \
		./usr/share/metainfo/io.github.tributary.metainfo.xml ./usr/share/man/man1/tributary.1.gz \
		./usr/share/doc/tributary/copyright ./usr/share/doc/tributary/changelog.gz \
		./usr/share/icons/hicolor/48x48/apps/io.github.tributary.png \
		./usr/share/icons/hicolor/512x512/apps/io.github.tributary.png; do
		grep -q " $f\$" "$tmp/contents" || fail "$deb lacks $f"
	done

	step "lintian (errors fail, warnings are listed in docs/PACKAGING.md)"
	lintian --fail-on error "$deb"

	step "apt-get install ./$deb"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "./$deb" >"$tmp/apt.log" 2>&1 ||
		{ cat "$tmp/apt.log"; fail "apt-get could not install $deb"; }
	trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y tributary >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

	step "the installed binary"
	local got
	got=$(/usr/bin/tributary --version)
	echo "$got"
	case "$got" in "tributary $version "*) ;; *) fail "/usr/bin/tributary --version said \"$got\", want tributary $version" ;; esac
	# A command on a new, empty data directory: it creates the store and
	# lists an empty inbox.
	env -u DISPLAY -u WAYLAND_DISPLAY LANG=C.UTF-8 /usr/bin/tributary --data-dir "$tmp/data" inbox >"$tmp/inbox.out" 2>"$tmp/inbox.err" ||
		{ cat "$tmp/inbox.err"; fail "/usr/bin/tributary inbox failed"; }
	[ ! -s "$tmp/inbox.err" ] || { cat "$tmp/inbox.err"; fail "/usr/bin/tributary inbox wrote to stderr"; }
	grep -q '^ID .*SUBJECT' "$tmp/inbox.out" || { cat "$tmp/inbox.out"; fail "/usr/bin/tributary inbox printed no header line"; }
	[ -f "$tmp/data/tributary.db" ] || fail "/usr/bin/tributary inbox made no store in $tmp/data"
	zcat /usr/share/man/man1/tributary.1.gz | grep -q '^\.B tributary inbox' || fail "the man page does not list inbox"

	step "appstreamcli validate, desktop-file-validate"
	appstreamcli validate --no-net /usr/share/metainfo/io.github.tributary.metainfo.xml
	desktop-file-validate /usr/share/applications/io.github.tributary.desktop
	grep -qx 'MimeType=x-scheme-handler/mailto;' /usr/share/applications/io.github.tributary.desktop ||
		fail "the desktop entry does not claim mailto:"
	# The desktop runs the handler with the link as its argument (main.go
	# takes a mailto: argument and hands it to a running app).
	grep -qx 'Exec=tributary %u' /usr/share/applications/io.github.tributary.desktop ||
		fail "the desktop entry does not pass the mailto: link (Exec=tributary %u)"
}

check_windows() {
	step "Windows: cross-build and NSIS installer"
	# The NSIS variable is matched literally, not expanded by the shell.
	# shellcheck disable=SC2016
	if ! grep -q 'URLAssociations" "mailto" "${PROGID}"' scripts/installer.nsi ||
		! grep -q 'shell\\open\\command" "" .*"%1"' scripts/installer.nsi; then
		fail "the NSIS installer does not register Tributary for mailto: (Capabilities\\URLAssociations and the ProgID's open command)"
	fi
	bash scripts/package.sh windows >/dev/null
	local kind
	kind=$(file -b dist/tributary.exe)
	echo "dist/tributary.exe: $kind"
	case "$kind" in PE32+\ executable*x86-64*) ;; *) fail "dist/tributary.exe is not PE32+ x86-64: $kind" ;; esac
	[ -s "dist/tributary-$version-windows-amd64-setup.exe" ] || fail "makensis made no installer"
	file -b "dist/tributary-$version-windows-amd64-setup.exe"
}

case "$what" in
all) check_deb; check_windows ;;
deb) check_deb ;;
windows) check_windows ;;
*) echo "usage: $0 [deb|windows]" >&2; exit 2 ;;
esac
step "ok"
