#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller, one folder), then dist/workstation-<version>-linux-<arch>.tar.gz
# and dist/workstation_<version>_<debarch>.deb, then run the built program's self-test offscreen.
#
#     bash packaging/build-linux.sh            # everything
#     SKIP_BUILD=1 bash packaging/build-linux.sh   # reuse dist/workstation, repackage and test
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(uv run python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(uname -m)
DEB_ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
NAME="workstation-${VERSION}-linux-${ARCH}"
BUNDLE=dist/workstation
step() { printf '\n== %s\n' "$*"; }

if [ -z "${SKIP_BUILD:-}" ]; then
  step "bundle (PyInstaller) ${VERSION}"
  uv run pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/workstation.spec
fi
test -x "$BUNDLE/workstation"

step "shared libraries the bundle cannot resolve (optional plugins may list some)"
( cd "$BUNDLE/_internal" && find . -name '*.so*' -type f -print0 \
    | LD_LIBRARY_PATH=. xargs -0 -n1 ldd 2>/dev/null | grep 'not found' | sort -u ) || true

step "tar.gz"
rm -f "dist/${NAME}.tar.gz"
tar -C dist --transform "s,^workstation,${NAME}," -czf "dist/${NAME}.tar.gz" workstation

step "deb"
root=build/deb/root
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/256x256/apps" "$root/etc/workstation"
cp -a "$BUNDLE" "$root/opt/workstation"
install -m 0755 packaging/linux/workstation.sh "$root/usr/bin/workstation"
install -m 0644 packaging/linux/workstation.desktop "$root/usr/share/applications/workstation.desktop"
install -m 0644 resources/icons/workstation.png "$root/usr/share/icons/hicolor/256x256/apps/workstation.png"
install -m 0644 resources/workstation.example.toml "$root/etc/workstation/workstation.example.toml"
# libzbar0: pyzbar's Linux wheel does not carry libzbar. libpulse0: QtMultimedia (sounds) links it.
# The xcb, xkbcommon, EGL/GL and fontconfig libraries: Qt's xcb platform plugin loads them, and
# PyInstaller leaves the graphics stack to the system.
cat > "$root/DEBIAN/control" <<CONTROL
Package: workstation
Version: ${VERSION}
Architecture: ${DEB_ARCH}
Maintainer: Inspection Workstation maintainers <workstation@localhost>
Section: misc
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Depends: libzbar0, libpulse0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0,
 libxcb-render-util0, libxcb-xinerama0, libxcb-randr0, libxcb-shape0, libxcb-xkb1, libxkbcommon0,
 libxkbcommon-x11-0, libegl1, libgl1, libfontconfig1, libdbus-1-3, libwayland-cursor0, libwayland-egl1
Description: Inspection bench for customs officers
 Scan a package, see its manifest and risk, record the outcome. Run 'workstation self-test'
 after installing to check the PC.
CONTROL
rm -f dist/workstation_*_"${DEB_ARCH}".deb
dpkg-deb --root-owner-group -Zgzip --build "$root" "dist/workstation_${VERSION}_${DEB_ARCH}.deb" >/dev/null
dpkg-deb --info "dist/workstation_${VERSION}_${DEB_ARCH}.deb" | sed -n '/Package/,/Depends/p'

step "self-test of the built program (offscreen)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=offscreen WORKSTATION_CONFIG="$tmp/none.toml" \
  "$BUNDLE/workstation" --data-dir "$tmp/data" self-test
"$BUNDLE/workstation" --version

step "the built program's hub answers (hub serve on SQLite, one authenticated request)"
hub_db="sqlite:///$tmp/hub.sqlite"
token=$("$BUNDLE/workstation" --data-dir "$tmp/hub" hub add-device smoke --database "$hub_db" | tail -1)
coproc HUB { "$BUNDLE/workstation" --data-dir "$tmp/hub" hub serve --database "$hub_db" --port 0; }
read -r -t 60 listening <&"${HUB[0]}"
url=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["listening"])' "$listening")
python3 - "$url" "$token" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/v1/time", headers={"Authorization": "Bearer " + sys.argv[2]})
print("hub:", json.load(urllib.request.urlopen(request, timeout=10)))
PY
kill "$HUB_PID"
wait "$HUB_PID" || true

step "sizes"
du -sh "$BUNDLE" "dist/${NAME}.tar.gz" "dist/workstation_${VERSION}_${DEB_ARCH}.deb"
