#!/usr/bin/env bash
# Instructions each thread of a bench conversion executes, counted by callgrind: unlike wall
# time, the count does not vary with the machine's load, so a change of a few percent can be
# seen. Needs valgrind and the bench's data (made by `cargo bench --bench convert`).
#
#   bash scripts/count-instructions.sh [ROWS] [BINARY]
#
# ROWS: 250000 (default, about a minute) or 1000000 (about five); BINARY: the release build by
# default. Prints, per thread, its instructions and, apart, those spent on new clients' card
# texts (`card_texts`), which either thread makes depending on which waits for the other, then
# the sum over all threads: the figure to compare, as both cores are busy and work moved from
# one thread to the other gains nothing. The output's sha256 ends the report, to check that a
# change made for speed keeps the bytes. KEEP=1 keeps callgrind's files (cg.out-NN, one per
# thread) for `callgrind_annotate`; their folder is printed at the end.
set -euo pipefail

rows=${1:-250000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$root/target/release/passerelle}
# The conversion runs in the data's folder: a relative path is taken from here first.
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
data=$root/target/bench-data/$rows-200000

command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null || {
    echo "count-instructions: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
}
[ -x "$bin" ] || { echo "count-instructions: no binary at $bin (cargo build --release)" >&2; exit 2; }
[ -f "$data/orders_export.csv" ] || {
    echo "count-instructions: no bench data in $data (cargo bench --bench convert makes it)" >&2
    exit 2
}

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
(
    cd "$data"
    PASSERELLE_TODAY=2026-01-15 valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$work/cg.out" "$bin" convert --profile profile.toml \
        --out "$work/out" --state "$work/state" orders_export.csv >"$work/console" 2>&1
) || {
    # A conversion that failed counts nothing worth comparing: say why.
    tail -20 "$work/console" >&2
    echo "count-instructions: the conversion failed (its output above)" >&2
    exit 1
}

# A thread's total, and its inclusive count of a function (0 when it never ran it). awk reads
# to the end: leaving early would end callgrind_annotate on a broken pipe (pipefail).
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !n { gsub(",", "", $1); n = $1 } END { print (n == "" ? 0 : n) }'; }
inclusive() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
        awk -v f="$2" 'index($0, f) && /\[/ && !n { gsub(",", "", $1); n = $1 } END { print (n == "" ? 0 : n) }'
}

printf '%-14s %16s %16s %16s\n' thread instructions "card texts" "without them"
sum=0
for f in "$work"/cg.out-*; do
    all=$(total "$f")
    [ "${all:-0}" -gt 1000000 ] || continue
    if [ "$(inclusive "$f" 'convert::convert_run ')" != 0 ]; then
        name=converting
    elif [ "$(inclusive "$f" 'OrderReader::next ')" != 0 ]; then
        name=reading
    elif [ "$(inclusive "$f" 'gescom::clients::load_table_from')" != 0 ]; then
        name="client list"
    # A build with a profile (scripts/pgo-build.sh) may inline `OrderReader::next`.
    elif [ "$(inclusive "$f" 'passerelle::shop::')" != 0 ]; then
        name=reading
    else
        name=other
    fi
    card=$(inclusive "$f" 'customer::card_texts ')
    printf '%-14s %16d %16d %16d\n' "$name" "$all" "$card" $((all - card))
    sum=$((sum + all))
done
printf '%-14s %16d\n' "all threads" "$sum"
sha256sum "$work/out/orders_export.txt" | awk '{ print "output sha256 " $1 }'
[ -z "${KEEP:-}" ] || echo "callgrind files kept in $work"
