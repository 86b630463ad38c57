#!/usr/bin/env bash
# Build the Debian package (smartx-fastpath_VERSION_ARCH.deb) from what
# `meson install` puts in a staging root: the binaries, the units, sxdp's
# lab config, sxcd's defaults, the page, the man pages, the docs. The
# packaging's own files are in scripts/deb/ (control, maintainer scripts,
# copyright, changelog). Depends come from dpkg-shlibdeps on the binaries,
# plus the DPDK drivers sxdp loads as plugins (no binary links them) for
# the ports the shipped config and its README use. lintian must find no
# error. Prints the .deb's path last.
#
# usage: scripts/build-deb.sh [OUTDIR]   (default build-deb/out)
# env:   DEB_BUILD (build-deb)  JOBS (2)  LINTIAN=no to skip lintian
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${DEB_BUILD:-build-deb}
OUT=${1:-$BUILD/out}
PKG=smartx-fastpath
die() { echo "build-deb: $*" >&2; exit 1; }

for t in meson ninja dpkg-deb dpkg-shlibdeps dpkg-gencontrol dpkg-buildflags; do
  command -v "$t" >/dev/null || die "$t is missing (bash scripts/deps.sh)"
done
if [ "${LINTIAN:-yes}" != no ] && ! command -v lintian >/dev/null; then
  die "lintian is missing (bash scripts/deps.sh), or LINTIAN=no"
fi

# the changelog's version is the package's; it must be meson's
version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" meson.build | head -1)
clv=$(dpkg-parsechangelog -l scripts/deb/changelog -S Version)
[ "$clv" = "$version" ] || die "scripts/deb/changelog says $clv, meson.build $version: add a changelog entry"

# Debian's build flags (hardening: PIE, RELRO, BIND_NOW, fortify, stack
# protector); DPDK's baseline CPU (-march= empty: corei7, as Debian's DPDK
# is built), not the build machine's
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(dpkg-parsechangelog -l scripts/deb/changelog -S Timestamp)}
if [ ! -f "$BUILD/build.ninja" ]; then
  CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
  LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
    meson setup "$BUILD" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
      --buildtype=debugoptimized -Db_pie=true -Dmarch= -Dtests=false >/dev/null
fi
ninja -C "$BUILD" -j"${JOBS:-2}" >/dev/null || die "the build failed (ninja -C $BUILD)"

W=$(mktemp -d /tmp/sxdp-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
D=$W/debian/$PKG
DESTDIR=$D meson install -C "$BUILD" --no-rebuild --strip --quiet >/dev/null
# as dh_strip: no compiler comments or notes in the binaries
strip --remove-section=.comment --remove-section=.note "$D"/usr/bin/*

# Debian's places: man pages and the changelog compressed, the copyright,
# README.Debian, lintian's overrides
doc=$D/usr/share/doc/$PKG
find "$D/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
gzip -9nc scripts/deb/changelog >"$doc/changelog.gz"
install -m 0644 scripts/deb/copyright scripts/deb/README.Debian "$doc/"
install -D -m 0644 scripts/deb/lintian-overrides "$D/usr/share/lintian/overrides/$PKG"

# DEBIAN/: maintainer scripts, every file under /etc a conffile, md5sums
install -d "$D/DEBIAN"
install -m 0755 scripts/deb/postinst scripts/deb/prerm scripts/deb/postrm "$D/DEBIAN/"
(cd "$D" && find etc -type f | sort | sed 's|^|/|') >"$D/DEBIAN/conffiles"
find "$D" -type d -exec chmod 0755 {} +
(cd "$D" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$D/DEBIAN/md5sums"
chmod 0644 "$D/DEBIAN/md5sums" "$D/DEBIAN/conffiles"

# control: Depends from the binaries' libraries, and the drivers by name:
# the package of each PMD plugin the shipped configs use, at least the
# version installed here
install -m 0644 scripts/deb/control scripts/deb/changelog "$W/debian/"
pmds=()
for drv in net_tap net_ring net_null net_af_xdp net_af_packet; do
  so=$(ls /usr/lib/*/librte_"${drv}".so.* 2>/dev/null | head -1)
  [ -n "$so" ] || die "DPDK's $drv driver is not installed (librte-${drv//_/-}*)"
  p=$(dpkg -S "$(readlink -f "$so")" | cut -d: -f1)
  pmds+=("$p (>= $(dpkg-query -W -f='${Version}' "$p" | cut -d. -f1,2))")
done
(
  cd "$W"
  dpkg-shlibdeps -O "debian/$PKG/usr/bin/sxdp" "debian/$PKG/usr/bin/sxcd" "debian/$PKG/usr/bin/sxctl" \
    >debian/substvars 2> >(grep -v 'dpkg-shlibdeps: warning: .*dependency on .* could be avoided' >&2)
  echo "misc:Depends=" >>debian/substvars
  (IFS=,; echo "pmd:Depends=${pmds[*]}") | sed 's/,/, /g' >>debian/substvars
  dpkg-gencontrol -p"$PKG" -P"debian/$PKG" -Tdebian/substvars
)
mkdir -p "$OUT"
arch=$(dpkg --print-architecture)
deb=$OUT/${PKG}_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$D" "$deb" >/dev/null

if [ "${LINTIAN:-yes}" != no ]; then
  # errors fail the build; warnings are printed (scripts/deb/README.lintian says why each is left)
  lintian --fail-on error "$deb" >&2 ||
    die "lintian found errors in $deb"
fi
echo "$deb"
