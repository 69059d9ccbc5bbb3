#!/usr/bin/env bash
# Builds target/dist/passerelle-windows-x64.zip, what an accountant unzips on Windows (no
# folder at the top: "Extract all" into C:\Program Files\passerelle puts the .exe right there):
#   passerelle.exe         the release build for x86_64-pc-windows-gnu
#   LISEZMOI-README.txt    install, PATH, scheduled task (French, English)
#   IMPORT-SAGE.txt        importing into Sage (French, English)
#   samples/               the README's demo: exports, client list, profile
#   watch/                 the drop folder: profile, LISEZMOI/README, empty inbox, out,
#                          archive, errors, gescom
# The drop folder ships without a client list: the watcher refuses to start until the
# accountant puts the real one in gescom\, instead of matching shop customers against the
# invented clients of the example.
# Text files get CR LF and a UTF-8 BOM (Notepad). The .exe is the one scripts/windows-smoke.sh
# runs under Wine (same build command, scripts/windows-common.sh); the Wine stand-in DLL is
# not shipped: Windows has the real one.
# Needs mingw-w64 (installed with apt-get when missing) and the Rust target (rustup).
# PASSERELLE_PROFDATA=target/pgo-data/passerelle.profdata (made by scripts/pgo-build.sh): the
# .exe is built with that profile.
set -euo pipefail
cd "$(dirname "$0")/.."
WIN_SCRIPT=package-windows
# shellcheck source=scripts/windows-common.sh
. scripts/windows-common.sh

if ! win_toolchain 0; then
    echo "$WIN_SCRIPT: cannot build: $WIN_MISSING" >&2
    exit 1
fi
t=$SECONDS
win_build
win_say "built $WIN_EXE ($(win_describe "$WIN_EXE")) in $((SECONDS - t)) s"

NAME=passerelle-windows-x64
DIST=target/dist
STAGE=$DIST/$NAME
ZIP=$DIST/$NAME.zip
rm -rf "$STAGE" "$ZIP"
mkdir -p "$STAGE"

# text SRC DEST: a text file for Notepad (UTF-8 with BOM, CR LF).
text() {
    mkdir -p "$(dirname "$2")"
    { printf '\xef\xbb\xbf'; sed -e 's/\r$//' -e 's/$/\r/' "$1"; } >"$2"
}

cp "$WIN_EXE" "$STAGE/passerelle.exe"
text scripts/windows/LISEZMOI-README.txt "$STAGE/LISEZMOI-README.txt"
text scripts/windows/IMPORT-SAGE.txt "$STAGE/IMPORT-SAGE.txt"

# The demo, as in the repository (its state folder left behind).
mkdir -p "$STAGE/samples"
for d in gescom prestashop shopify; do
    cp -r "samples/$d" "$STAGE/samples/"
done
cp samples/profile.toml "$STAGE/samples/"

# The drop folder: empty, but for its profile and notes.
for d in inbox out archive errors gescom; do
    mkdir -p "$STAGE/watch/$d"
done
cp watch/profile.toml "$STAGE/watch/"
text watch/README.txt "$STAGE/watch/README.txt"
text watch/LISEZMOI.txt "$STAGE/watch/LISEZMOI.txt"

# Same bytes for the same commit: dates of the last commit, names in order, no extra fields.
stamp=$(git log -1 --format=%ct 2>/dev/null || date +%s)
find "$STAGE" -exec touch -h -d "@$stamp" {} +
if command -v zip >/dev/null 2>&1; then
    # Folders listed too: the empty ones of the drop folder are part of it.
    (cd "$STAGE" && find . -mindepth 1 | sed 's#^\./##' | LC_ALL=C sort | zip -q -X -@ "../$NAME.zip")
else
    python3 - "$STAGE" "$ZIP" <<'EOF'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
paths = []
for root, dirs, files in os.walk(stage):
    paths += [os.path.join(root, n) for n in dirs + files]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for p in sorted(paths, key=lambda p: os.path.relpath(p, stage)):
        z.write(p, os.path.relpath(p, stage))
EOF
fi
win_say "wrote $ZIP ($(stat -c %s "$ZIP") bytes, sha256 $(sha256sum "$ZIP" | cut -c1-16)):"
if command -v unzip >/dev/null 2>&1; then
    unzip -l "$ZIP" | sed "s/^/$WIN_SCRIPT:   /"
fi
