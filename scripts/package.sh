#!/usr/bin/env bash
# Builds the installers: scripts/package.sh linux|windows|darwin.
#   linux    a .tar.xz with the binary, icon, .desktop file and a Makefile
#            that installs them (fyne package), into dist/
#   windows  tributary.exe cross-built with MinGW, and an NSIS installer,
#            into dist/ (Debian: gcc-mingw-w64-x86-64 nsis)
#   darwin   Tributary.app and a .dmg; needs a Mac (Xcode command line
#            tools), so CI builds it on a macOS runner
# Metadata (name, ID, version, icon) comes from FyneApp.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-linux}
mkdir -p dist
version=$(sed -n 's/^Version = "\(.*\)"/\1/p' FyneApp.toml)
fyne_cmd() {
	if ! command -v fyne >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/fyne" ]; then
		go install fyne.io/tools/cmd/fyne@v1.7.4
	fi
	PATH="$PATH:$(go env GOPATH)/bin" fyne "$@"
}

case "$target" in
linux)
	bash scripts/deps.sh build
	fyne_cmd package -os linux --release
	mv -f Tributary.tar.xz "dist/tributary-$version-linux-amd64.tar.xz"
	;;
windows)
	for tool in x86_64-w64-mingw32-gcc makensis; do
		command -v "$tool" >/dev/null || { echo "package: $tool is missing (Debian: gcc-mingw-w64-x86-64 nsis)"; exit 1; }
	done
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
		go build -ldflags "-H=windowsgui -s -w" -o dist/tributary.exe .
	makensis -DVERSION="$version" -DOUTDIR="$PWD/dist" scripts/installer.nsi
	;;
darwin)
	[ "$(uname)" = Darwin ] || { echo "package: macOS packages are built on a Mac"; exit 1; }
	fyne_cmd package -os darwin --release
	hdiutil create -volname Tributary -srcfolder Tributary.app -ov -format UDZO "dist/tributary-$version-macos.dmg"
	;;
*)
	echo "usage: $0 linux|windows|darwin" >&2
	exit 2
	;;
esac
ls -l dist
