# shellcheck shell=bash disable=SC2034
# Shared by scripts/windows-smoke.sh and scripts/package-windows.sh (sourced, not run):
# the tools of the Windows cross-build, and the build itself, defined once so that the .exe
# CI runs under Wine is byte for byte the one the zip ships.

WIN_TARGET=x86_64-pc-windows-gnu
# A target dir of its own: the Linux builds of `cargo test` are not invalidated by it.
WIN_TARGET_DIR=target/windows
WIN_EXE="$WIN_TARGET_DIR/$WIN_TARGET/release/passerelle.exe"
WIN_CC=x86_64-w64-mingw32-gcc

# Why the toolchain is missing and cannot be had here (set by win_toolchain).
WIN_MISSING=""

win_say() { echo "${WIN_SCRIPT:-windows}: $*"; }

# The Wine loader: Debian's wine64 package installs it outside PATH.
win_find_wine() {
    local w
    for w in wine64 /usr/lib/wine/wine64 /usr/lib/x86_64-linux-gnu/wine/wine64 wine; do
        if command -v "$w" >/dev/null 2>&1; then
            command -v "$w"
            return 0
        fi
    done
    return 1
}

win_find_wineserver() {
    local w
    for w in wineserver /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver /usr/lib/x86_64-linux-gnu/wine/wineserver64; do
        if command -v "$w" >/dev/null 2>&1; then
            command -v "$w"
            return 0
        fi
    done
    return 1
}

# Installs what is missing with Debian's packages: the mingw-w64 C compiler (the linker of the
# windows-gnu target, and the compiler of mimalloc's C sources) and, when `need_wine` is 1, Wine.
# Returns 1 with WIN_MISSING set when it cannot (no apt-get, not root, no network).
win_toolchain() {
    local need_wine=$1 packages=()
    command -v "$WIN_CC" >/dev/null 2>&1 || packages+=(gcc-mingw-w64-x86-64-win32)
    if [ "$need_wine" = 1 ] && ! win_find_wine >/dev/null; then
        packages+=(wine64)
    fi
    if [ ${#packages[@]} -gt 0 ]; then
        local sudo=""
        if ! command -v apt-get >/dev/null 2>&1; then
            WIN_MISSING="${packages[*]} not installed and no apt-get to install them"
            return 1
        fi
        if [ "$(id -u)" != 0 ]; then
            if sudo -n true 2>/dev/null; then
                sudo="sudo -n"
            else
                WIN_MISSING="${packages[*]} not installed, and installing needs root"
                return 1
            fi
        fi
        win_say "installing ${packages[*]} (apt-get)"
        local t0=$SECONDS log
        log=$(mktemp)
        # The package lists may be stale or absent on a fresh machine: update them first.
        if ! { $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
                --no-install-recommends "${packages[@]}"; } >"$log" 2>&1; then
            tail -n 5 "$log" | sed "s/^/${WIN_SCRIPT:-windows}:   apt-get: /"
            rm -f "$log"
            WIN_MISSING="apt-get could not install ${packages[*]}"
            return 1
        fi
        rm -f "$log"
        win_say "installed ${packages[*]} in $((SECONDS - t0)) s"
    fi
    if ! command -v rustup >/dev/null 2>&1; then
        if [ -d "$(rustc --print sysroot 2>/dev/null)/lib/rustlib/$WIN_TARGET" ]; then
            return 0
        fi
        WIN_MISSING="no rustup to add the $WIN_TARGET target"
        return 1
    fi
    if ! rustup target list --installed 2>/dev/null | grep -qx "$WIN_TARGET"; then
        win_say "adding the Rust target $WIN_TARGET (rustup)"
        if ! rustup target add "$WIN_TARGET" >/dev/null 2>&1; then
            WIN_MISSING="rustup could not add the $WIN_TARGET target"
            return 1
        fi
    fi
    return 0
}

# The release .exe, without debug information (what the zip ships; mimalloc included, its C
# compiled by mingw). With PASSERELLE_PROFDATA naming the profile scripts/pgo-build.sh made,
# built with it (the counts are the program's own, whatever the system they were taken on;
# functions that differ on Windows are built as without one).
win_build() {
    # The flags only when a profile is given (set, even empty, they would hide the user's own
    # `build.rustflags`); encoded, so that a path with spaces stays one flag.
    local pgo=()
    if [ -n "${PASSERELLE_PROFDATA:-}" ]; then
        [ -f "$PASSERELLE_PROFDATA" ] || { win_say "PASSERELLE_PROFDATA: no file $PASSERELLE_PROFDATA"; return 1; }
        pgo=("CARGO_ENCODED_RUSTFLAGS=-Cprofile-use=$(realpath "$PASSERELLE_PROFDATA")"$'\x1f'"-Cllvm-args=-no-pgo-warn-mismatch")
        win_say "built with the profile $PASSERELLE_PROFDATA"
    fi
    env "${pgo[@]}" CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=debuginfo \
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$WIN_CC" \
        cargo build --locked --release --quiet --target "$WIN_TARGET" --target-dir "$WIN_TARGET_DIR" --bin passerelle
}

# "123456 bytes, sha256 0123456789abcdef"
win_describe() {
    local size sum
    size=$(stat -c %s "$1")
    sum=$(sha256sum "$1" | cut -c1-16)
    echo "$size bytes, sha256 $sum"
}
