//! Benchmark: indexing a client list of 200,000 clients (issue "The ERP side"), from a CSV
//! list and from a Format Sage export. `cargo bench --bench clients_index [-- N]`.

#[path = "support/datagen.rs"]
mod datagen;

// The allocator the binary ships with (see src/main.rs).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::BufWriter;
use std::time::{Duration, Instant};

use passerelle::profile::ClientsSection;
use passerelle::sage::Layout;

/// CPU time (user + system) of this process so far: on a shared machine wall time also counts
/// the waits for a core, CPU time does not.
#[cfg(unix)]
fn cpu_time() -> Option<Duration> {
    // SAFETY: `rusage` is plain data that getrusage fills.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return None;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Some(tv(u.ru_utime) + tv(u.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time() -> Option<Duration> {
    None
}

/// Best wall time and best CPU time of `runs` calls; the result is dropped outside the timing
/// (freeing 200,000 clients is not part of indexing them).
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T, len: impl Fn(&T) -> usize) -> (Duration, Option<Duration>, usize) {
    let (mut best, mut best_cpu) = (Duration::MAX, None::<Duration>);
    let mut n = 0;
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_time());
        let out = f();
        best = best.min(t.elapsed());
        if let (Some(c0), Some(c1)) = (c, cpu_time()) {
            best_cpu = Some(best_cpu.map_or(c1 - c0, |b| b.min(c1 - c0)));
        }
        n = len(&out);
        drop(out);
    }
    (best, best_cpu, n)
}

fn main() {
    let n: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200_000);
    // `-- csv` or `-- sage` runs one of the two (for profiling).
    let only: Option<String> = std::env::args().skip(1).find(|a| a == "csv" || a == "sage");
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("clients.csv");
    let sage = dir.path().join("clients.txt");
    datagen::clients_csv(&mut BufWriter::new(File::create(&csv).unwrap()), n, 42).unwrap();
    datagen::clients_format_sage(&mut BufWriter::new(File::create(&sage).unwrap()), n, 42).unwrap();
    let layout = Layout::builtin(33).unwrap();
    let section = ClientsSection::default();
    for (label, path, key) in [("CSV list", &csv, "csv"), ("Format Sage export", &sage, "sage")] {
        if only.as_deref().is_some_and(|o| o != key) {
            continue;
        }
        let size = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
        let (t, cpu, count) =
            best_of(5, || passerelle::gescom::load(path, &section, layout, &[]).expect("loads"), |ix| ix.len());
        assert_eq!(count as u64, n);
        let cpu = cpu.map(|c| format!(" ({:.0} ms CPU)", c.as_secs_f64() * 1e3)).unwrap_or_default();
        println!(
            "{label:<20} {count} clients, {size:.1} MB: {:.0} ms{cpu} (best of 5), {:.0} clients/s, {:.0} MB/s",
            t.as_secs_f64() * 1e3,
            count as f64 / t.as_secs_f64(),
            size / t.as_secs_f64()
        );
    }
}
