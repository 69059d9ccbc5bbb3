//! What survives between runs: the customer counter and the codes issued to shop customers.
//! One versioned JSON file, replaced atomically; a damaged file stops the run rather than
//! being reset, because a reset would issue the same codes twice.
//!
//! In memory the keys and codes sit in chunks of text that never move (`TextChunks`), the
//! entries in a flat list of spans with two hash indexes (by customer key, by code): a shop
//! with hundreds of thousands of customers keeps some 60 bytes for each. An input that fails is undone (`begin` /
//! `rollback`) without copying the state.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::strindex::{Chunked, StrIndex, TextChunks};

pub const STATE_FILE: &str = "passerelle-state.json";

/// The watcher's record of the file contents it converted (`watch::seen`): in the state folder
/// too, since it says the same kind of thing ("this was converted already").
pub const SEEN_FILE: &str = "watch-seen.json";
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

/// Key then code at `text[at..]`; the date is an index into `dates` (one per run day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    at: u32,
    key_len: u32,
    code_len: u32,
    date: u32,
}

/// The code of entry `e`: after its key, in the same place of the text.
fn code_of(text: &TextChunks, e: Entry) -> &str {
    &text.get(e.at, e.key_len + e.code_len)[e.key_len as usize..]
}

/// What the current input changed, to undo it if the input fails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Journal {
    counter: u64,
    len: usize,
    text: (usize, usize),
    /// Entries of earlier inputs the current one replaced: (index, old entry).
    replaced: Vec<(u32, Entry)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub version: u32,
    /// Last number taken from the counter (0 = none yet).
    pub counter: u64,
    text: TextChunks,
    entries: Chunked<Entry>,
    dates: Vec<Box<str>>,
    date_ids: FxHashMap<Box<str>, u32>,
    by_key: StrIndex,
    by_code: StrIndex,
    journal: Option<Journal>,
}

/// The file's shape: `{"version": 1, "counter": 4, "issued": {"shopify:id:530": {"code": ..., "date": ...}}}`.
/// Read as a stream straight into a `State`: hundreds of thousands of codes are never held
/// twice (as a parsed map, then as the state).
struct Loading(State);

impl<'de> Deserialize<'de> for Loading {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
        use std::fmt;

        struct Issuing<'a>(&'a mut State);
        impl<'de> DeserializeSeed<'de> for Issuing<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_map(self)
            }
        }
        impl<'de> Visitor<'de> for Issuing<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of customer keys to issued codes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
                let mut key = String::new();
                while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    key.clear();
                    key.push_str(&k);
                    let i: Issued = m.next_value()?;
                    if self.0.issued_to(&key).is_some() {
                        return Err(de::Error::custom(format!("customer key '{key}' appears twice")));
                    }
                    self.0.record(&key, &i.code, &i.date);
                }
                Ok(())
            }
        }

        struct Whole;
        impl<'de> Visitor<'de> for Whole {
            type Value = Loading;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a passerelle state")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Loading, A::Error> {
                let mut s = State::new();
                let (mut version, mut issued) = (None, false);
                while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*k {
                        "version" => version = Some(m.next_value::<u32>()?),
                        "counter" => s.counter = m.next_value()?,
                        // A newer state may shape its codes differently: `load` refuses it by version.
                        "issued" if version.is_some_and(|v| v > STATE_VERSION) => {
                            m.next_value::<IgnoredAny>()?;
                            issued = true;
                        }
                        "issued" => {
                            m.next_value_seed(Issuing(&mut s))?;
                            issued = true;
                        }
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                s.version = version.ok_or_else(|| de::Error::missing_field("version"))?;
                if !issued {
                    return Err(de::Error::missing_field("issued"));
                }
                Ok(Loading(s))
            }
        }
        d.deserialize_map(Whole)
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
    pub fn new() -> State {
        State { version: STATE_VERSION, ..Default::default() }
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Loads the state of `dir`; a missing file is an empty state.
    pub fn load(dir: &Path) -> Result<State, StateError> {
        let path = State::path(dir);
        let file = match crate::fsguard::open_regular(&path, crate::fsguard::MAX_INPUT_BYTES) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::new()),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        let reader = io::BufReader::with_capacity(64 * 1024, file);
        let Loading(mut s) = serde_json::from_reader(reader).map_err(|e| match e.io_error_kind() {
            Some(kind) => StateError::Io { path: path.clone(), source: io::Error::new(kind, e.to_string()) },
            None => StateError::Damaged { path: path.clone(), message: e.to_string() },
        })?;
        if s.version > STATE_VERSION {
            return Err(StateError::TooNew { path, found: s.version });
        }
        s.version = STATE_VERSION;
        Ok(s)
    }

    /// Writes the state atomically (temp file, fsync, rename), keys in order. Streamed: no
    /// copy of the entries, no text of the whole file in memory.
    pub fn save(&self, dir: &Path) -> Result<(), StateError> {
        use serde::ser::{SerializeMap, SerializeStruct};
        use std::io::Write;

        struct Entries<'a>(&'a State, Vec<u32>);
        impl Serialize for Entries<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                #[derive(Serialize)]
                struct Val<'a> {
                    code: &'a str,
                    date: &'a str,
                }
                let mut m = s.serialize_map(Some(self.1.len()))?;
                for &i in &self.1 {
                    m.serialize_entry(self.0.key(i), &Val { code: self.0.code(i), date: self.0.date(i) })?;
                }
                m.end()
            }
        }
        struct View<'a>(&'a State);
        impl Serialize for View<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut sorted: Vec<u32> = (0..self.0.entries.len() as u32).collect();
                sorted.sort_unstable_by(|&a, &b| self.0.key(a).cmp(self.0.key(b)));
                let mut st = s.serialize_struct("State", 3)?;
                st.serialize_field("version", &self.0.version.max(STATE_VERSION))?;
                st.serialize_field("counter", &self.0.counter)?;
                st.serialize_field("issued", &Entries(self.0, sorted))?;
                st.end()
            }
        }
        let path = State::path(dir);
        let io = |source| StateError::Io { path: path.clone(), source };
        fs::create_dir_all(dir).map_err(io)?;
        let mut f = crate::atomic::AtomicFile::create(&path).map_err(io)?;
        serde_json::to_writer_pretty(&mut f, &View(self)).map_err(|e| io(io::Error::other(e)))?;
        f.flush().map_err(io)?;
        f.commit().map_err(io)
    }

    pub fn issued_to(&self, key: &str) -> Option<IssuedRef<'_>> {
        self.by_key.get(key, |i| self.key(i) == key).map(|i| IssuedRef { code: self.code(i), date: self.date(i) })
    }

    /// The shop customer a code was issued to.
    pub fn owner_of(&self, code: &str) -> Option<&str> {
        self.by_code.get(code, |i| self.code(i) == code).map(|i| self.key(i))
    }

    fn key(&self, i: u32) -> &str {
        let e = self.entries[i as usize];
        self.text.get(e.at, e.key_len)
    }

    fn code(&self, i: u32) -> &str {
        code_of(&self.text, self.entries[i as usize])
    }

    fn date(&self, i: u32) -> &str {
        &self.dates[self.entries[i as usize].date as usize]
    }

    pub fn record(&mut self, key: &str, code: &str, date: &str) {
        let date = match self.date_ids.get(date) {
            Some(&d) => d,
            None => {
                let d = self.dates.len() as u32;
                self.dates.push(date.into());
                self.date_ids.insert(date.into(), d);
                d
            }
        };
        let at = self.text.push(&[key, code]);
        let entry = Entry { at, key_len: key.len() as u32, code_len: code.len() as u32, date };
        match self.by_key.get(key, |i| self.key(i) == key) {
            Some(i) => {
                let old_code = self.code(i).to_string();
                let old = std::mem::replace(&mut self.entries[i as usize], entry);
                if let Some(j) = self.journal.as_mut().filter(|j| (i as usize) < j.len) {
                    j.replaced.push((i, old));
                }
                self.by_code.remove(&old_code, i);
                self.index_code(i);
            }
            None => {
                let i = self.entries.len() as u32;
                self.entries.push(entry);
                let (text, entries) = (&self.text, &self.entries);
                let key_of = |j: u32| {
                    let e = entries[j as usize];
                    text.get(e.at, e.key_len)
                };
                self.by_key.insert(key, i, |j| key_of(j) == key);
                self.index_code(i);
            }
        }
    }

    fn index_code(&mut self, i: u32) {
        let (text, entries) = (&self.text, &self.entries);
        let code = |j: u32| code_of(text, entries[j as usize]);
        self.by_code.insert(code(i), i, |j| code(j) == code(i));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Starts an input: what it changes can be undone by `rollback`.
    pub fn begin(&mut self) {
        self.journal = Some(Journal {
            counter: self.counter,
            len: self.entries.len(),
            text: self.text.end(),
            replaced: Vec::new(),
        });
    }

    /// Undoes what the current input changed (it failed: none of its codes was written).
    pub fn rollback(&mut self) {
        let Some(j) = self.journal.take() else { return };
        self.counter = j.counter;
        for i in (j.len..self.entries.len()).rev() {
            let (key, code) = (self.key(i as u32).to_string(), self.code(i as u32).to_string());
            self.by_key.remove(&key, i as u32);
            self.by_code.remove(&code, i as u32);
        }
        self.entries.truncate(j.len);
        for (i, old) in j.replaced.into_iter().rev() {
            let new_code = self.code(i).to_string();
            self.by_code.remove(&new_code, i);
            self.entries[i as usize] = old;
            self.index_code(i);
        }
        self.text.truncate(j.text);
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
    fn a_newer_or_doubled_state_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = State::path(dir.path());
        fs::write(&p, r#"{"version": 9, "counter": 1, "issued": {"a": ["some", "new", "shape"]}}"#).unwrap();
        assert!(matches!(State::load(dir.path()), Err(StateError::TooNew { found: 9, .. })));
        let twice = r#"{"version": 1, "counter": 2, "issued": {
            "a": {"code": "WEB1", "date": "2026-11-01"}, "a": {"code": "WEB2", "date": "2026-11-02"}}}"#;
        fs::write(&p, twice).unwrap();
        match State::load(dir.path()) {
            Err(StateError::Damaged { message, .. }) => assert!(message.contains("'a' appears twice"), "{message}"),
            other => panic!("{other:?}"),
        }
        fs::write(&p, r#"{"version": 1, "counter": 2}"#).unwrap();
        assert!(matches!(State::load(dir.path()), Err(StateError::Damaged { .. })), "no codes: damaged, not empty");
    }

    #[test]
    fn many_codes_survive_a_round_trip_with_undone_replacements() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::new();
        for i in 0..2000 {
            s.record(
                &format!("shopify:id:{i}"),
                &format!("WEB{i:06}"),
                if i % 2 == 0 { "2026-11-01" } else { "2026-11-02" },
            );
        }
        s.begin();
        s.record("shopify:id:7", "WEB999999", "2026-11-28");
        s.record("shopify:id:7", "WEB888888", "2026-11-28");
        s.record("shopify:id:new", "WEB777777", "2026-11-28");
        s.rollback();
        s.save(dir.path()).unwrap();
        let back = State::load(dir.path()).unwrap();
        assert_eq!(back.len(), 2000);
        assert_eq!(back.issued_to("shopify:id:7"), Some(IssuedRef { code: "WEB000007", date: "2026-11-02" }));
        assert_eq!(back.owner_of("WEB001999"), Some("shopify:id:1999"));
        for gone in ["WEB999999", "WEB888888", "WEB777777"] {
            assert_eq!(back.owner_of(gone), None, "{gone}");
        }
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
