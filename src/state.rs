//! What survives between runs: the customer counter and the codes issued to shop customers.
//! One versioned JSON file, replaced atomically; a damaged file stops the run rather than
//! being reset, because a reset would issue the same codes twice.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const STATE_FILE: &str = "passerelle-state.json";
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Issued {
    pub code: String,
    /// Date of the run that issued it (YYYY-MM-DD).
    pub date: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub version: u32,
    /// Last number taken from the counter (0 = none yet).
    pub counter: u64,
    /// Shop customer key ("shopify:id:530", "shopify:email:marie@exemple.fr") → code.
    pub issued: BTreeMap<String, Issued>,
    #[serde(skip)]
    by_code: BTreeMap<String, String>,
}

impl Default for State {
    fn default() -> Self {
        State { version: STATE_VERSION, counter: 0, issued: BTreeMap::new(), by_code: BTreeMap::new() }
    }
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

impl State {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Loads the state of `dir`; a missing file is an empty state.
    pub fn load(dir: &Path) -> Result<State, StateError> {
        let path = State::path(dir);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        let mut s: State = serde_json::from_str(&text)
            .map_err(|e| StateError::Damaged { path: path.clone(), message: e.to_string() })?;
        if s.version > STATE_VERSION {
            return Err(StateError::TooNew { path, found: s.version });
        }
        s.version = STATE_VERSION;
        s.by_code = s.issued.iter().map(|(k, v)| (v.code.clone(), k.clone())).collect();
        Ok(s)
    }

    /// Writes the state atomically (temp file, fsync, rename).
    pub fn save(&self, dir: &Path) -> Result<(), StateError> {
        let path = State::path(dir);
        let io = |source| StateError::Io { path: path.clone(), source };
        fs::create_dir_all(dir).map_err(io)?;
        let text = serde_json::to_string_pretty(self).expect("state serialises");
        crate::write::atomic::write_atomic(&path, text.as_bytes()).map_err(io)
    }

    pub fn issued_to(&self, key: &str) -> Option<&Issued> {
        self.issued.get(key)
    }

    /// The shop customer a code was issued to.
    pub fn owner_of(&self, code: &str) -> Option<&str> {
        self.by_code.get(code).map(String::as_str)
    }

    pub fn record(&mut self, key: &str, code: &str, date: &str) {
        self.issued.insert(key.to_string(), Issued { code: code.to_string(), date: date.to_string() });
        self.by_code.insert(code.to_string(), key.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::load(dir.path()).unwrap();
        assert_eq!(s, State::default());
        s.counter = 12;
        s.record("shopify:id:530", "WEB000530", "2026-11-28");
        s.save(dir.path()).unwrap();
        let back = State::load(dir.path()).unwrap();
        assert_eq!(back.counter, 12);
        assert_eq!(back.owner_of("WEB000530"), Some("shopify:id:530"));
        fs::write(State::path(dir.path()), "{ not json").unwrap();
        assert!(matches!(State::load(dir.path()), Err(StateError::Damaged { .. })));
    }
}
