//! Writes benchmark data, deterministic from a seed: a Shopify `orders_export.csv` of N rows or
//! N orders (79 columns, orders of 1 to 4 lines, French data with accents), a client list of M
//! clients exported from Gestion Commerciale (`clients.csv`, Windows-1252) and a `profile.toml`.
//!
//! cargo run --release --example gen_data -- --rows 1000000 --clients 200000 --seed 42 --out /tmp/bench
//! cargo run --release --example gen_data -- --orders 50000 --clients 20000 --out /tmp/bench

#[path = "../benches/support/datagen.rs"]
mod datagen;

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::PathBuf;

fn main() {
    let mut rows = 100_000u64;
    let mut orders = u64::MAX;
    let mut clients = 20_000u64;
    let mut seed = 42u64;
    let mut out = PathBuf::from("bench-data");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--rows" => rows = val().parse().expect("--rows N"),
            "--orders" => {
                orders = val().parse().expect("--orders N");
                rows = u64::MAX;
            }
            "--clients" => clients = val().parse().expect("--clients M"),
            "--seed" => seed = val().parse().expect("--seed S"),
            "--out" => out = PathBuf::from(val()),
            other => panic!("unknown argument {other} (--rows --orders --clients --seed --out)"),
        }
    }
    fs::create_dir_all(&out).expect("output folder");
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("clients.csv")).unwrap());
    datagen::clients_csv(&mut w, clients, seed).unwrap();
    drop(w);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("orders_export.csv")).unwrap());
    let (r, o) = datagen::shopify_orders(&mut w, rows, orders, clients * 2, seed).unwrap();
    drop(w);
    fs::write(out.join("profile.toml"), datagen::BENCH_PROFILE).unwrap();
    println!("{}: {r} rows, {o} orders, {clients} clients (seed {seed})", out.display());
}
