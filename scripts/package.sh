#!/usr/bin/env bash
# Builds the installers: scripts/package.sh deb|linux|windows|darwin.
#   deb      dist/tributary_VERSION_ARCH.deb: the binary, desktop entry,
#            hicolor icons, AppStream metainfo, man page, copyright and
#            changelog, Depends from dpkg-shlibdeps (Debian: dpkg-dev
#            imagemagick). TRIBUTARY_BIN=path packs that binary instead of
#            building one (CI reuses its own build).
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

# A build may carry default OAuth2 client IDs (the project embeds no one
# else's): set TRIBUTARY_GOOGLE_CLIENT_ID, TRIBUTARY_GOOGLE_CLIENT_SECRET and
# TRIBUTARY_MICROSOFT_CLIENT_ID when packaging. Users can still override them
# (README, "Sign in with Google and Microsoft").
oauth_ldflags() {
	local pkg=github.com/tributary-mail/tributary/core/oauth
	printf -- '-X %s.GoogleClientID=%s -X %s.GoogleClientSecret=%s -X %s.MicrosoftClientID=%s' \
		"$pkg" "${TRIBUTARY_GOOGLE_CLIENT_ID:-}" "$pkg" "${TRIBUTARY_GOOGLE_CLIENT_SECRET:-}" "$pkg" "${TRIBUTARY_MICROSOFT_CLIENT_ID:-}"
}

# The Debian package. Its control files are staged under a temporary
# directory (dpkg-shlibdeps wants a debian/control to read), never in the
# source tree.
maintainer="Tributary developers <tributary-mail@users.noreply.github.com>"
build_deb() {
	bash scripts/deps.sh package
	for tool in dpkg-deb dpkg-shlibdeps convert gzip; do
		command -v "$tool" >/dev/null || { echo "package: $tool is missing (Debian: dpkg-dev imagemagick)"; exit 1; }
	done
	local arch stage root bin date shlibs size pkg
	arch=$(dpkg --print-architecture)
	stage=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: stage is local
	trap "rm -rf '$stage'" EXIT
	root=$stage/root
	bin=${TRIBUTARY_BIN:-}
	if [ -z "$bin" ]; then
		bin=$stage/tributary
		# -s -w: Debian ships stripped binaries; only the link step differs
		# from a plain build, so the build cache still serves the rest.
		go build -ldflags "-s -w $(oauth_ldflags)" -o "$bin" .
	fi
	# The release date is the commit's, so the same commit gives the same
	# metadata whenever it is packaged.
	date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)

	install -Dm0755 "$bin" "$root/usr/bin/tributary"
	install -Dm0644 assets/linux/io.github.tributary.desktop "$root/usr/share/applications/io.github.tributary.desktop"
	install -d "$root/usr/share/metainfo"
	sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" assets/linux/io.github.tributary.metainfo.xml \
		>"$root/usr/share/metainfo/io.github.tributary.metainfo.xml"
	chmod 0644 "$root/usr/share/metainfo/io.github.tributary.metainfo.xml"
	for size in 16 24 32 48 64 128 256 512; do
		install -d "$root/usr/share/icons/hicolor/${size}x$size/apps"
		convert assets/icon.png -resize "${size}x$size" -strip \
			"$root/usr/share/icons/hicolor/${size}x$size/apps/io.github.tributary.png"
	done
	install -d "$root/usr/share/man/man1" "$root/usr/share/doc/tributary"
	go run ./ui/cli/genman -version "$version" -date "$date" | gzip -9n >"$root/usr/share/man/man1/tributary.1.gz"
	deb_changelog "$date" | gzip -9n >"$root/usr/share/doc/tributary/changelog.gz"
	deb_copyright "$bin" >"$root/usr/share/doc/tributary/copyright"
	find "$root" -type d -exec chmod 0755 {} +
	find "$root/usr/share" -type f -exec chmod 0644 {} +

	mkdir -p "$stage/debian"
	printf 'Source: tributary\n\nPackage: tributary\nArchitecture: any\n' >"$stage/debian/control"
	shlibs=$(cd "$stage" && dpkg-shlibdeps -O "$root/usr/bin/tributary" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
	[ -n "$shlibs" ] || { echo "package: dpkg-shlibdeps found no libraries"; exit 1; }
	# GLFW dlopens these X11 extensions (glfw/src/x11_init.c) rather than
	# linking them, so dpkg-shlibdeps cannot see them; without them the
	# cursor, monitor scale and input are wrong.
	shlibs="$shlibs, libx11-xcb1, libxcursor1, libxi6, libxinerama1, libxrandr2, libxrender1, libxxf86vm1"
	size=$(du -sk "$root" | cut -f1)
	mkdir -p "$root/DEBIAN"
	cat >"$root/DEBIAN/control" <<-EOF
		Package: tributary
		Version: $version
		Architecture: $arch
		Maintainer: $maintainer
		Installed-Size: $size
		Depends: $shlibs
		Section: mail
		Priority: optional
		Homepage: https://github.com/tributary-mail/tributary
		Description: multi-account mail client with one unified inbox
		 Tributary gathers every mail account into one unified inbox on the
		 local disk. Each account sends through its own SMTP server and
		 retrieves its mail through POP3 or IMAP. It reads sanitised HTML with
		 remote images blocked, searches across all accounts, and replies from
		 the address a message came to.
		 .
		 A command line (tributary help) drives the same engine headless, and
		 tributary demo starts local demo servers to try it without an account.
	EOF
	(cd "$root" && find usr -type f -exec md5sum {} + | sort -k2) >"$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
	pkg=dist/tributary_${version}_$arch.deb
	dpkg-deb --root-owner-group -Zxz --build "$root" "$pkg" >/dev/null
	echo "package: built $pkg (Depends: $shlibs)"
}

# deb_changelog DATE writes a Debian-format changelog for this version.
deb_changelog() {
	printf 'tributary (%s) unstable; urgency=medium\n\n  * Release %s, built from %s.\n\n -- %s  %s\n' \
		"$version" "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo 'a source tree')" \
		"$maintainer" "$(date -u -R -d "$1")"
}

# deb_copyright BINARY writes the copyright file: Tributary's own notice,
# then the license of every Go module linked into BINARY, read from the
# module cache, so the list is always the binary's own.
deb_copyright() {
	local modcache kind mod ver dir lic
	modcache=$(go env GOMODCACHE)
	cat <<-EOF
		Tributary
		Source: https://github.com/tributary-mail/tributary

		Copyright: the Tributary developers.
		The project has not published a license of its own yet; until it
		does, no license is granted beyond installing and running this package.

		The binary links the Go modules below; each one's license follows.
	EOF
	go version -m "$1" | while read -r kind mod ver _; do
		[ "$kind" = dep ] || continue
		# The module cache writes capitals as "!" plus the lower-case letter.
		# shellcheck disable=SC2001 # \L needs sed
		dir="$modcache/$(sed 's/[A-Z]/!\L&/g' <<<"$mod")@$ver"
		lic=$(find "$dir" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' -o -iname 'LICENCE*' \) 2>/dev/null | sort | head -n1)
		printf '\nModule: %s %s\n' "$mod" "$ver"
		# Licenses Debian ships in /usr/share/common-licenses are referred
		# to there, as Policy 12.5 asks, instead of copied in full.
		if [ -n "$lic" ] && grep -q 'Apache License' "$lic" && grep -q 'Version 2.0' "$lic"; then
			echo " License: Apache-2.0; on Debian systems its text is in /usr/share/common-licenses/Apache-2.0."
		elif [ -n "$lic" ] && grep -q 'Mozilla Public License Version 2.0' "$lic"; then
			echo " License: MPL-2.0; on Debian systems its text is in /usr/share/common-licenses/MPL-2.0."
		elif [ -n "$lic" ]; then
			sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$lic"
		else
			echo " (no license file found in the module)"
		fi
	done
}

case "$target" in
deb)
	build_deb
	;;
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
		go build -ldflags "-H=windowsgui -s -w $(oauth_ldflags)" -o dist/tributary.exe .
	makensis -DVERSION="$version" -DOUTDIR="$PWD/dist" scripts/installer.nsi
	;;
darwin)
	[ "$(uname)" = Darwin ] || { echo "package: macOS packages are built on a Mac"; exit 1; }
	fyne_cmd package -os darwin --release
	hdiutil create -volname Tributary -srcfolder Tributary.app -ov -format UDZO "dist/tributary-$version-macos.dmg"
	;;
*)
	echo "usage: $0 deb|linux|windows|darwin" >&2
	exit 2
	;;
esac
ls -l dist
