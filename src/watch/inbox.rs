//! What in the inbox is a complete file ready to be taken.
//!
//! Nothing here trusts file-system events: the inbox is listed, and a file is ready only when
//! the listing itself shows it stable. A writer (a shop's export job, an FTP or SFTP upload, a
//! copy over a network share, Excel saving) writes in pieces, often under a temporary name;
//! a file is taken once its size and modification time have stayed the same for `settle` and
//! it is at least `min_age` old.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, Metadata};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// Why a name in the inbox is never taken, or None.
pub fn skip_reason(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if name.starts_with('.') {
        return Some("hidden file");
    }
    if name.starts_with("~$") {
        return Some("Office lock file (the document is open in Excel or Word)");
    }
    // Names writers give a file while it is incomplete: passerelle's own temporary files,
    // Firefox/Chrome/Edge/Safari downloads, WinSCP, rsync-like tools.
    const PARTIAL: &[&str] = &[".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".filepart"];
    if PARTIAL.iter().any(|s| lower.ends_with(s)) {
        return Some("temporary or incomplete file");
    }
    if lower == "thumbs.db" || lower == "desktop.ini" {
        return Some("Windows system file");
    }
    None
}

/// Hidden or system attribute on Windows (a dot prefix means nothing there).
#[cfg(windows)]
fn hidden_attribute(md: &Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    const HIDDEN: u32 = 0x2;
    const SYSTEM: u32 = 0x4;
    md.file_attributes() & (HIDDEN | SYSTEM) != 0
}

#[cfg(not(windows))]
fn hidden_attribute(_md: &Metadata) -> bool {
    false
}

#[derive(Debug, Clone)]
struct Observation {
    size: u64,
    mtime: Option<SystemTime>,
    /// When this size and mtime were first seen.
    since: Instant,
    /// Already said in the log why it is waiting (said once, not at every scan).
    told: bool,
}

/// A file that has been stable long enough.
#[derive(Debug, Clone)]
pub struct Ready {
    pub name: OsString,
    pub size: u64,
    pub mtime: Option<SystemTime>,
}

#[derive(Debug, Default)]
pub struct Scan {
    /// Stable files, oldest name first (sorted by name: shops date their exports in the name).
    pub ready: Vec<Ready>,
    /// Files present but not yet stable (or empty): name and the reason.
    pub waiting: Vec<(OsString, &'static str)>,
    /// When the earliest waiting file could become ready, if nothing changes.
    pub next: Option<Instant>,
}

#[derive(Debug)]
pub struct Tracker {
    pub settle: Duration,
    pub min_age: Duration,
    seen: BTreeMap<OsString, Observation>,
    /// Names already reported as skipped (reported once).
    skipped: BTreeMap<OsString, ()>,
}

impl Tracker {
    pub fn new(settle: Duration, min_age: Duration) -> Tracker {
        Tracker { settle, min_age, seen: BTreeMap::new(), skipped: BTreeMap::new() }
    }

    /// Forget a file (claimed, or moved back after a failed claim: observe it afresh).
    pub fn forget(&mut self, name: &OsString) {
        self.seen.remove(name);
    }

    /// Lists `inbox` and updates the observations.
    pub fn scan(&mut self, inbox: &Path) -> io::Result<Scan> {
        let now = Instant::now();
        let wall = SystemTime::now();
        let mut present = Vec::new();
        let mut scan = Scan::default();
        for entry in fs::read_dir(inbox)? {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            let shown = name.to_string_lossy();
            // Metadata through the link, and fresh (not the cached one of the listing).
            let md = match fs::metadata(entry.path()) {
                Ok(md) => md,
                Err(e) => {
                    tracing::debug!("inbox: {shown}: cannot read its size and date yet: {e}");
                    continue;
                }
            };
            if !md.is_file() {
                if self.skipped.insert(name.clone(), ()).is_none() {
                    if md.is_dir() {
                        tracing::info!("inbox: \"{shown}\" is a folder: ignored (drop files, not folders)");
                    } else {
                        tracing::warn!(
                            "inbox: \"{shown}\" is not a regular file ({}): ignored (drop files only)",
                            crate::fsguard::describe(&md)
                        );
                    }
                }
                continue;
            }
            let reason = skip_reason(&shown).or_else(|| hidden_attribute(&md).then_some("hidden file"));
            if let Some(reason) = reason {
                if self.skipped.insert(name.clone(), ()).is_none() {
                    tracing::debug!("inbox: \"{shown}\" ignored: {reason}");
                }
                continue;
            }
            present.push(name.clone());
            let size = md.len();
            let mtime = md.modified().ok();
            let obs = self.seen.entry(name.clone()).or_insert(Observation { size, mtime, since: now, told: false });
            if obs.size != size || obs.mtime != mtime {
                *obs = Observation { size, mtime, since: now, told: obs.told };
            }
            if size == 0 {
                if !obs.told {
                    tracing::info!("inbox: \"{shown}\" is empty: waiting for content");
                    obs.told = true;
                }
                scan.waiting.push((name, "empty"));
                continue;
            }
            let stable_for = now.duration_since(obs.since);
            // Age from the file's own date; a date in the future (the clock of a NAS or of
            // another PC ahead of ours) gives none, and then our own observation counts: a file
            // we have seen unchanged for min_age is old enough whatever its date says.
            let age = mtime.and_then(|m| wall.duration_since(m).ok()).unwrap_or(Duration::ZERO).max(stable_for);
            if stable_for >= self.settle && age >= self.min_age {
                scan.ready.push(Ready { name, size, mtime });
                continue;
            }
            // Both clocks advance with time, so each condition's moment is known now.
            let settle_at = obs.since + self.settle;
            let age_at = now + self.min_age.saturating_sub(age);
            let at = settle_at.max(age_at).max(now + Duration::from_millis(1));
            scan.next = Some(scan.next.map_or(at, |n| n.min(at)));
            if !obs.told {
                tracing::debug!("inbox: \"{shown}\" ({size} bytes): waiting until it stops changing");
                obs.told = true;
            }
            scan.waiting.push((name, "still changing or too recent"));
        }
        self.seen.retain(|k, _| present.contains(k));
        self.skipped.retain(|k, _| inbox.join(k).exists());
        scan.ready.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_rules() {
        for n in [".gitkeep", "~$clients.xlsx", "export.csv.tmp", "orders.CSV.part", "a.crdownload", "b.filepart"] {
            assert!(skip_reason(n).is_some(), "{n}");
        }
        for n in ["orders_export.csv", "Commandes été 2026.xlsx", "clients~.csv", "tmp.csv"] {
            assert!(skip_reason(n).is_none(), "{n}");
        }
    }

    #[test]
    fn a_file_is_ready_only_after_it_stops_changing() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("commandes.csv");
        fs::write(&f, "a").unwrap();
        fs::write(dir.path().join("vide.csv"), "").unwrap();
        let mut t = Tracker::new(Duration::from_millis(80), Duration::from_millis(0));
        let s = t.scan(dir.path()).unwrap();
        assert!(s.ready.is_empty());
        assert_eq!(s.waiting.len(), 2);
        assert!(s.next.is_some());
        std::thread::sleep(Duration::from_millis(50));
        fs::write(&f, "ab").unwrap();
        let s = t.scan(dir.path()).unwrap();
        assert!(s.ready.is_empty(), "changed: the settle period starts again");
        std::thread::sleep(Duration::from_millis(100));
        let s = t.scan(dir.path()).unwrap();
        assert_eq!(s.ready.len(), 1);
        assert_eq!(s.ready[0].size, 2);
        assert_eq!(s.waiting.len(), 1, "the empty file waits");
    }

    #[test]
    fn min_age_counts_from_our_own_observation_when_the_date_is_in_the_future() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("futur.csv");
        fs::write(&f, "a").unwrap();
        let later = SystemTime::now() + Duration::from_secs(3600);
        fs::File::options().write(true).open(&f).unwrap().set_modified(later).unwrap();
        let mut t = Tracker::new(Duration::from_millis(10), Duration::from_millis(60));
        assert!(t.scan(dir.path()).unwrap().ready.is_empty());
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(t.scan(dir.path()).unwrap().ready.len(), 1);
    }
}
