#!/usr/bin/env bash
# The Windows build, proven: cross-builds passerelle.exe (x86_64-pc-windows-gnu, mingw-w64) and
# runs it under Wine on the README's samples and on order fixtures, comparing every output byte
# for byte with the Linux build's; then `watch --once` under Wine in a folder whose path has
# spaces and accents, with the Windows cases worth seeing: a file held open by another program
# (sharing violation), an output folder that cannot be written, the lock of the folder, CRLF in
# every file meant for Sage or Notepad, accents on the console.
#
# Called by .ci/run; `bash scripts/windows-smoke.sh` alone works too. Installs what it needs
# (Debian's gcc-mingw-w64-x86-64-win32 and wine64, the Rust target) when missing. When they
# cannot be had (no apt-get, no root, no network) it prints "SKIPPED: why" and exits 0; once
# they are there, any difference or failure exits 1.
# PASSERELLE_PROFDATA (scripts/pgo-build.sh's profile) builds the .exe with it, as the zip can be.
# Kept between runs, under target/: the build (target/windows/) and the Wine prefix
# (target/wine/). Scratch: target/windows-smoke/.
set -euo pipefail
cd "$(dirname "$0")/.."
WIN_SCRIPT=windows-smoke
# shellcheck source=scripts/windows-common.sh
. scripts/windows-common.sh

START=$SECONDS
say() { win_say "$*"; }
fail() {
    echo "$WIN_SCRIPT: FAILED: $*" >&2
    exit 1
}
elapsed() { echo "$((SECONDS - START)) s"; }

if [ "${PASSERELLE_WINDOWS_SMOKE:-1}" = 0 ]; then
    say "SKIPPED: PASSERELLE_WINDOWS_SMOKE=0"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# 1. Toolchain: mingw-w64, Wine, the Rust target.
if ! win_toolchain 1; then
    echo "$WIN_SCRIPT: ************************************************************************"
    echo "$WIN_SCRIPT: SKIPPED: $WIN_MISSING: the Windows build was NOT checked"
    echo "$WIN_SCRIPT: ************************************************************************"
    exit 0
fi
WINE=$(win_find_wine) || fail "Wine installed but its loader not found"
WINESERVER=$(win_find_wineserver) || fail "Wine installed but wineserver not found"
command -v script >/dev/null || fail "script (util-linux) is needed to give Wine a console"

ROOT=$PWD
SCRATCH=$ROOT/target/windows-smoke
export WINEPREFIX=$ROOT/target/wine/prefix
export WINEDEBUG=-all
# No Mono or Gecko: their installers would ask, through a window, to download them.
export WINEDLLOVERRIDES="mscoree,mshtml="
# No display: Wine uses its null graphics driver and nothing can wait for a click.
unset DISPLAY WAYLAND_DISPLAY
# Wine turns command lines and console output into Unix text through the locale: UTF-8, as the
# UTF-16 a Windows program receives and prints is.
export LC_ALL=C.UTF-8
export PASSERELLE_TODAY=2026-11-28

RO_DIR=""
HOLDER_PID=""
cleanup() {
    if [ -n "$RO_DIR" ]; then chattr -i "$RO_DIR" 2>/dev/null || true; fi
    if [ -n "$HOLDER_PID" ]; then kill "$HOLDER_PID" 2>/dev/null || true; fi
    "$WINESERVER" -k 2>/dev/null || true
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# 2. Builds: the Linux binary (the reference: built by `cargo test` already in CI) and the .exe.
t=$SECONDS
cargo build --locked --quiet --bin passerelle
LINUX_BIN=$ROOT/target/debug/passerelle
t=$SECONDS
win_build || fail "cargo build --target $WIN_TARGET"
EXE=$ROOT/$WIN_EXE
[ "$(head -c 2 "$EXE")" = MZ ] || fail "$WIN_EXE is not a Windows executable"
! grep -q PASSERELLE_WATCH_CRASH "$EXE" || fail "$WIN_EXE has the crash hook of the tests (feature test-hooks)"
say "Windows build: $WIN_EXE ($(win_describe "$EXE")), $(file -b "$EXE" 2>/dev/null | cut -d' ' -f1-4 || echo PE32+), built in $((SECONDS - t)) s"

# The stand-in for bcryptprimitives.dll that Wine 8 lacks (see its source), installed in the
# prefix's system32 below, where Windows has the real one; and the test helper that holds a
# file open.
DLL=$ROOT/$WIN_TARGET_DIR/bcryptprimitives.dll
HOLD=$ROOT/$WIN_TARGET_DIR/hold-open.exe
if [ ! -f "$DLL" ] || [ scripts/wine/bcryptprimitives.c -nt "$DLL" ]; then
    "$WIN_CC" -shared -O2 -s -o "$DLL" scripts/wine/bcryptprimitives.c -ladvapi32
fi
if [ ! -f "$HOLD" ] || [ scripts/wine/hold-open.c -nt "$HOLD" ]; then
    "$WIN_CC" -municode -O2 -s -o "$HOLD" scripts/wine/hold-open.c
fi

# ---------------------------------------------------------------------------------------------
# 3. The Wine prefix: created once (about 10 s), headless.
win() { timeout 300 "$WINE" "$@"; }
# Wine's own failure, not the program's: its connection to wineserver lost ("wine client
# error: ... Connection reset by peer", met once in CI with nothing of passerelle's in the log).
# A run whose log holds it goes once more, and says so.
wine_failed() { grep -q '^wine client error' "$1" 2>/dev/null; }
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    t=$SECONDS
    mkdir -p "$WINEPREFIX"
    if ! timeout 300 "$WINE" wineboot --init </dev/null >"$ROOT/target/wine/wineboot.log" 2>&1; then
        cat "$ROOT/target/wine/wineboot.log" >&2
        fail "wineboot --init (log above)"
    fi
    "$WINESERVER" -w
    say "Wine prefix created headless (no DISPLAY) in $((SECONDS - t)) s: target/wine/prefix"
fi
cp "$DLL" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
WINE_VERSION=$(win --version 2>/dev/null || echo "wine ?")
say "Wine run: $WINE_VERSION, WINEPREFIX=target/wine/prefix, WINEDEBUG=-all, no DISPLAY"
version=$(win "$EXE" --version 2>&1) || fail "passerelle.exe --version under Wine: $version"
say "Wine run: passerelle.exe --version → $version"

# ---------------------------------------------------------------------------------------------
# 4. The same conversions on both builds, every output compared.
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"

# Bytes of a file with the path separators of Windows turned into '/': the only difference
# allowed in a report, the ledger or a console summary (`out\x.txt` there, `out/x.txt` here).
# The ledger's batch ids (time and process id) differ too.
slashes() {
    case "$1" in
    *.json) sed 's#\\\\#/#g' "$1" ;;
    *ledger.tsv) awk -F '\t' -v OFS='\t' 'NF > 1 { $2 = "BATCH" } 1' "$1" | tr '\\' '/' ;;
    *) tr '\\' '/' <"$1" ;;
    esac
}

# compare NAME SETUP_DIR ARGS...: runs `passerelle ARGS` in a copy of SETUP_DIR on each side,
# then compares the exit codes, every file written (bytes), stdout and stderr (separators aside).
compare() {
    local name=$1 setup=$2
    shift 2
    local lin="$SCRATCH/$name/linux" win_dir="$SCRATCH/$name/windows" lrc=0 wrc=0
    mkdir -p "$lin" "$win_dir"
    cp -r "$setup/." "$lin/"
    cp -r "$setup/." "$win_dir/"
    (cd "$lin" && "$LINUX_BIN" "$@" >stdout.txt 2>stderr.txt) || lrc=$?
    (cd "$win_dir" && win "$EXE" "$@" >stdout.txt 2>stderr.txt) || wrc=$?
    if wine_failed "$win_dir/stderr.txt"; then
        say "Wine run: $name: Wine's own error ($(grep -m1 '^wine client error' "$win_dir/stderr.txt")): run again in a fresh copy"
        rm -rf "$win_dir" && mkdir -p "$win_dir" && cp -r "$setup/." "$win_dir/"
        wrc=0
        (cd "$win_dir" && win "$EXE" "$@" >stdout.txt 2>stderr.txt) || wrc=$?
    fi
    say "Wine run: $name: passerelle.exe $* → exit $wrc (Linux: exit $lrc)"
    [ "$lrc" = "$wrc" ] || fail "$name: exit code $wrc under Wine, $lrc on Linux"
    [ "$lrc" -le 1 ] || fail "$name: exit code $lrc: $(cat "$lin/stderr.txt")"
    local lfiles wfiles
    lfiles=$(cd "$lin" && find . -type f | sort)
    wfiles=$(cd "$win_dir" && find . -type f | sort)
    [ "$lfiles" = "$wfiles" ] || fail "$name: not the same files written: $(diff <(echo "$lfiles") <(echo "$wfiles") | tr '\n' ' ')"
    local f written=0
    while read -r f; do
        f=${f#./}
        if [ -f "$setup/$f" ]; then
            cmp -s "$setup/$f" "$win_dir/$f" || fail "$name: input $f changed under Wine"
            continue
        fi
        case "$f" in
        stdout.txt | stderr.txt | *.json | *ledger.tsv)
            if [ ! -s "$lin/$f" ] && [ ! -s "$win_dir/$f" ]; then
                continue
            elif cmp -s "$lin/$f" "$win_dir/$f"; then
                say "identical outputs: $name: $f ($(win_describe "$win_dir/$f"), byte for byte)"
            else
                cmp -s <(slashes "$lin/$f") <(slashes "$win_dir/$f") ||
                    fail "$name: $f differs: $(diff <(slashes "$lin/$f") <(slashes "$win_dir/$f") | head -n 20)"
                local aside=""
                case "$f" in *ledger.tsv) aside=", batch ids aside" ;; esac
                say "identical outputs: $name: $f ($(win_describe "$lin/$f") on Linux; the same once \\ is read as /$aside)"
            fi
            ;;
        *)
            cmp -s "$lin/$f" "$win_dir/$f" || fail "$name: $f differs: $(cmp "$lin/$f" "$win_dir/$f")"
            written=$((written + 1))
            say "identical outputs: $name: $f ($(win_describe "$win_dir/$f"), byte for byte)"
            ;;
        esac
    done <<<"$lfiles"
    [ "$written" -gt 0 ] || fail "$name: nothing written"
}

# No bare LF: every line of the files Sage or Notepad reads ends with CR LF.
crlf_only() {
    local f
    for f in "$@"; do
        [ -s "$f" ] || fail "$f: empty"
        local lf crlf
        lf=$(tr -cd '\n' <"$f" | wc -c)
        crlf=$(LC_ALL=C grep -c $'\r$' "$f" || true)
        if [ "$lf" != "$crlf" ] || [ "$(tail -c 2 "$f" | od -An -tx1 | tr -d ' ')" != 0d0a ]; then
            fail "$f: a line does not end with CR LF"
        fi
    done
}

# The README's first command, on a copy of samples/ (its state folder left behind).
mkdir -p "$SCRATCH/setup/samples"
cp -r samples "$SCRATCH/setup/samples/"
rm -rf "$SCRATCH/setup/samples/samples/state"
compare samples "$SCRATCH/setup/samples" \
    convert --profile samples/profile.toml --out out samples/prestashop/customers.csv samples/shopify/customers_export.csv
crlf_only "$SCRATCH"/samples/windows/out/*.txt

# The same command with an out/ that cannot be written (on Windows: no write permission; here
# the immutable attribute, which binds root too): each input fails (exit 1), nothing is
# written, no code is recorded as issued.
RO="$SCRATCH/readonly-out"
mkdir -p "$RO"
cp -r "$SCRATCH/setup/samples/samples" "$RO/"
mkdir -p "$RO/out"
if chattr +i "$RO/out" 2>/dev/null && ! touch "$RO/out/probe" 2>/dev/null; then
    RO_DIR=$RO/out
    RC=0
    (cd "$RO" && win "$EXE" convert --profile samples/profile.toml --out out samples/prestashop/customers.csv \
        samples/shopify/customers_export.csv >"$SCRATCH/readonly-out.txt" 2>&1) || RC=$?
    chattr -i "$RO/out"
    RO_DIR=""
    # An output folder that cannot be written stops the run before anything is written (exit 2).
    [ "$RC" = 2 ] || fail "convert into a read-only out\\: exit $RC, expected 2: $(cat "$SCRATCH/readonly-out.txt")"
    [ -z "$(ls -A "$RO/out")" ] || fail "convert into a read-only out\\ wrote: $(ls -A "$RO/out")"
    [ ! -e "$RO/samples/state" ] || fail "convert into a read-only out\\ recorded codes in samples\\state"
    say "Wine run: convert into a read-only out\\: exit 2, nothing written, no code recorded: $(grep -m1 -o 'output folder out: .*' "$SCRATCH/readonly-out.txt")"
else
    chattr -i "$RO/out" 2>/dev/null || true
    say "NOT RUN: convert into a read-only out/ (chattr +i is not available here)"
fi

# Orders: a Shopify orders export (CSV, one order fails alone: exit 1), then WooCommerce saved
# by Excel (XLSX) and PrestaShop's webservice (XML) with import paramétrable files
# (Windows-1252) beside Format Sage. The ledger and issued codes are compared too.
F=tests/fixtures
mkdir -p "$SCRATCH/setup/orders/"{profiles,gescom,shopify,woocommerce,prestashop}
cp "$F/profiles/orders.toml" "$SCRATCH/setup/orders/profiles/"
{
    cat "$F/profiles/orders_shops.toml"
    printf '\n[output]\ntemplates = ["clients_csv", "document_lines_fixed"]\n'
} >"$SCRATCH/setup/orders/profiles/orders_shops.toml"
cp "$F/gescom/export_ver33.txt" "$SCRATCH/setup/orders/gescom/"
cp "$F/shopify/orders_export.csv" "$SCRATCH/setup/orders/shopify/"
cp "$F/woocommerce/orders_algolplus.xlsx" "$SCRATCH/setup/orders/woocommerce/"
cp "$F/prestashop/webservice_orders.xml" "$SCRATCH/setup/orders/prestashop/"
compare shopify-orders "$SCRATCH/setup/orders" \
    convert --profile profiles/orders.toml --out out --state state --report report.json shopify/orders_export.csv
compare shops-orders "$SCRATCH/setup/orders" \
    convert --profile profiles/orders_shops.toml --out out --state state --report report.json \
    woocommerce/orders_algolplus.xlsx prestashop/webservice_orders.xml
crlf_only "$SCRATCH"/shopify-orders/windows/out/*.txt "$SCRATCH"/shops-orders/windows/out/*
cmp -s "$SCRATCH/shopify-orders/windows/out/orders_export.txt" tests/golden/orders/shopify_orders.txt ||
    fail "shopify-orders: out/orders_export.txt is not tests/golden/orders/shopify_orders.txt"
say "identical outputs: shopify-orders: out/orders_export.txt is also tests/golden/orders/shopify_orders.txt"
say "CRLF: every line of the Format Sage and import paramétrable files written under Wine ends with CR LF"

# ---------------------------------------------------------------------------------------------
# 5. `watch --once` under Wine in a folder with spaces and accents, the shipped watch/ profile
# (3 s to settle); the same drops on Linux, run for run, for the comparison.
say "watch --once under Wine: C:\\users\\Hélène Dupré\\Boutique Noël\\passerelle (the shipped watch/profile.toml)"
WUSER="$WINEPREFIX/drive_c/users/Hélène Dupré"
WROOT="$WUSER/Boutique Noël/passerelle"
WROOT_WIN='C:\users\Hélène Dupré\Boutique Noël\passerelle'
LROOT="$SCRATCH/watch-linux/Boutique Noël/passerelle"
rm -rf "$WUSER"
for d in "$WROOT" "$LROOT"; do
    mkdir -p "$d/gescom" "$d/inbox"
    cp watch/profile.toml "$d/"
    cp watch/gescom/clients.csv "$d/gescom/"
done

# drop DIR NAME FIXTURE: an export that arrived a while ago (old enough to be taken).
drop() {
    cp "tests/fixtures/watch/$3" "$1/inbox/$2"
    touch -d '10 minutes ago' "$1/inbox/$2"
}
# Z:\... : how a Windows program names a file of the Linux side.
zpath() { echo "Z:$(echo "$1" | tr / '\\')"; }
HOLDS=0
# hold FILE_WIN: hold-open.exe keeps the file open (write access, no sharing of writes or
# deletes) until release is called.
hold() {
    HOLDS=$((HOLDS + 1))
    RELEASE="$SCRATCH/release-$HOLDS"
    HOLDER_OUT="$SCRATCH/holder-$HOLDS.out"
    : >"$HOLDER_OUT"
    timeout 300 "$WINE" "$HOLD" "$1" "$(zpath "$RELEASE")" </dev/null >"$HOLDER_OUT" 2>&1 &
    HOLDER_PID=$!
    local _
    for _ in $(seq 600); do
        grep -q holding "$HOLDER_OUT" && return 0
        kill -0 "$HOLDER_PID" 2>/dev/null || break
        sleep 0.1
    done
    fail "hold-open.exe did not open $1: $(cat "$HOLDER_OUT")"
}
release() {
    touch "$RELEASE"
    wait "$HOLDER_PID" || fail "hold-open.exe: $(cat "$HOLDER_OUT")"
    HOLDER_PID=""
}
# run_watch N SIDE: `watch --once`; its exit code in RC, its console in $SCRATCH/watch-N-SIDE.log.
run_watch() {
    local log="$SCRATCH/watch-$1-$2.log"
    RC=0
    if [ "$2" = windows ]; then
        win "$EXE" watch --once --dir "$WROOT_WIN" >"$log" 2>&1 || RC=$?
        if wine_failed "$log"; then
            # The folders are as the run left them: the next run takes up what it left.
            say "watch --once under Wine, run $1: Wine's own error ($(grep -m1 '^wine client error' "$log")): run again"
            RC=0
            win "$EXE" watch --once --dir "$WROOT_WIN" >"$log" 2>&1 || RC=$?
        fi
    else
        "$LINUX_BIN" watch --once --dir "$LROOT" >"$log" 2>&1 || RC=$?
    fi
    LOG=$log
}
expect_rc() {
    [ "$RC" = "$1" ] || fail "$2: watch --once exited $RC, expected $1; its log:
$(cat "$LOG")"
}
# count DIR PATTERN: files under DIR whose name matches.
count() { find "$1" -type f -name "$2" | wc -l; }
listing() { (cd "$WROOT" && find inbox out archive errors work -type f 2>/dev/null | sort | tr '\n' ' '); }

# Run 1: a customers export with accents in its name, a file that is no export, and one held
# open by another program (Excel, a copy still running): its move fails with a sharing
# violation, so it stays in the inbox for the next run.
for d in "$WROOT" "$LROOT"; do
    drop "$d" "clients Noël été.csv" "clients lyon marseille.csv"
    drop "$d" "articles.csv" articles.csv
done
drop "$WROOT" "ouvert par Excel.csv" customers_export.csv
hold "$WROOT_WIN\\inbox\\ouvert par Excel.csv"
t=$SECONDS
run_watch 1 windows
expect_rc 1 "run 1 (a file failed)"
grep -q '"ouvert par Excel.csv" is open in another program' "$LOG" ||
    fail "run 1: the held file was not reported as open in another program: $(cat "$LOG")"
[ -f "$WROOT/inbox/ouvert par Excel.csv" ] || fail "run 1: the held file left the inbox: $(listing)"
[ "$(count "$WROOT/out" '*_clients Noël été.txt')" = 1 ] || fail "run 1: no output for clients Noël été.csv: $(listing)"
[ "$(count "$WROOT/archive" '*_clients Noël été.csv')" = 1 ] || fail "run 1: clients Noël été.csv not archived: $(listing)"
[ "$(count "$WROOT/archive" '*_clients Noël été.csv.report.json')" = 1 ] || fail "run 1: no report archived: $(listing)"
[ "$(count "$WROOT/errors" '*_articles.csv')" = 1 ] || fail "run 1: articles.csv not in errors/: $(listing)"
[ "$(count "$WROOT/errors" '*_articles.csv.error.txt')" = 1 ] || fail "run 1: no .error.txt: $(listing)"
[ "$(count "$WROOT/work" '*')" = 1 ] || fail "run 1: work/ not empty: $(listing)"
say "watch --once under Wine, run 1: exit $RC in $((SECONDS - t)) s: $(grep -o '[0-9]* converted, .*' "$LOG" | tail -n 1)"
say "  out/: $(cd "$WROOT/out" && find . -type f | sed 's#^\./##'); archive/: $(cd "$WROOT/archive" && find . -type f | sed 's#^\./##' | tr '\n' ' ')"
say "  errors/: $(cd "$WROOT/errors" && find . -type f | sed 's#^\./##' | sort | tr '\n' ' ')"
say "  sharing violation: \"ouvert par Excel.csv\", held open by hold-open.exe, stayed in inbox/ (\"is open in another program\")"
run_watch 1 linux
expect_rc 1 "Linux run 1"

# Run 2: the file is closed: taken.
release
t=$SECONDS
run_watch 2 windows
expect_rc 0 "run 2 (the held file, closed)"
[ "$(count "$WROOT/out" '*_ouvert par Excel.txt')" = 1 ] || fail "run 2: the file closed was not converted: $(listing)"
[ ! -e "$WROOT/inbox/ouvert par Excel.csv" ] || fail "run 2: still in the inbox"
say "watch --once under Wine, run 2: exit 0 in $((SECONDS - t)) s: the file, once closed, was converted → $(cd "$WROOT/out" && find . -name '*Excel*' | sed 's#^\./##')"
drop "$LROOT" "ouvert par Excel.csv" customers_export.csv
run_watch 2 linux
expect_rc 0 "Linux run 2"

# Run 3: the folder's lock held by another program (another watcher): refused, exit 2.
hold "$WROOT_WIN\\work\\.lock"
run_watch 3 windows
release
expect_rc 2 "run 3 (the lock held by another process)"
grep -qi "lock" "$LOG" || fail "run 3: the refusal does not name the lock: $(cat "$LOG")"
say "watch --once under Wine, run 3: work\\.lock held by another process: exit 2: $(head -n 1 "$LOG" | cut -c1-160)"

# Run 4: out/ cannot be written (on Windows: no write permission on the folder; here: the
# immutable attribute, which binds root too). The file must wait in work/, nothing lost, and
# the next run, once out/ is writable again, finishes it.
for d in "$WROOT" "$LROOT"; do
    drop "$d" "clients bordeaux paris.csv" "clients bordeaux paris.csv"
done
if chattr +i "$WROOT/out" 2>/dev/null && ! touch "$WROOT/out/probe" 2>/dev/null; then
    RO_DIR=$WROOT/out
    t=$SECONDS
    run_watch 4 windows
    chattr -i "$WROOT/out"
    RO_DIR=""
    expect_rc 1 "run 4 (out/ read-only)"
    [ "$(count "$WROOT/work" '*_clients bordeaux paris.csv')" = 1 ] ||
        fail "run 4: the file is not waiting in work/: $(listing)"
    [ "$(count "$WROOT/out" '*bordeaux*')" = 0 ] || fail "run 4: an output appeared in the read-only out/"
    say "watch --once under Wine, run 4: out\\ read-only: exit 1 in $((SECONDS - t)) s, the file waits in work\\: $(grep -o 'cannot finish a file: .*' "$LOG" | head -n 1 | sed "s#$(printf '%s' "$WROOT_WIN" | sed 's/[\\]/\\\\/g')#…#g" | cut -c1-140)"
else
    chattr -i "$WROOT/out" 2>/dev/null || true
    rm -f "$WROOT/out/probe"
    say "NOT RUN: read-only out/ (chattr +i is not available here): the rest goes on"
fi
run_watch 5 windows
expect_rc 0 "run 5 (out/ writable again)"
[ "$(count "$WROOT/out" '*_clients bordeaux paris.txt')" = 1 ] || fail "run 5: clients bordeaux paris.csv not converted: $(listing)"
[ "$(count "$WROOT/work" '*')" = 1 ] || fail "run 5: work/ not empty: $(listing)"
say "watch --once under Wine, run 5: exit 0: $(grep -o '[0-9]* file(s) left in work/.*' "$LOG" | head -n 1); $(grep -o '[0-9]* converted, .*' "$LOG" | tail -n 1)"
run_watch 4 linux
expect_rc 0 "Linux run 4"

# The same outputs as Linux, name for name (names start with the time a file was taken).
for f in "$LROOT"/out/*; do
    base=${f##*/}
    stem=${base#*_}
    w=$(find "$WROOT/out" -type f -name "*_$stem")
    [ -n "$w" ] || fail "watch: no output for $stem under Wine"
    case $stem in
    *.html)
        # The page for people is dated and names each side's own paths: a whole page will do.
        head -c 15 "$w" | grep -q '<!DOCTYPE html>' && tail -c 8 "$w" | grep -q '</html>' ||
            fail "watch: out/$stem under Wine is not a whole HTML page"
        say "watch: out/…_$stem: the page for people beside its output"
        continue
        ;;
    esac
    cmp -s "$f" "$w" || fail "watch: out/$stem differs between Linux and Wine"
    say "identical outputs: watch: out/…_$stem ($(win_describe "$w"), byte for byte)"
done
[ "$(count "$WROOT/out" '*')" = "$(count "$LROOT/out" '*')" ] || fail "watch: not as many outputs as on Linux"
cmp -s "$WROOT/state/passerelle-state.json" "$LROOT/state/passerelle-state.json" ||
    fail "watch: state/passerelle-state.json differs (codes issued)"
say "identical outputs: watch: state/passerelle-state.json ($(win_describe "$WROOT/state/passerelle-state.json"), byte for byte)"

# Text for Sage and Notepad: CR LF; the error note starts with a BOM (Notepad reads UTF-8).
crlf_only "$WROOT"/out/*.txt "$WROOT"/errors/*.error.txt
for f in "$WROOT"/errors/*.error.txt; do
    [ "$(head -c 3 "$f" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "$f: no BOM"
done
grep -q 'took "clients Noël été.csv"' "$WROOT/passerelle-watch.log" ||
    fail "the log file does not name \"clients Noël été.csv\" in UTF-8"
say "CRLF: out\\*.txt and errors\\*.error.txt (UTF-8 with BOM) end every line with CR LF; passerelle-watch.log is UTF-8 and ends lines with $(if grep -q $'\r$' "$WROOT/passerelle-watch.log"; then echo 'CR LF'; else echo 'LF only'; fi)"

# ---------------------------------------------------------------------------------------------
# 6. Accents on the console: Wine gives the program a console (its conhost on a terminal) when
# run on one; the path printed must come back as written.
mkdir -p "$WUSER/Boutique Noël/exports"
cp samples/shopify/customers_export.csv "$WUSER/Boutique Noël/exports/clients été.csv"
ACCENTED='C:\users\Hélène Dupré\Boutique Noël\exports\clients été.csv'
script -qec "timeout 60 '$WINE' '$EXE' inspect '$ACCENTED'" /dev/null </dev/null >"$SCRATCH/console.txt" 2>&1 ||
    fail "inspect on a console: $(cat "$SCRATCH/console.txt")"
grep -qF "$ACCENTED" "$SCRATCH/console.txt" || fail "the console shows the path mangled: $(head -n 2 "$SCRATCH/console.txt" | cat -v)"
say "console: passerelle.exe inspect on a console prints: $(grep -F "$ACCENTED" "$SCRATCH/console.txt" | head -n 1 | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g' | tr -d '\r')"
win "$EXE" inspect "$ACCENTED" >"$SCRATCH/piped.txt" 2>&1 || fail "inspect, piped: $(cat "$SCRATCH/piped.txt")"
grep -qF "$ACCENTED" "$SCRATCH/piped.txt" || fail "inspect, piped: the path is mangled: $(head -n 1 "$SCRATCH/piped.txt" | cat -v)"
say "console: and the same path in UTF-8 when its output goes to a file or a pipe"

# ---------------------------------------------------------------------------------------------
# 7. The zip, installed as its LISEZMOI-README.txt says: extracted into C:\Program Files\passerelle,
# on the PATH, the demo copied into Documents and run from there; its drop folder, shipped
# without a client list, refuses to start until one is there.
bash scripts/package-windows.sh >"$SCRATCH/package.log" 2>&1 || fail "package-windows.sh: $(cat "$SCRATCH/package.log")"
ZIP=target/dist/passerelle-windows-x64.zip
PF="$WINEPREFIX/drive_c/Program Files/passerelle"
rm -rf "$PF"
mkdir -p "$PF"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$ZIP" "$PF" 2>/dev/null ||
    (cd "$PF" && unzip -q "$ROOT/$ZIP") || fail "cannot extract $ZIP"
if find "$PF" -iname '*.dll' | grep -q .; then fail "the zip ships a DLL"; fi
cmp -s "$PF/passerelle.exe" "$EXE" || fail "the zip's passerelle.exe is not the one tested above"
DOCS="$WUSER/Documents"
mkdir -p "$DOCS"
cp -r "$PF/samples" "$DOCS/"
RC=0
(cd "$DOCS" && WINEPATH='C:\Program Files\passerelle' win cmd /c passerelle convert --profile samples\\profile.toml --out out \
    samples\\prestashop\\customers.csv samples\\shopify\\customers_export.csv >"$SCRATCH/zip-demo.txt" 2>&1) || RC=$?
[ "$RC" = 0 ] || fail "the zip's demo, run as its LISEZMOI says: exit $RC: $(cat "$SCRATCH/zip-demo.txt")"
for f in "$SCRATCH"/samples/linux/out/*; do
    cmp -s "$f" "$DOCS/out/${f##*/}" || fail "the zip's demo: out\\${f##*/} differs from the Linux build's"
    say "identical outputs: zip: C:\\users\\Hélène Dupré\\Documents\\out\\${f##*/} ($(win_describe "$f"), byte for byte)"
done
cp -r "$PF/watch" "$WUSER/Boutique Noël/passerelle du zip"
cp "tests/fixtures/watch/clients lyon marseille.csv" "$WUSER/Boutique Noël/passerelle du zip/inbox/"
RC=0
win "$PF/passerelle.exe" watch --once --dir 'C:\users\Hélène Dupré\Boutique Noël\passerelle du zip' >"$SCRATCH/zip-watch.txt" 2>&1 || RC=$?
{ [ "$RC" = 2 ] && grep -q "client list" "$SCRATCH/zip-watch.txt"; } ||
    fail "the zip's watch folder without a client list: exit $RC: $(cat "$SCRATCH/zip-watch.txt")"
[ -f "$WUSER/Boutique Noël/passerelle du zip/inbox/clients lyon marseille.csv" ] || fail "the zip's watch folder took a file without a client list"
say "zip: $ZIP ($(win_describe "$ZIP"), $(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$ZIP" 2>/dev/null || echo '?') entries, no DLL) extracted into C:\\Program Files\\passerelle: the demo converts through the PATH; watch without gescom\\clients.csv: exit 2, the export left in inbox\\"

"$WINESERVER" -k 2>/dev/null || true
say "OK: the Windows build converts like the Linux build and watch --once works under Wine ($(elapsed))"
