//! Writes benchmark data, deterministic from a seed: a Shopify `orders_export.csv` of N rows or
//! N orders (79 columns, orders of 1 to 4 lines, French data with accents), a client list of M
//! clients exported from Gestion Commerciale (`clients.csv`, Windows-1252; with `--sage` also
//! `clients.txt`, the same clients as a Format Sage export) and a `profile.toml`.
//!
//! cargo run --release --example gen_data -- --rows 1000000 --clients 200000 --seed 42 --out /tmp/bench
//! cargo run --release --example gen_data -- --orders 50000 --clients 20000 --out /tmp/bench

#[path = "../benches/support/datagen.rs"]
mod datagen;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
Writes benchmark data: a Shopify orders_export.csv, a client list (clients.csv) and a profile.toml.

Usage: gen_data [--rows N | --orders N] [--clients M] [--seed S] [--sage] [--out DIR]

  --rows N      rows of orders_export.csv (default 100000)
  --orders N    orders instead of rows (1 to 4 rows each)
  --clients M   clients of the list (default 20000); a third of the shop customers are among them
  --seed S      seed of the generator (default 42): the same seed gives the same bytes
  --sage        also write clients.txt, the same clients as a Format Sage export
  --out DIR     folder to write to (default bench-data), created if needed
  -h, --help    this help";

struct Args {
    rows: u64,
    orders: u64,
    clients: u64,
    seed: u64,
    sage: bool,
    out: PathBuf,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        rows: 100_000,
        orders: u64::MAX,
        clients: 20_000,
        seed: 42,
        sage: false,
        out: PathBuf::from("bench-data"),
    };
    while let Some(name) = args.next() {
        let mut value = |what: &str| args.next().ok_or_else(|| format!("{name} needs {what}"));
        let mut number = |what: &str| {
            let v = value(what)?;
            v.parse::<u64>().map_err(|_| format!("{name} needs {what}, not '{v}'"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--rows" => a.rows = number("a number of rows")?,
            "--orders" => {
                a.orders = number("a number of orders")?;
                a.rows = u64::MAX;
            }
            "--clients" => a.clients = number("a number of clients")?,
            "--seed" => a.seed = number("a number")?,
            "--sage" => a.sage = true,
            "--out" => a.out = PathBuf::from(value("a folder")?),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(Some(a))
}

fn write(path: PathBuf, f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(err)?);
    f(&mut w).and_then(|_| w.flush()).map_err(err)
}

fn run(a: &Args) -> Result<(u64, u64), String> {
    fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    write(a.out.join("clients.csv"), |w| datagen::clients_csv(w, a.clients, a.seed))?;
    if a.sage {
        write(a.out.join("clients.txt"), |w| datagen::clients_format_sage(w, a.clients, a.seed))?;
    }
    let mut written = (0, 0);
    write(a.out.join("orders_export.csv"), |w| {
        written = datagen::shopify_orders(w, a.rows, a.orders, a.clients * 2, a.seed)?;
        Ok(())
    })?;
    let profile = a.out.join("profile.toml");
    fs::write(&profile, datagen::BENCH_PROFILE).map_err(|e| format!("{}: {e}", profile.display()))?;
    Ok(written)
}

fn main() -> ExitCode {
    let a = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen_data: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&a) {
        Ok((rows, orders)) => {
            let sage = if a.sage { " (and clients.txt)" } else { "" };
            println!(
                "{}: {rows} rows, {orders} orders, {} clients{sage} (seed {})",
                a.out.display(),
                a.clients,
                a.seed
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_data: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Option<Args>, String> {
        parse(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn help_and_bad_arguments_are_answered_not_panicked_on() {
        assert!(matches!(args(&["--help"]), Ok(None)));
        assert!(matches!(args(&["--rows", "10", "-h"]), Ok(None)));
        assert_eq!(args(&["--rows"]).err().unwrap(), "--rows needs a number of rows");
        assert_eq!(
            args(&["--clients", "beaucoup"]).err().unwrap(),
            "--clients needs a number of clients, not 'beaucoup'"
        );
        assert_eq!(args(&["--lignes", "10"]).err().unwrap(), "unknown argument '--lignes'");
    }

    #[test]
    fn arguments_set_what_is_written() {
        let a =
            args(&["--orders", "50", "--clients", "7", "--seed", "3", "--sage", "--out", "données"]).unwrap().unwrap();
        assert_eq!((a.rows, a.orders, a.clients, a.seed, a.sage), (u64::MAX, 50, 7, 3, true));
        assert_eq!(a.out, PathBuf::from("données"));
        let d = args(&[]).unwrap().unwrap();
        assert_eq!((d.rows, d.orders, d.clients, d.seed, d.sage), (100_000, u64::MAX, 20_000, 42, false));
    }
}
