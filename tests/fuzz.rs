//! A mutation fuzzer run by `cargo test` (no nightly toolchain needed): every kind of file
//! passerelle reads (shop exports in CSV, XLSX, XML and JSON, client lists, profiles, Format Sage
//! files, article mappings, templates) is mutated (bit flips, truncation, quotes,
//! delimiters, NULs, huge cells, deep nesting, damaged zip parts...) and fed to every reader,
//! to `validate` and to `convert`, in-process, then a few cases through the binary.
//!
//! Asserted for each case: no panic, no hang (a watchdog), the exit-code contract (0/1 for an
//! input, 2 only for a profile or client-list problem), and no output for a failed input.
//!
//! The fuzzing runs in a child process (this test binary again), with a memory limit, so
//! that a crash the process cannot catch (a stack overflow, an allocation failure) is
//! reported with the case that caused it, saved under `target/fuzz/`. Reproducers of what
//! it found are kept under `tests/fixtures/fuzz/<kind>/` and run first, every time.
//!
//! - `PASSERELLE_FUZZ_SECONDS` (default 30): time spent mutating, in-process.
//! - `PASSERELLE_FUZZ_SEED`: replay a run (the seed is printed with the count of executions).
//!   The profile seeds name fixtures by absolute path, so a run replays byte for byte only from a
//!   clone at the same path as the one that found it (CI's path shows in the failure message).

use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use passerelle::convert::{ConvertOptions, convert};
use passerelle::profile::ClientsSection;
use passerelle::report::{Status, Warnings};
use passerelle::sage::Layout;
use passerelle::shop::{self, ShopFile};

const WORKER: &str = "PASSERELLE_FUZZ_WORKER";
/// A case slower than this is a hang (a debug build on a busy two-core machine).
const CASE_LIMIT: Duration = Duration::from_secs(20);
/// Address space of the worker: an input that makes passerelle allocate more is a failure.
#[cfg(unix)]
const MEMORY_LIMIT: u64 = 6 << 30;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    root().join("target").join("fuzz")
}

/// The console of the CI run, past the test harness's capture: the count of executions is
/// printed even when the test passes.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A shop export: CSV, XLSX or PrestaShop webservice XML.
    Shop,
    /// A client list exported from Gestion Commerciale: CSV, XLSX or Format Sage.
    Clients,
    Profile,
    /// A Format Sage file, for `validate`.
    Sage,
    Articles,
    Template,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Shop => "shop",
            Kind::Clients => "clients",
            Kind::Profile => "profile",
            Kind::Sage => "sage",
            Kind::Articles => "articles",
            Kind::Template => "template",
        }
    }

    const ALL: [Kind; 6] = [Kind::Shop, Kind::Clients, Kind::Profile, Kind::Sage, Kind::Articles, Kind::Template];
}

struct Seed {
    kind: Kind,
    name: String,
    bytes: Vec<u8>,
}

/// The fixtures every mutation starts from: one or more of each kind and platform.
fn corpus() -> Vec<Seed> {
    let f = |rel: &str| root().join(rel);
    let mut v = Vec::new();
    let mut add = |kind: Kind, rel: &str| {
        let bytes = std::fs::read(f(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let bytes = if kind == Kind::Profile { absolute_profile(&bytes) } else { bytes };
        v.push(Seed { kind, name: Path::new(rel).file_name().unwrap().to_string_lossy().into_owned(), bytes });
    };
    for rel in [
        "tests/fixtures/shopify/customers_export_current.csv",
        "tests/fixtures/shopify/customers_export_intermediate.csv",
        "tests/fixtures/shopify/customers_export_legacy.csv",
        "tests/fixtures/shopify/orders_export.csv",
        "tests/fixtures/prestashop/customer_2026-11-28_101500.csv",
        "tests/fixtures/prestashop/customers_sql_excel.csv",
        "tests/fixtures/prestashop/webservice_orders.xml",
        "tests/fixtures/woocommerce/order_export_webtoffee.csv",
        "tests/fixtures/woocommerce/orders_algolplus.csv",
        "tests/fixtures/woocommerce/orders_algolplus.xlsx",
        "tests/real_formats/woocommerce_rest/orders.json",
        "tests/real_formats/magento/orders.json",
        "tests/real_formats/magento/customer_main.csv",
        "tests/real_formats/magento/customer_address.csv",
        "tests/real_formats/prestashop_webservice/orders.xml",
        "tests/real_formats/prestashop_webservice/customers.xml",
    ] {
        add(Kind::Shop, rel);
    }
    for rel in [
        "tests/fixtures/gescom/clients.csv",
        "tests/fixtures/gescom/clients_same.xlsx",
        "tests/fixtures/gescom/export_ver33.txt",
    ] {
        add(Kind::Clients, rel);
    }
    for rel in [
        "tests/fixtures/profiles/orders_shops.toml",
        "tests/fixtures/profiles/options.toml",
        "tests/fixtures/profiles/export_update.toml",
        "templates/profile/default.toml",
    ] {
        add(Kind::Profile, rel);
    }
    for rel in ["tests/golden/customers/shopify_current.txt", "tests/golden/orders/prestashop_webservice.txt"] {
        add(Kind::Sage, rel);
    }
    add(Kind::Articles, "tests/fixtures/shopify/articles.csv");
    for rel in ["templates/parametrable/clients_csv.toml", "templates/parametrable/document_lines_fixed.toml"] {
        add(Kind::Template, rel);
    }
    v
}

/// A profile of the fixtures with its relative paths made absolute, so that it still finds
/// its client list when written elsewhere.
fn absolute_profile(bytes: &[u8]) -> Vec<u8> {
    let gescom = root().join("tests/fixtures/gescom").display().to_string().replace('\\', "/");
    String::from_utf8_lossy(bytes).replace("../gescom", &gescom).into_bytes()
}

/// splitmix64: small, fast, and the same sequence everywhere for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04")
}

/// One to four mutations of `data`, drawn from what damages real files.
fn mutate(rng: &mut Rng, data: &[u8], others: &[&[u8]]) -> Vec<u8> {
    if is_zip(data) && !rng.chance(3) {
        return mutate_zip(rng, data, others);
    }
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        mutate_once(rng, &mut d, others);
        // Mutations stack: keep cases small enough to run by the thousand (the limits of
        // the readers, 8 MiB and more, have their own tests in tests/hardening.rs).
        d.truncate(MAX_CASE);
    }
    d
}

/// Largest mutated case.
const MAX_CASE: usize = 3 << 20;

fn mutate_once(rng: &mut Rng, d: &mut Vec<u8>, others: &[&[u8]]) {
    let at = rng.below(d.len() + 1);
    let insert = |d: &mut Vec<u8>, bytes: &[u8]| {
        let at = at.min(d.len());
        d.splice(at..at, bytes.iter().copied());
    };
    match rng.below(17) {
        0 if !d.is_empty() => {
            let i = rng.below(d.len());
            d[i] ^= 1 << rng.below(8);
        }
        1 if !d.is_empty() => {
            let i = rng.below(d.len());
            d[i] = rng.next() as u8;
        }
        2 if !d.is_empty() => {
            let len = 1 + rng.below(64.max(d.len() / 10));
            let end = (at + len).min(d.len());
            d.drain(at.min(end)..end);
        }
        3 if !d.is_empty() => {
            let len = 1 + rng.below(256.min(d.len()));
            let start = rng.below(d.len() - len + 1);
            let part = d[start..start + len].to_vec();
            insert(d, &part);
        }
        4 => d.truncate(at),
        5 => insert(d, b"\""),
        6 => insert(d, [b",", b";", b"\t", b"|"][rng.below(4)]),
        7 => insert(d, b"\0"),
        8 => insert(d, [&b"\r\n"[..], b"\n", b"\r", b"\n\n\n"][rng.below(4)]),
        9 => {
            // A huge cell or value: 1 KiB to 1 MiB, sometimes past the readers' limits.
            let span = if rng.chance(8) { 14 } else { 11 };
            let len = 1 << (10 + rng.below(span));
            let byte = [b'a', b'9', b' ', 0xE9, b'"'][rng.below(5)];
            insert(d, &vec![byte; len]);
        }
        10 if !others.is_empty() => {
            // Splice the end of another file of the same kind.
            let o = others[rng.below(others.len())];
            let from = rng.below(o.len() + 1);
            d.truncate(at);
            d.extend_from_slice(&o[from..]);
        }
        11 => {
            let bom: &[u8] = [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"][rng.below(3)];
            if rng.chance(2) {
                d.splice(0..0, bom.iter().copied());
            } else {
                insert(d, bom);
            }
        }
        12 => {
            // Deep nesting: XML elements, TOML arrays and tables.
            let most = if rng.chance(4) { 5_000 } else { 300 };
            let n = 1 + rng.below(most);
            let (open, close): (&[u8], &[u8]) = match rng.below(4) {
                0 => (b"<order>", b"</order>"),
                1 => (b"<a>", b""),
                2 => (b"[", b"]"),
                _ => (b"{a=", b"}"),
            };
            let mut s = open.repeat(n);
            s.extend(close.repeat(n));
            insert(d, &s);
        }
        13 => {
            // Numbers where numbers are expected, out of every range.
            let n = ["-1", "0", "99999999999999999999999", "1e308", "NaN", "-0,00", "12.345.678,9", "2026-02-30"];
            insert(d, n[rng.below(n.len())].as_bytes());
        }
        14 if !d.is_empty() => {
            // A line repeated many times.
            let start = d[..at.min(d.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let end = d[at.min(d.len())..].iter().position(|&b| b == b'\n').map_or(d.len(), |i| at + i + 1);
            let line = d[start..end].to_vec();
            let times = 1 + rng.below(200.min(MAX_CASE / line.len().max(1)));
            d.splice(end..end, line.repeat(times));
        }
        15 => {
            let words: [&[u8]; 10] = [
                b"&xxe;",
                b"&#0;",
                b"<![CDATA[",
                b"#CHEN\r\n",
                b"#FIN\r\n",
                b"[customers.fields]\n",
                b"=",
                b"'",
                b"\xC3",
                b"\xF0\x9F\x98\x80",
            ];
            insert(d, words[rng.below(words.len())]);
        }
        _ => {
            if !d.is_empty() {
                let i = rng.below(d.len());
                d[i] = b"\"\n,;\0#<>=[]'"[rng.below(12)];
            }
        }
    }
}

/// A damaged workbook: the zip itself (bytes, truncation), or one of its parts rewritten
/// (its XML mutated, cell references moved far away) and the package zipped again.
fn mutate_zip(rng: &mut Rng, data: &[u8], others: &[&[u8]]) -> Vec<u8> {
    if rng.chance(3) {
        let mut d = data.to_vec();
        for _ in 0..1 + rng.below(3) {
            match rng.below(3) {
                0 => d.truncate(rng.below(d.len() + 1)),
                _ if !d.is_empty() => {
                    let i = rng.below(d.len());
                    d[i] ^= 1 << rng.below(8);
                }
                _ => {}
            }
        }
        return d;
    }
    let Ok(mut zin) = zip::ZipArchive::new(std::io::Cursor::new(data.to_vec())) else { return data.to_vec() };
    let target = rng.below(zin.len().max(1));
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if rng.chance(2) { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for i in 0..zin.len() {
        let Ok(mut f) = zin.by_index(i) else { continue };
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut bytes = Vec::new();
        if f.read_to_end(&mut bytes).is_err() {
            continue;
        }
        let sheet = name.contains("worksheets/");
        if i == target || (sheet && rng.chance(2)) {
            if sheet && rng.chance(2) {
                bytes = move_cells(rng, &bytes);
            } else {
                for _ in 0..1 + rng.below(3) {
                    mutate_once(rng, &mut bytes, others);
                }
            }
        }
        if rng.chance(40) {
            continue; // a part missing
        }
        if out.start_file(name.as_str(), opts).is_err() || out.write_all(&bytes).is_err() {
            return data.to_vec();
        }
    }
    out.finish().map(|c| c.into_inner()).unwrap_or_else(|_| data.to_vec())
}

/// Cell references of a sheet moved: far right, far down, beyond Excel, duplicated.
fn move_cells(rng: &mut Rng, sheet: &[u8]) -> Vec<u8> {
    let refs = ["XFD1", "XFE2", "A1048576", "A1048577", "ZZZZZZZZZZ9", "A0", "A99999999999", "B1", "A1", "AAA3"];
    let s = String::from_utf8_lossy(sheet);
    let mut out = String::with_capacity(s.len());
    let mut rest = &s[..];
    while let Some(p) = rest.find(" r=\"") {
        let (head, tail) = rest.split_at(p + 4);
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        if rng.chance(6) {
            out.push_str(refs[rng.below(refs.len())]);
        } else {
            out.push_str(&tail[..end]);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Where the worker writes the case it is on: a crash leaves it behind.
fn last_case_path() -> PathBuf {
    work_dir().join("last-case")
}

/// What one case must hold to; `Err` describes the broken promise.
type Check = Result<(), String>;

/// Runs `case` on one file of `kind` in `dir`. A returned error or a panic is a failure.
fn run_case(kind: Kind, name: &str, bytes: &[u8], dir: &Path) -> Check {
    let ext = Path::new(name).extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
    let file = dir.join(format!("cas.{ext}"));
    std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
    let layout = Layout::builtin(33).expect("layout");
    match kind {
        Kind::Shop => {
            read_shop(&file)?;
            convert_case(&file, None, None, dir, false)
        }
        Kind::Clients => {
            let _ = passerelle::gescom::load(&file, &ClientsSection::default(), layout, &["MODELE".to_string()]);
            let input = root().join("tests/fixtures/shopify/customers_export_current.csv");
            convert_case(&input, Some(&file), None, dir, true)
        }
        Kind::Profile => {
            if let Ok(text) = std::str::from_utf8(bytes) {
                let _ = passerelle::setup::parse_checked(text);
            }
            if passerelle::setup::load_profile(&file).is_ok() {
                let input = root().join("tests/fixtures/woocommerce/orders_algolplus.csv");
                convert_case(&input, None, Some(&file), dir, true)?;
            }
            Ok(())
        }
        Kind::Sage => {
            if let Ok(v) = passerelle::sage::validate::validate(std::io::BufReader::new(bytes)) {
                let _ = v.summary();
            }
            let _ = passerelle::gescom::load(&file, &ClientsSection::default(), layout, &[]);
            Ok(())
        }
        Kind::Articles => {
            let _ = passerelle::gescom::articles::Articles::load(&file);
            Ok(())
        }
        Kind::Template => {
            let _ = passerelle::write::param::template::load(&file.display().to_string(), dir, layout);
            Ok(())
        }
    }
}

/// `inspect`'s way: every record of the file, whatever the outcome.
fn read_shop(file: &Path) -> Check {
    let Ok(mut f) = shop::open(file, &Default::default()) else { return Ok(()) };
    let _ = (f.platform().to_string(), f.headers(), f.mapped_columns(), f.encoding_label());
    let mut w = Warnings::new("cas");
    for _ in 0..200_000 {
        let more = match &mut f {
            ShopFile::Customers(r) => matches!(r.next(&mut w), Ok(Some(_))),
            ShopFile::Orders(r) => matches!(r.next(&mut w), Ok(Some(_))),
            ShopFile::Companion(_) => false,
        };
        if !more {
            return Ok(());
        }
    }
    Err("more than 200,000 records from one small file".into())
}

/// `convert` of one input: never exit code 2 for a bad input; a failed input leaves no file.
fn convert_case(input: &Path, clients: Option<&Path>, profile: Option<&Path>, dir: &Path, may_stop: bool) -> Check {
    let out = dir.join("out");
    let state = dir.join("state");
    for d in [&out, &state] {
        let _ = std::fs::remove_dir_all(d);
    }
    let opts = ConvertOptions {
        profile: Some(profile.map(Path::to_path_buf).unwrap_or_else(|| dir.join("profil.toml"))),
        clients: clients.map(Path::to_path_buf),
        out: out.clone(),
        report: None,
        state: Some(state),
        dry_run: false,
        force: false,
        inputs: vec![input.to_path_buf()],
        entries: false,
        ..Default::default()
    };
    let report = match convert(&opts) {
        Ok(r) => r,
        Err(_) if may_stop => return Ok(()),
        Err(e) => return Err(format!("exit code 2 for a bad input: {e}")),
    };
    let files: Vec<String> = std::fs::read_dir(&out)
        .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let ir = report.inputs.first().ok_or("no input in the report")?;
    if ir.status == Status::Failed {
        if !files.is_empty() {
            return Err(format!("the input failed but files are in the output folder: {files:?}"));
        }
        return Ok(());
    }
    if files.iter().any(|f| f.ends_with(".tmp")) {
        return Err(format!("a temporary file was left: {files:?}"));
    }
    for o in &ir.outputs {
        let bytes = std::fs::read(o).map_err(|e| format!("output {o} reported but not there: {e}"))?;
        if o.ends_with(".txt") && !(bytes.starts_with(b"#FLG 000\r\n") && bytes.ends_with(b"#FIN\r\n")) {
            return Err(format!("output {o} is not a whole Format Sage file"));
        }
    }
    Ok(())
}

/// The worker's main loop: the reproducers, then mutations until the time is up.
fn worker() {
    let seconds: u64 = std::env::var("PASSERELLE_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let seed: u64 = std::env::var("PASSERELLE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    let work = work_dir();
    std::fs::create_dir_all(&work).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("profil.toml"), corpus_profile()).unwrap();
    // Panics are caught per case and reported with their case; the default message would
    // only add noise.
    std::panic::set_hook(Box::new(|_| {}));
    let started_case = Arc::new(AtomicU64::new(0));
    let epoch = Instant::now();
    {
        let started_case = Arc::clone(&started_case);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let s = started_case.load(Ordering::Relaxed);
                if s > 0 && epoch.elapsed().as_millis() as u64 > s + CASE_LIMIT.as_millis() as u64 {
                    say(&format!(
                        "fuzz: a case ran longer than {CASE_LIMIT:?} (a hang): see {}",
                        last_case_path().display()
                    ));
                    std::process::exit(3);
                }
            }
        });
    }
    let mut failures: Vec<String> = Vec::new();
    let mut count = [0u64; 6];
    let mut run = |kind: Kind, name: &str, bytes: &[u8], label: &str, failures: &mut Vec<String>| {
        let _ = std::fs::write(last_case_path(), bytes);
        let _ = std::fs::write(work_dir().join("last-case.txt"), format!("{} {name} {label}\n", kind.name()));
        started_case.store(epoch.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let outcome = catch_unwind(AssertUnwindSafe(|| run_case(kind, name, bytes, tmp.path())));
        started_case.store(0, Ordering::Relaxed);
        count[Kind::ALL.iter().position(|k| *k == kind).unwrap()] += 1;
        let problem = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(p) => format!(
                "panic: {}",
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            ),
        };
        let saved = work_dir().join("failures").join(format!("{}-{label}-{name}", kind.name()));
        let _ = std::fs::create_dir_all(saved.parent().unwrap());
        let _ = std::fs::write(&saved, bytes);
        failures.push(format!("{} {name} ({label}): {problem}\n  saved as {}", kind.name(), saved.display()));
    };
    // The reproducers kept from earlier runs, then the seeds as they are.
    let mut reproducers = 0;
    for kind in Kind::ALL {
        let dir = root().join("tests/fixtures/fuzz").join(kind.name());
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&f).unwrap();
            let bytes = if kind == Kind::Profile { absolute_profile(&bytes) } else { bytes };
            run(kind, &name, &bytes, "reproducer", &mut failures);
            reproducers += 1;
        }
    }
    let seeds = corpus();
    for s in &seeds {
        run(s.kind, &s.name, &s.bytes, "seed", &mut failures);
    }
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut i = 0u64;
    while Instant::now() < deadline && failures.len() < 20 {
        let s = &seeds[rng.below(seeds.len())];
        let others: Vec<&[u8]> =
            seeds.iter().filter(|o| o.kind == s.kind && o.name != s.name).map(|o| &o.bytes[..]).collect();
        let bytes = mutate(&mut rng, &s.bytes, &others);
        run(s.kind, &s.name, &bytes, &format!("{seed}-{i}"), &mut failures);
        i += 1;
    }
    let total: u64 = count.iter().sum();
    let per_kind: Vec<String> = Kind::ALL.iter().zip(count).map(|(k, n)| format!("{} {n}", k.name())).collect();
    say(&format!(
        "fuzz: {total} in-process executions in {:.1} s ({}; {reproducers} reproducers), seed {seed} (PASSERELLE_FUZZ_SEED={seed} replays it)",
        epoch.elapsed().as_secs_f64(),
        per_kind.join(", ")
    ));
    if !failures.is_empty() {
        say(&format!("fuzz: {} failure(s):\n{}", failures.len(), failures.join("\n")));
        std::process::exit(1);
    }
}

/// The profile the shop and client-list cases convert with: every platform's orders.
fn corpus_profile() -> Vec<u8> {
    absolute_profile(&std::fs::read(root().join("tests/fixtures/profiles/orders_shops.toml")).unwrap())
}

/// Runs the worker in a child process (this test binary, only this test) and reports what it
/// found; a crash names the case it was on.
#[test]
fn fuzz_every_reader_with_mutated_fixtures() {
    if std::env::var_os(WORKER).is_some() {
        worker();
        return;
    }
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "fuzz_every_reader_with_mutated_fixtures", "--nocapture", "--test-threads=1"])
        .env(WORKER, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit only, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit { rlim_cur: MEMORY_LIMIT, rlim_max: MEMORY_LIMIT };
                libc::setrlimit(libc::RLIMIT_AS, &lim);
                Ok(())
            });
        }
    }
    let out = cmd.output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let stats: Vec<&str> = log.lines().filter(|l| l.starts_with("fuzz:") || l.starts_with("  saved")).collect();
    say(&stats.join("\n"));
    let status = out.status;
    if !status.success() {
        let last = std::fs::read_to_string(work_dir().join("last-case.txt")).unwrap_or_default();
        panic!("the fuzzer failed ({status}); case it was on: {last} (bytes in {})\n{log}", last_case_path().display());
    }
    binary_cases();
}

/// A few mutated cases through the binary itself: exit codes, no panic message, no output
/// for a failed input.
fn binary_cases() {
    let bin = env!("CARGO_BIN_EXE_passerelle");
    let mut rng = Rng(0x5eed_0011);
    let seeds = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("profil.toml"), corpus_profile()).unwrap();
    let started = Instant::now();
    let mut n = 0;
    for i in 0..24 {
        let s = &seeds[rng.below(seeds.len())];
        let others: Vec<&[u8]> = seeds.iter().filter(|o| o.kind == s.kind).map(|o| &o.bytes[..]).collect();
        let bytes = if i % 6 == 0 { s.bytes.clone() } else { mutate(&mut rng, &s.bytes, &others) };
        let ext = Path::new(&s.name).extension().unwrap().to_string_lossy().into_owned();
        let file = dir.join(format!("cas{i}.{ext}"));
        std::fs::write(&file, &bytes).unwrap();
        let f = file.display().to_string();
        let out_dir = dir.join(format!("out{i}"));
        let (args, allowed): (Vec<String>, &[i32]) = match s.kind {
            Kind::Shop => (
                [
                    "convert",
                    "--profile",
                    "profil.toml",
                    "--state",
                    "state",
                    "--out",
                    &out_dir.display().to_string(),
                    &f,
                ]
                .map(String::from)
                .to_vec(),
                &[0, 1],
            ),
            Kind::Clients => (["clients", "inspect", &f].map(String::from).to_vec(), &[0, 1]),
            Kind::Profile => (["profile", "check", &f].map(String::from).to_vec(), &[0, 2]),
            Kind::Sage => (["validate", &f].map(String::from).to_vec(), &[0, 1]),
            Kind::Articles | Kind::Template => (["inspect", &f].map(String::from).to_vec(), &[0, 1]),
        };
        let mut c = assert_cmd::Command::new(bin);
        c.current_dir(dir).args(&args).env("PASSERELLE_TODAY", "2026-11-28").timeout(CASE_LIMIT);
        let o = c.output().unwrap();
        n += 1;
        let err = String::from_utf8_lossy(&o.stderr);
        let code = o.status.code();
        if !code.is_some_and(|c| allowed.contains(&c)) || err.contains("panicked") {
            let saved = work_dir().join("failures").join(format!("binary-{i}-{}", s.name));
            let _ = std::fs::create_dir_all(saved.parent().unwrap());
            let _ = std::fs::write(&saved, &bytes);
            panic!("{args:?}: exit {code:?} (allowed {allowed:?}), saved as {}\n{err}", saved.display());
        }
        if s.kind == Kind::Shop && code == Some(1) {
            let stdout = String::from_utf8_lossy(&o.stdout);
            let failed = stdout.lines().any(|l| l.starts_with("FAILED"));
            let files = std::fs::read_dir(&out_dir).map(|r| r.count()).unwrap_or(0);
            assert!(!failed || files == 0, "{args:?}: a failed input left {files} file(s)\n{stdout}");
        }
    }
    say(&format!("fuzz: {n} runs of the binary in {:.1} s", started.elapsed().as_secs_f64()));
}
