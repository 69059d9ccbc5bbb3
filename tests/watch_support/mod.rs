//! Helpers of the `passerelle watch` tests: a drop folder in a temporary directory (with a
//! space and accents in its path, as on a French Windows share), fixtures, listings, checks.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TODAY: &str = "2026-11-28";

pub struct Site {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

/// Timings of a test profile, in milliseconds.
#[derive(Clone, Copy)]
pub struct Timing {
    pub settle_ms: u64,
    pub min_age_ms: u64,
    pub debounce_ms: u64,
}

pub const FAST: Timing = Timing { settle_ms: 60, min_age_ms: 60, debounce_ms: 20 };

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the shipped `watch/` folder (its profile and client list) with test timings.
pub fn site(t: Timing) -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Dépôt boutique");
    fs::create_dir_all(dir.join("gescom")).unwrap();
    fs::copy(repo().join("watch/gescom/clients.csv"), dir.join("gescom/clients.csv")).unwrap();
    let profile = fs::read_to_string(repo().join("watch/profile.toml")).unwrap();
    let mut out = String::new();
    for line in profile.lines() {
        let line = match line.split_once(" = ").map(|(k, _)| k) {
            Some("settle_ms") => format!("settle_ms = {}", t.settle_ms),
            Some("min_age_ms") => format!("min_age_ms = {}", t.min_age_ms),
            Some("debounce_ms") => format!("debounce_ms = {}", t.debounce_ms),
            Some("rescan_seconds") => "rescan_seconds = 1".to_string(),
            Some("retry_seconds") => "retry_seconds = 1".to_string(),
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    fs::write(dir.join("profile.toml"), out).unwrap();
    Site { _tmp: tmp, dir }
}

impl Site {
    pub fn inbox(&self) -> PathBuf {
        self.dir.join("inbox")
    }

    pub fn drop_file(&self, name: &str, bytes: &[u8]) {
        fs::create_dir_all(self.inbox()).unwrap();
        fs::write(self.inbox().join(name), bytes).unwrap();
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_passerelle"));
        c.arg("watch").arg("--dir").arg(&self.dir).env("PASSERELLE_TODAY", TODAY).env_remove("PASSERELLE_WATCH_CRASH");
        // English, whatever the machine's locale: tests of French set it themselves.
        c.env("LANG", "C").env_remove("LC_ALL").env_remove("LC_MESSAGES");
        c
    }

    /// Starts the watcher and waits until it has made its folders (or has ended): on a busy
    /// machine its start can take longer than a test's first pause.
    pub fn spawn(&self, args: &[&str]) -> Child {
        let mut child = self.cmd().args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let start = std::time::Instant::now();
        while !self.inbox().is_dir()
            && child.try_wait().unwrap().is_none()
            && start.elapsed() < std::time::Duration::from_secs(20)
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child
    }

    /// Files under `sub` (recursively), relative, without the `.gitkeep` placeholders.
    pub fn files(&self, sub: &str) -> Vec<String> {
        let mut v = Vec::new();
        walk(&self.dir.join(sub), &self.dir.join(sub), &mut v);
        v.retain(|n| !n.ends_with(".gitkeep"));
        v.sort();
        v
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.dir.join(rel)).unwrap()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(list) = fs::read_dir(dir) else { return };
    for e in list.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    fs::read(repo().join("tests/fixtures/watch").join(name)).unwrap()
}

pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Asks a running watcher to stop as Ctrl-C would (SIGINT), and returns its exit code.
#[cfg_attr(unix, allow(unused_mut))]
pub fn interrupt(mut child: Child) -> (Option<i32>, String) {
    #[cfg(unix)]
    let _ = Command::new("kill").arg("-INT").arg(child.id().to_string()).status();
    #[cfg(not(unix))]
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The name an input had when dropped: `ID_NAME` → `NAME`.
pub fn original(claimed: &str) -> &str {
    claimed.split_once('_').map(|(_, o)| o).unwrap_or(claimed)
}

/// A Format Sage file written completely: its frame, nothing cut.
pub fn is_complete_sage(bytes: &[u8]) -> bool {
    bytes.starts_with(b"#FLG 000\r\n#VER ") && bytes.ends_with(b"#FIN\r\n")
}

/// What a drop folder holds once everything is done, independent of the ids and dates that
/// differ between runs: for each dropped name, where it ended and beside which notes, and the
/// outputs' contents by input name. Checks the invariants on the way (panics on a breach).
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// original name → ("archive" | "errors", its content, notes beside it)
    pub inputs: BTreeMap<String, (String, Vec<u8>, Vec<String>)>,
    /// original name → output bytes
    pub outputs: BTreeMap<String, Vec<u8>>,
    /// issued codes and counter (passerelle-state.json)
    pub state: serde_json::Value,
    /// original names in the content-hash journal
    pub seen: Vec<String>,
}

pub fn outcome(site: &Site) -> Outcome {
    let inbox = site.files("inbox");
    assert!(inbox.is_empty(), "inbox not empty: {inbox:?}");
    let work = site.files("work");
    assert_eq!(work, vec![".lock".to_string()], "work/ not empty");
    for sub in ["out", "archive", "errors", "state"] {
        for f in site.files(sub) {
            let name = f.rsplit('/').next().unwrap();
            assert!(!(name.starts_with('.') && name.ends_with(".tmp")), "temporary file left: {sub}/{f}");
        }
    }
    let mut inputs = BTreeMap::new();
    let mut ids = BTreeMap::new();
    for (sub, files) in [("archive", site.files("archive")), ("errors", site.files("errors"))] {
        for f in &files {
            let name = f.rsplit('/').next().unwrap();
            let is_note = [".error.txt", ".duplicate.txt", ".report.json", ".html"].iter().any(|s| name.ends_with(s));
            if is_note {
                let input = files.iter().find(|g| f.starts_with(g.as_str()) && *g != f);
                assert!(input.is_some(), "{sub}/{f}: a note without its input");
                continue;
            }
            let orig = original(name).to_string();
            let notes: Vec<String> = files
                .iter()
                .filter(|g| g.starts_with(f.as_str()) && *g != f)
                .map(|g| g[f.len()..].to_string())
                .collect();
            let prev = inputs.insert(orig.clone(), (sub.to_string(), site.read(&format!("{sub}/{f}")), notes));
            assert!(prev.is_none(), "input {orig} ended in two places");
            ids.insert(name.split('_').next().unwrap().to_string(), orig);
        }
    }
    let mut outputs = BTreeMap::new();
    let out = site.files("out");
    for f in &out {
        // The page for people beside each output: `ID_NAME.html` beside `ID_NAME.txt`.
        if let Some(stem) = f.strip_suffix(".html") {
            let page = site.read(&format!("out/{f}"));
            assert!(page.starts_with(b"<!DOCTYPE html>") && page.ends_with(b"</html>\n"), "out/{f}: a whole page");
            assert!(out.contains(&format!("{stem}.txt")), "out/{f}: beside no output");
            continue;
        }
        assert!(out.contains(&format!("{}.html", f.trim_end_matches(".txt"))), "out/{f}: no page beside it");
        let bytes = site.read(&format!("out/{f}"));
        assert!(is_complete_sage(&bytes), "out/{f} is not a complete Format Sage file");
        let id = f.split('_').next().unwrap();
        let orig = ids.get(id).unwrap_or_else(|| panic!("out/{f}: no input with its id"));
        let stem = Path::new(orig).file_stem().unwrap().to_string_lossy();
        assert_eq!(original(f), format!("{stem}.txt"), "out/{f} is named after its input");
        assert!(outputs.insert(orig.clone(), bytes).is_none(), "two outputs for {orig}");
    }
    let state = fs::read_to_string(site.dir.join("state/passerelle-state.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(serde_json::Value::Null);
    let seen = fs::read_to_string(site.dir.join("state/watch-seen.json"))
        .map(|t| {
            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
            let mut names: Vec<String> =
                v["files"].as_object().unwrap().values().map(|e| e["original"].as_str().unwrap().to_string()).collect();
            names.sort();
            names
        })
        .unwrap_or_default();
    Outcome { inputs, outputs, state, seen }
}

/// The batch of the restart tests: two PrestaShop files, a Shopify file (its codes come from a
/// counter, so a lost or repeated state shows), the same Shopify file again under another
/// name, a file with one failing record, a file that is not a shop export, then Shopify orders
/// (one of them failing) and a later export repeating two of them with one new order: its
/// output holds that one only if the ledger kept the others across every crash.
pub fn batch() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("a clients lyon marseille.csv", fixture("clients lyon marseille.csv")),
        ("b clients bordeaux paris.csv", fixture("clients bordeaux paris.csv")),
        ("c articles.csv", fixture("articles.csv")),
        ("d partiel.csv", fixture("partiel.csv")),
        ("e customers_export.csv", fixture("customers_export.csv")),
        ("f customers_export (copie).csv", fixture("customers_export.csv")),
        ("g orders_export.csv", fixture("orders_export.csv")),
        ("h orders_export suite.csv", fixture("orders_export suite.csv")),
    ]
}
