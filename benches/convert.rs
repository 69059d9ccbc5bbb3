//! Benchmark of a full conversion (issue "Performance"): a Shopify `orders_export.csv` of N
//! rows against a client list of M clients, converted to Format Sage, side by side with a
//! baseline that only reads the CSV and writes 17 of its columns (the csv crate, reused
//! records, buffered output: the floor for any tool that reads and writes these bytes) and,
//! when `xsv` is on the PATH (`cargo install xsv`), `xsv select` of the same 17 columns.
//!
//!     cargo bench --bench convert                          # 250,000 and 1,000,000 rows, 200,000 clients
//!     cargo bench --bench convert -- --rows 100000 --clients 20000
//!     cargo bench --bench convert -- --bin target/pgo/x86_64-unknown-linux-gnu/release/passerelle
//!
//! `--bin` measures another build of passerelle (`scripts/pgo-build.sh`'s) in place of the
//! one Cargo built for the bench.
//!
//! Each program runs in its own process, best wall time of 3 runs (the slowest printed
//! beside it: this machine's speed swings by the hour); peak memory is the
//! child's maximum resident set (wait4; Linux counts in it the memory of this process when it
//! starts the child, a few MiB). The baseline and xsv run on one thread; passerelle reads on a
//! second one (so its CPU time may exceed its wall time). Data is generated once per size
//! under target/bench-data (deterministic: seed 42).

#[path = "support/datagen.rs"]
mod datagen;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The columns the baseline and `xsv select` copy (0-based): order, e-mail, status, amounts,
/// date, line, billing name and address, country.
const COLUMNS: [usize; 17] = [0, 1, 2, 7, 8, 9, 10, 11, 15, 16, 17, 18, 20, 24, 29, 30, 32];

/// The baseline, run as `convert --baseline IN OUT`: read every record, write 17 columns.
fn baseline(input: &Path, output: &Path) {
    let mut r = csv::ReaderBuilder::new().buffer_capacity(256 * 1024).from_path(input).expect("input");
    let mut w =
        csv::WriterBuilder::new().buffer_capacity(256 * 1024).from_writer(File::create(output).expect("output"));
    let mut rec = csv::ByteRecord::new();
    let mut out = csv::ByteRecord::new();
    let h = r.byte_headers().expect("header").clone();
    out.extend(COLUMNS.iter().map(|&i| &h[i]));
    w.write_byte_record(&out).unwrap();
    while r.read_byte_record(&mut rec).expect("record") {
        out.clear();
        for &i in &COLUMNS {
            out.push_field(rec.get(i).unwrap_or(b""));
        }
        w.write_byte_record(&out).unwrap();
    }
    w.flush().unwrap();
}

struct Measure {
    wall: Duration,
    /// The slowest run's wall time (`best`): how much the host swung meanwhile.
    slowest: Duration,
    /// User + system time: on a shared machine, wall time also counts the waits for a core.
    cpu: Duration,
    peak_kib: u64,
}

/// Runs `cmd` and returns its wall time and peak resident set.
fn run(cmd: &mut Command) -> Measure {
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn");
    let (status, cpu, peak_kib) = wait_peak(child);
    let wall = start.elapsed();
    assert!(status, "{cmd:?} failed");
    Measure { wall, slowest: wall, cpu, peak_kib }
}

#[cfg(unix)]
fn wait_peak(child: std::process::Child) -> (bool, Duration, u64) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    // The generated data converts cleanly: any failure means the run measured something else.
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (ok, tv(usage.ru_utime) + tv(usage.ru_stime), usage.ru_maxrss as u64)
}

#[cfg(not(unix))]
fn wait_peak(mut child: std::process::Child) -> (bool, Duration, u64) {
    let s = child.wait().expect("wait");
    (s.code() == Some(0), Duration::ZERO, 0)
}

fn data(rows: u64, clients: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data").join(format!("{rows}-{clients}"));
    if !dir.join("orders_export.csv").exists() {
        fs::create_dir_all(&dir).unwrap();
        datagen::clients_csv(&mut BufWriter::new(File::create(dir.join("clients.csv")).unwrap()), clients, 42).unwrap();
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join("orders_export.csv.part")).unwrap());
        datagen::shopify_orders(&mut w, rows, u64::MAX, clients * 2, 42).unwrap();
        w.flush().unwrap();
        drop(w);
        fs::rename(dir.join("orders_export.csv.part"), dir.join("orders_export.csv")).unwrap();
    }
    // Always the current profile, even over cached data.
    fs::write(dir.join("profile.toml"), datagen::BENCH_PROFILE).unwrap();
    dir
}

fn best(runs: usize, mut f: impl FnMut() -> Measure) -> Measure {
    let mut best = Measure { wall: Duration::MAX, slowest: Duration::ZERO, cpu: Duration::MAX, peak_kib: 0 };
    for _ in 0..runs {
        let m = f();
        best.peak_kib = best.peak_kib.max(m.peak_kib);
        best.wall = best.wall.min(m.wall);
        best.slowest = best.slowest.max(m.wall);
        best.cpu = best.cpu.min(m.cpu);
    }
    best
}

/// Whether two files hold the same bytes, read a little at a time: a child's peak memory as
/// wait4 reports it counts the memory of this process when it started the child, which must
/// stay small.
fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(mut a), Ok(mut b)) = (File::open(a), File::open(b)) else { return false };
    let (mut x, mut y) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = a.read(&mut x).unwrap_or(0);
        if n == 0 {
            return b.read(&mut y[..1]).unwrap_or(1) == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

/// `xsv` if it is on the PATH and answers.
fn xsv() -> Option<PathBuf> {
    let ok = Command::new("xsv")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| PathBuf::from("xsv"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--baseline") {
        baseline(Path::new(&args[2]), Path::new(&args[3]));
        return;
    }
    let get = |name: &str| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(|v| v.parse::<u64>().expect(name))
    };
    let clients = get("--clients").unwrap_or(200_000);
    let sizes: Vec<u64> = match get("--rows") {
        Some(r) => vec![r],
        None => vec![250_000, 1_000_000],
    };
    let me = std::env::current_exe().unwrap();
    let passerelle = match args.iter().position(|a| a == "--bin").and_then(|i| args.get(i + 1)) {
        Some(bin) => {
            let bin = PathBuf::from(bin);
            assert!(bin.is_file(), "--bin {}: no such program", bin.display());
            println!("(passerelle: {})", bin.display());
            fs::canonicalize(bin).unwrap()
        }
        None => PathBuf::from(env!("CARGO_BIN_EXE_passerelle")),
    };
    let xsv = xsv();
    if xsv.is_none() {
        println!("(xsv is not on the PATH: `cargo install xsv` to compare with `xsv select`)");
    }
    let select = COLUMNS.iter().map(|c| (c + 1).to_string()).collect::<Vec<_>>().join(",");
    println!(
        "{:<10} {:<12} {:>9} {:>9} {:>9} {:>12} {:>9} {:>10}",
        "rows", "program", "wall ms", "slowest", "cpu ms", "rows/s", "MB/s", "peak MiB"
    );
    for rows in sizes {
        let dir = data(rows, clients);
        let input = dir.join("orders_export.csv");
        let mb = fs::metadata(&input).unwrap().len() as f64 / 1e6;
        let base = best(3, || run(Command::new(&me).arg("--baseline").arg(&input).arg(dir.join("baseline.csv"))));
        let sel = xsv.as_ref().map(|x| {
            best(3, || run(Command::new(x).args(["select", &select]).arg(&input).arg("-o").arg(dir.join("xsv.csv"))))
        });
        let conv = best(3, || {
            let _ = fs::remove_dir_all(dir.join("out"));
            let _ = fs::remove_dir_all(dir.join("state"));
            // The run's date fixed, so the output is the same bytes from one day to the next.
            run(Command::new(&passerelle)
                .current_dir(&dir)
                .env("PASSERELLE_TODAY", "2026-01-15")
                .args(["convert", "--profile", "profile.toml", "--out", "out", "--state", "state", "orders_export.csv"])
                .stdout(std::process::Stdio::null()))
        });
        if sel.is_some() && !same_bytes(&dir.join("xsv.csv"), &dir.join("baseline.csv")) {
            println!("(xsv select did not write the same bytes as the baseline: the two do not compare)");
        }
        let programs = [("baseline", Some(&base)), ("xsv select", sel.as_ref()), ("passerelle", Some(&conv))];
        for (name, m) in programs.iter().filter_map(|(n, m)| m.map(|m| (n, m))) {
            let s = m.wall.as_secs_f64();
            println!(
                "{rows:<10} {name:<12} {:>9.0} {:>9.0} {:>9.0} {:>12.0} {:>9.1} {:>10.1}",
                s * 1e3,
                m.slowest.as_secs_f64() * 1e3,
                m.cpu.as_secs_f64() * 1e3,
                rows as f64 / s,
                mb / s,
                m.peak_kib as f64 / 1024.0
            );
        }
        let ratio = |m: &Measure| conv.wall.as_secs_f64() / m.wall.as_secs_f64();
        let xsv_ratio = sel.as_ref().map(|m| format!(", {:.2}× xsv select's", ratio(m))).unwrap_or_default();
        println!(
            "{rows:<10} ratio        passerelle takes {:.2}× the baseline's wall time{xsv_ratio} ({mb:.0} MB in, {clients} clients)",
            ratio(&base)
        );
        // What a change of speed must keep: the output's bytes.
        println!("{rows:<10} output       sha256 {}", sha256_of(&dir.join("out").join("orders_export.txt")));
    }
}

/// SHA-256 of a file, read a little at a time, in hex.
fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    use std::io::Read;
    let Ok(mut f) = File::open(path) else { return format!("({} not written)", path.display()) };
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) => return format!("(cannot read {}: {e})", path.display()),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
