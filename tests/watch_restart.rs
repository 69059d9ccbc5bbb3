//! Restart safety of `passerelle watch`: a crash at any point, then a restart, gives exactly
//! what an uninterrupted run gives: every input in one of archive/ or errors/, each output
//! once and complete, the state (codes issued, counter) as if nothing had happened.
//!
//! - `crash_at_every_step_then_restart`: the process aborts at each named step of a job
//!   (`PASSERELLE_WATCH_CRASH=STEP:N`), for the 1st and 4th time it gets there. Fast; runs
//!   with `cargo test`.
//! - `sigkill_at_random_moments` (ignored, long): SIGKILL at random times, several times per
//!   batch. `PASSERELLE_KILL_ROUNDS=N` (default 200) batches; `PASSERELLE_KILL_SEED` replays.
//!   Run: `cargo test --release --test watch_restart -- --ignored --nocapture`.

#[path = "watch_support/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;

const STEPS: &[&str] = &[
    "claim.renamed",
    "claim.journal",
    "decide.state_copied",
    "decide.converted",
    "decide.journal",
    "finish.state",
    "finish.output",
    "finish.note",
    "finish.input",
    "finish.journal",
];

/// Quick timings: these tests are about restarts, not about waiting for files to settle.
const QUICK: Timing = Timing { settle_ms: 30, min_age_ms: 0, debounce_ms: 10 };

fn reference() -> Outcome {
    let s = site(QUICK);
    for (name, bytes) in batch() {
        s.drop_file(name, &bytes);
    }
    let out = s.cmd().arg("--once").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let o = outcome(&s);
    // The reference itself is what we expect.
    let dest = |n: &str| o.inputs[n].0.clone();
    assert_eq!(dest("a clients lyon marseille.csv"), "archive");
    assert_eq!(dest("c articles.csv"), "errors");
    assert_eq!(dest("d partiel.csv"), "errors");
    assert_eq!(dest("f customers_export (copie).csv"), "archive");
    assert_eq!(o.inputs["f customers_export (copie).csv"].2, vec![".duplicate.txt"]);
    assert_eq!(dest("g orders_export.csv"), "errors", "order #1007 has no SKU");
    assert_eq!(dest("h orders_export suite.csv"), "archive");
    assert_eq!(o.outputs.len(), 6, "a, b, d (in part), e, g (in part), h");
    let suite = String::from_utf8_lossy(&o.outputs["h orders_export suite.csv"]).into_owned();
    assert_eq!(suite.matches("#CHEN\r\n").count(), 1, "only the new order:\n{suite}");
    assert!(suite.contains("\r\n1010\r\n"), "the new order is #1010:\n{suite}");
    o
}

/// Crashes at `step` the `nth` time, restarts; true if the crash happened.
fn crash_and_restart(step: &str, nth: u32, expected: &Outcome) -> bool {
    let s = site(QUICK);
    for (name, bytes) in batch() {
        s.drop_file(name, &bytes);
    }
    let first = s.cmd().arg("--once").env("PASSERELLE_WATCH_CRASH", format!("{step}:{nth}")).output().unwrap();
    let log = String::from_utf8_lossy(&first.stderr).into_owned();
    let crashed = log.contains("PASSERELLE_WATCH_CRASH: aborting");
    if crashed {
        assert_eq!(first.status.code(), Some(86), "{step}:{nth}");
    }
    let second = s.cmd().arg("--once").output().unwrap();
    let log2 = String::from_utf8_lossy(&second.stderr);
    assert!(matches!(second.status.code(), Some(0) | Some(1)), "{step}:{nth}: restart failed\n{log}\n{log2}");
    let got = outcome(&s);
    assert_eq!(&got, expected, "{step}:{nth}: differs from an uninterrupted run\n{log}\n{log2}");
    crashed
}

#[test]
fn crash_at_every_step_then_restart() {
    let expected = reference();
    // Each scenario mostly waits for its processes: run them side by side.
    let crashed: usize = std::thread::scope(|sc| {
        let handles: Vec<_> = STEPS
            .iter()
            .map(|step| sc.spawn(|| [1, 4].iter().filter(|&&nth| crash_and_restart(step, nth, &expected)).count()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    // Every step is reached a first and a 4th time (finish.note too: c, d, f and g leave notes).
    assert_eq!(crashed, 2 * STEPS.len());
}

/// xorshift64*: enough randomness for kill times, and replayable from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a kill left in work/: which stages were interrupted (for the statistics).
fn interrupted_stages(s: &Site) -> Vec<&'static str> {
    let files = s.files("work");
    let mut v = Vec::new();
    for f in &files {
        if f.ends_with(".job.json") {
            let j: serde_json::Value = serde_json::from_slice(&s.read(&format!("work/{f}"))).unwrap();
            v.push(if j["stage"] == "decided" { "decided" } else { "claimed" });
        }
    }
    let journals = files.iter().filter(|f| f.ends_with(".job.json")).count();
    let claimed = files.iter().filter(|f| f.as_bytes().get(19) == Some(&b'_')).count();
    if claimed > journals {
        v.push("claimed, no journal yet");
    }
    if files.iter().any(|f| f.contains(".out/") || f.contains(".state/")) && journals == 0 {
        v.push("staging left after the journal");
    }
    if v.is_empty() {
        v.push("between files");
    }
    v
}

#[test]
#[ignore = "long: SIGKILL at random moments, hundreds of restarts"]
fn sigkill_at_random_moments() {
    let rounds: u64 = std::env::var("PASSERELLE_KILL_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("PASSERELLE_KILL_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    println!("seed {seed} (PASSERELLE_KILL_SEED={seed} replays), {rounds} batches");
    let mut rng = Rng(seed | 1);
    let expected = reference();
    let mut kills = 0u64;
    let mut stages: BTreeMap<&str, u64> = BTreeMap::new();
    let started = Instant::now();
    // A continuous watcher polls fast; kills land anywhere from its start to its last file.
    for round in 0..rounds {
        let s = site(QUICK);
        for (name, bytes) in batch() {
            s.drop_file(name, &bytes);
        }
        let kills_this_round = 1 + rng.below(4);
        for _ in 0..kills_this_round {
            let mut child = s.spawn(&["--poll", "0.01"]);
            // Up to 100 ms: the whole batch takes about that long in a debug build, so the kills
            // spread over start-up, settling, and every step of every file.
            std::thread::sleep(Duration::from_micros(rng.below(100_000)));
            child.kill().unwrap(); // SIGKILL on Unix: no handler, no cleanup
            child.wait().unwrap();
            kills += 1;
            for st in interrupted_stages(&s) {
                *stages.entry(st).or_default() += 1;
            }
        }
        let out = s.cmd().arg("--once").output().unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0) | Some(1)), "round {round}: restart failed\n{log}");
        let got = outcome(&s);
        assert_eq!(got, expected, "round {round} (seed {seed}): differs from an uninterrupted run\n{log}");
    }
    println!(
        "{rounds} batches of {} files, {kills} SIGKILLs, all restarts consistent, in {:?}",
        batch().len(),
        started.elapsed()
    );
    println!("where the kills left a job (a kill can leave several):");
    for (k, v) in &stages {
        println!("  {k:<32} {v}");
    }
}
