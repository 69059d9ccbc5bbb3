#!/usr/bin/env bash
# Builds passerelle optimised with a profile of its own runs (PGO): an instrumented build
# converts invented data (a generated Shopify orders export against CSV and Format Sage client
# lists, with and without a report, and the samples' customers exports), LLVM merges what it
# counted, and the release build uses it to lay out and inline the code.
#   scripts/pgo-build.sh          -> target/pgo/<host>/release/passerelle (path printed at the end)
# Needs llvm-profdata, from the Rust toolchain's llvm-tools (`rustup component add llvm-tools`).
# About five minutes on two cores (two release builds). The data is generated, never a
# customer's: target/pgo-data/train.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "pgo-build: $*"; }

HOST=$(rustc -vV | sed -n 's/^host: //p')
PROFDATA="$(rustc --print sysroot)/lib/rustlib/$HOST/bin/llvm-profdata"
if [ ! -x "$PROFDATA" ]; then
    say "llvm-profdata is missing: install it with \`rustup component add llvm-tools\`" >&2
    exit 1
fi
DATA=$PWD/target/pgo-data
RAW=$DATA/raw
TRAIN=$DATA/train
rm -rf "$RAW" "$TRAIN/out" "$TRAIN/state" "$TRAIN/samples-out" "$TRAIN/samples-state"
mkdir -p "$RAW" "$TRAIN"

# 1. The instrumented build. With --target given, the flags reach the program and its
#    libraries, not the build scripts (whose runs would add their own counts); encoded, so
#    that a path with spaces stays one flag (the user's RUSTFLAGS do not apply here).
t=$SECONDS
CARGO_ENCODED_RUSTFLAGS="-Cprofile-generate=$RAW" cargo build --locked --release --quiet --target "$HOST" \
    --target-dir target/pgo-gen --bin passerelle
GEN=target/pgo-gen/$HOST/release/passerelle
say "instrumented build in $((SECONDS - t)) s"

# 2. Training: invented data, as the bench makes it (another seed and size).
if [ ! -f "$TRAIN/orders_export.csv" ]; then
    cargo run --locked --release --quiet --example gen_data -- --rows 120000 --clients 30000 --seed 7 --sage --out "$TRAIN"
fi
(
    cd "$TRAIN"
    export PASSERELLE_TODAY=2026-01-15
    "$OLDPWD/$GEN" convert --profile profile.toml --out out --state state orders_export.csv >/dev/null
    # Again with a report, against the Format Sage list, into a fresh state.
    sed 's/^file = "clients.csv"/file = "clients.txt"/' profile.toml >profile-sage.toml
    rm -rf out state
    "$OLDPWD/$GEN" convert --profile profile-sage.toml --out out --state state --report out/report.json \
        orders_export.csv >/dev/null
)
"$GEN" convert --profile samples/profile.toml --out "$TRAIN/samples-out" --state "$TRAIN/samples-state" \
    samples/prestashop/customers.csv samples/shopify/customers_export.csv >/dev/null
"$PROFDATA" merge -o "$DATA/passerelle.profdata" "$RAW"
say "profile: $DATA/passerelle.profdata ($(du -h "$DATA/passerelle.profdata" | cut -f1))"

# 3. The release build with the profile (functions changed since it was taken are built as
#    without one).
t=$SECONDS
CARGO_ENCODED_RUSTFLAGS="-Cprofile-use=$DATA/passerelle.profdata"$'\x1f'"-Cllvm-args=-no-pgo-warn-mismatch" \
    cargo build --locked --release --quiet --target "$HOST" --target-dir target/pgo --bin passerelle
say "optimised build in $((SECONDS - t)) s: target/pgo/$HOST/release/passerelle"
