//! Reads a CSV export row by row as the converter does (encoding and delimiter sniffed, the
//! record limit, each row checked as UTF-8) and prints the rows and the time taken: the cost
//! of reading alone, next to `cargo bench --bench convert`.
//!
//! `cargo run --release --example read_rows -- FILE.csv [--cells]` (`--cells`: also read
//! every cell as text).

use std::path::Path;
use std::time::Instant;

use passerelle::table::csv::CsvTable;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: read_rows FILE.csv [--cells]");
        std::process::exit(2);
    };
    let cells = args.iter().any(|a| a == "--cells");
    let start = Instant::now();
    let mut table = match CsvTable::open(Path::new(path), None, None) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let (mut rows, mut bytes) = (0u64, 0usize);
    loop {
        match table.next_row() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        rows += 1;
        if cells {
            for i in 0..table.len() {
                bytes += table.cell(i).len();
            }
        }
    }
    let took = start.elapsed();
    if cells {
        println!("{rows} rows, {bytes} bytes of cells, in {took:.2?}");
    } else {
        println!("{rows} rows in {took:.2?}");
    }
}
