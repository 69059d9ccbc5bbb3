//! What survives between runs: the customer counter and the codes issued to shop customers.
//! One versioned JSON file, replaced atomically; a damaged file stops the run rather than
//! being reset, because a reset would issue the same codes twice.
//!
//! In memory the codes sit in a flat list with two hash maps of indexes (by customer key, by
//! code): a shop with hundreds of thousands of customers keeps tens of bytes for each. An input
//! that fails is undone (`begin` / `rollback`) without copying the state.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

pub const STATE_FILE: &str = "passerelle-state.json";
pub const STATE_VERSION: u32 = 1;

/// A code issued to a shop customer, as stored on disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Issued {
    pub code: String,
    /// Date of the run that issued it (YYYY-MM-DD).
    pub date: String,
}

/// A code issued to a shop customer, as the state answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedRef<'a> {
    pub code: &'a str,
    pub date: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: Box<str>,
    code: Box<str>,
    date: Box<str>,
}

/// What the current input changed, to undo it if the input fails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Journal {
    counter: u64,
    len: usize,
    /// Entries of earlier inputs the current one replaced: (index, old entry).
    replaced: Vec<(u32, Entry)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub version: u32,
    /// Last number taken from the counter (0 = none yet).
    pub counter: u64,
    entries: Vec<Entry>,
    by_key: FxHashMap<u64, u32>,
    by_code: FxHashMap<u64, u32>,
    journal: Option<Journal>,
}

/// The file's shape: `{"version": 1, "counter": 4, "issued": {"shopify:id:530": {"code": ..., "date": ...}}}`.
#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    counter: u64,
    issued: BTreeMap<String, Issued>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("state {} is damaged ({message}). It holds the customer codes already issued: restore it from a backup, or move it away to start over knowing that codes may then be issued twice", path.display())]
    Damaged { path: PathBuf, message: String },
    #[error("state {} was written by a newer passerelle (version {found}, this one reads {STATE_VERSION})", path.display())]
    TooNew { path: PathBuf, found: u32 },
}

fn h(s: &str) -> u64 {
    let mut x = FxHasher::default();
    s.hash(&mut x);
    x.finish()
}

impl State {
    pub fn new() -> State {
        State { version: STATE_VERSION, ..Default::default() }
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Loads the state of `dir`; a missing file is an empty state.
    pub fn load(dir: &Path) -> Result<State, StateError> {
        let path = State::path(dir);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::new()),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        let disk: OnDisk = serde_json::from_str(&text)
            .map_err(|e| StateError::Damaged { path: path.clone(), message: e.to_string() })?;
        if disk.version > STATE_VERSION {
            return Err(StateError::TooNew { path, found: disk.version });
        }
        let mut s = State { version: STATE_VERSION, counter: disk.counter, ..Default::default() };
        for (key, i) in disk.issued {
            s.record(&key, &i.code, &i.date);
        }
        Ok(s)
    }

    /// Writes the state atomically (temp file, fsync, rename), keys in order.
    pub fn save(&self, dir: &Path) -> Result<(), StateError> {
        let path = State::path(dir);
        let io = |source| StateError::Io { path: path.clone(), source };
        fs::create_dir_all(dir).map_err(io)?;
        let disk = OnDisk {
            version: self.version.max(STATE_VERSION),
            counter: self.counter,
            issued: self
                .entries
                .iter()
                .map(|e| (e.key.to_string(), Issued { code: e.code.to_string(), date: e.date.to_string() }))
                .collect(),
        };
        let text = serde_json::to_string_pretty(&disk).expect("state serialises");
        crate::write::atomic::write_atomic(&path, text.as_bytes()).map_err(io)
    }

    fn find(&self, map: &FxHashMap<u64, u32>, value: &str, of: impl Fn(&Entry) -> &str) -> Option<u32> {
        map.get(&h(value)).copied().filter(|&i| of(&self.entries[i as usize]) == value)
    }

    pub fn issued_to(&self, key: &str) -> Option<IssuedRef<'_>> {
        self.find(&self.by_key, key, |e| &e.key).map(|i| {
            let e = &self.entries[i as usize];
            IssuedRef { code: &e.code, date: &e.date }
        })
    }

    /// The shop customer a code was issued to.
    pub fn owner_of(&self, code: &str) -> Option<&str> {
        self.find(&self.by_code, code, |e| &e.code).map(|i| &*self.entries[i as usize].key)
    }

    pub fn record(&mut self, key: &str, code: &str, date: &str) {
        let entry = Entry { key: key.into(), code: code.into(), date: date.into() };
        match self.find(&self.by_key, key, |e| &e.key) {
            Some(i) => {
                let old = std::mem::replace(&mut self.entries[i as usize], entry);
                if let Some(j) = self.journal.as_mut().filter(|j| (i as usize) < j.len) {
                    j.replaced.push((i, old.clone()));
                }
                if self.by_code.get(&h(&old.code)) == Some(&i) {
                    self.by_code.remove(&h(&old.code));
                }
                self.by_code.insert(h(code), i);
            }
            None => {
                let i = self.entries.len() as u32;
                self.by_key.insert(h(key), i);
                self.by_code.insert(h(code), i);
                self.entries.push(entry);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Starts an input: what it changes can be undone by `rollback`.
    pub fn begin(&mut self) {
        self.journal = Some(Journal { counter: self.counter, len: self.entries.len(), replaced: Vec::new() });
    }

    /// Undoes what the current input changed (it failed: none of its codes was written).
    pub fn rollback(&mut self) {
        let Some(j) = self.journal.take() else { return };
        self.counter = j.counter;
        for e in self.entries.drain(j.len..) {
            self.by_key.remove(&h(&e.key));
            self.by_code.remove(&h(&e.code));
        }
        for (i, old) in j.replaced.into_iter().rev() {
            let new = std::mem::replace(&mut self.entries[i as usize], old);
            self.by_code.remove(&h(&new.code));
            self.by_code.insert(h(&self.entries[i as usize].code), i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::load(dir.path()).unwrap();
        assert_eq!(s, State::new());
        s.counter = 12;
        s.record("shopify:id:530", "WEB000530", "2026-11-28");
        s.save(dir.path()).unwrap();
        let text = fs::read_to_string(State::path(dir.path())).unwrap();
        assert!(text.contains("\"shopify:id:530\": {\n      \"code\": \"WEB000530\""), "{text}");
        let back = State::load(dir.path()).unwrap();
        assert_eq!(back.counter, 12);
        assert_eq!(back.owner_of("WEB000530"), Some("shopify:id:530"));
        assert_eq!(back.issued_to("shopify:id:530").unwrap().code, "WEB000530");
        fs::write(State::path(dir.path()), "{ not json").unwrap();
        assert!(matches!(State::load(dir.path()), Err(StateError::Damaged { .. })));
    }

    #[test]
    fn a_failed_input_is_undone() {
        let mut s = State::new();
        s.record("a", "WEB1", "2026-11-01");
        s.counter = 1;
        s.begin();
        s.record("b", "WEB2", "2026-11-28");
        s.record("a", "WEB9", "2026-11-28");
        s.counter = 9;
        s.rollback();
        assert_eq!(s.counter, 1);
        assert_eq!(s.issued_to("a").unwrap().code, "WEB1");
        assert!(s.issued_to("b").is_none());
        assert!(s.owner_of("WEB2").is_none());
        assert!(s.owner_of("WEB9").is_none());
        assert_eq!(s.owner_of("WEB1"), Some("a"));
    }
}
