//! What survives between runs: the customer counter and the codes issued to shop customers.
//! One versioned JSON file, replaced atomically; a damaged file stops the run rather than
//! being reset, because a reset would issue the same codes twice.
//!
//! In memory the state stays small however many codes it holds: every code issued is one
//! record appended to a log whose newest `TAIL` bytes stay in memory and the rest go to an
//! anonymous temporary file (in the state folder; a dry run's in the system's temporary
//! folder; the system removes it with the process, even after a crash). Two `SpillMap`s find
//! a record from the hash of its customer key or of its code (a miss seldom reads the disk);
//! the record's text is compared on every lookup, so two keys of the same hash never answer
//! each other (the second one goes to a side map, as in `strindex`). Each record carries
//! what it replaced, so an input that fails is undone (`begin` / `rollback`) by walking its
//! records backwards, and a checksum, so a damaged temporary file is an error rather than an
//! "unknown customer" (which would issue a second code). A read or write of the temporary
//! file that fails is kept (`error`): `save` refuses, and the caller fails the input and the
//! next ones. `save` writes the keys in order through a sort in runs on disk, merged.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::hash::Hasher;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use crate::spill::{FirstError, Log, LogReader, SpillMap, SpillTo, hash_text, mix, u32_at, u64_at};

pub const STATE_FILE: &str = "passerelle-state.json";

/// The watcher's record of the file contents it converted (`watch::seen`): in the state folder
/// too, since it says the same kind of thing ("this was converted already").
pub const SEEN_FILE: &str = "watch-seen.json";
pub const STATE_VERSION: u32 = 1;

/// A code issued to a shop customer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Issued {
    pub code: String,
    /// Date of the run that issued it (YYYY-MM-DD).
    pub date: String,
}

/// `Issued` seen in place (`State::issued_with`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedRef<'a> {
    pub code: &'a str,
    pub date: &'a str,
}

/// The customer looked up last and its answer, its texts reused from one lookup to the next
/// (every order asks, most of them twice: no allocation then).
#[derive(Debug, Default)]
struct LastLookup {
    /// Whether it holds an answer (forgotten at every change).
    valid: bool,
    key: String,
    /// A code was issued to `key`: `code`, on `date`.
    found: bool,
    code: String,
    date: String,
}

impl LastLookup {
    fn answer(&self, key: &str) -> Option<Option<IssuedRef<'_>>> {
        (self.valid && self.key == key).then(|| self.found.then_some(IssuedRef { code: &self.code, date: &self.date }))
    }

    /// Holds `key`'s answer from now on; `found` to be filled by the caller.
    fn begin(&mut self, key: &str) {
        self.valid = true;
        self.key.clear();
        self.key.push_str(key);
        self.found = false;
        self.code.clear();
        self.date.clear();
    }

    fn forget(&mut self) {
        self.valid = false;
    }
}

/// Bytes of the newest records kept in memory before they go to the temporary file.
#[cfg(not(test))]
const TAIL: usize = 1 << 20;
/// Tests send records to the file after two or three, so that every test of the state goes
/// through the disk (the maps spill after two entries in tests too).
#[cfg(test)]
const TAIL: usize = 160;

/// Bytes of keys and codes sorted in memory at once when saving; more go to sorted runs on
/// disk, merged as the file is written.
#[cfg(not(test))]
const SORT_CHUNK: usize = 2 << 20;
#[cfg(test)]
const SORT_CHUNK: usize = 100;

/// No record (and what a map answers when it cannot read its runs: the error is kept).
const NONE: u64 = u64::MAX;

// A record: key length, code length, date id (u32 each), the record it replaced for the same
// key and the one its code pointed to before (u64 each, `NONE`), flags, dead (1 byte each),
// checksum (u32), key, code, then the record's whole length (u32, to walk back).
const KEY_LEN: usize = 0;
const CODE_LEN: usize = 4;
const DATE: usize = 8;
const PREV: usize = 12;
const BEFORE: usize = 20;
const FLAGS: usize = 28;
const DEAD: usize = 29;
const SUM: usize = 30;
const HEAD: usize = 34;
/// The record took its key's old code away from the code index (to put back on undo).
const OLD_CODE_REMOVED: u8 = 1;

/// Over everything but the dead flag (which changes in place) and the sum itself.
fn checksum(rec: &[u8], body: &[u8]) -> u32 {
    let mut h = FxHasher::default();
    h.write(&rec[..DEAD]);
    h.write(body);
    let h = mix(h.finish());
    (h ^ (h >> 32)) as u32
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("temporary file of the state is damaged ({what})"))
}

fn encode(key: &str, code: &str, date: u32, prev: u64, before: u64, flags: u8) -> Vec<u8> {
    let total = HEAD + key.len() + code.len() + 4;
    let mut r = Vec::with_capacity(total);
    r.extend_from_slice(&(key.len() as u32).to_le_bytes());
    r.extend_from_slice(&(code.len() as u32).to_le_bytes());
    r.extend_from_slice(&date.to_le_bytes());
    r.extend_from_slice(&prev.to_le_bytes());
    r.extend_from_slice(&before.to_le_bytes());
    r.extend_from_slice(&[flags, 0, 0, 0, 0, 0]);
    r.extend_from_slice(key.as_bytes());
    r.extend_from_slice(code.as_bytes());
    let sum = checksum(&r[..HEAD], &r[HEAD..]);
    r[SUM..HEAD].copy_from_slice(&sum.to_le_bytes());
    r.extend_from_slice(&(total as u32).to_le_bytes());
    r
}

/// A record read back.
struct Rec<'a> {
    key: &'a str,
    code: &'a str,
    date: u32,
    prev: u64,
    before: u64,
    flags: u8,
    dead: bool,
    len: usize,
}

/// The record at the start of `b` (which holds at least its fixed part), checked; `Ok(None)`
/// when `b` is too short for its text (the caller reads more).
fn decode(b: &[u8]) -> io::Result<Option<Rec<'_>>> {
    let (k, c) = (u32_at(b, KEY_LEN) as usize, u32_at(b, CODE_LEN) as usize);
    let len = HEAD + k + c + 4;
    if k > crate::fsguard::MAX_INPUT_BYTES as usize || c > crate::fsguard::MAX_INPUT_BYTES as usize {
        return Err(damaged("length"));
    }
    if b.len() < len {
        return Ok(None);
    }
    let body = &b[HEAD..HEAD + k + c];
    if checksum(&b[..HEAD], body) != u32_at(b, SUM) || u32_at(b, len - 4) as usize != len || b[DEAD] > 1 {
        return Err(damaged("checksum"));
    }
    let key = std::str::from_utf8(&body[..k]).map_err(|_| damaged("text"))?;
    let code = std::str::from_utf8(&body[k..]).map_err(|_| damaged("text"))?;
    Ok(Some(Rec {
        key,
        code,
        date: u32_at(b, DATE),
        prev: u64_at(b, PREV),
        before: u64_at(b, BEFORE),
        flags: b[FLAGS],
        dead: b[DEAD] == 1,
        len,
    }))
}

/// The record at `at` of `log`, checked, given to `f`.
fn with_rec<R>(log: &Log, at: u64, f: impl FnOnce(&Rec) -> R) -> io::Result<R> {
    let mut stack = [0u8; 160];
    let avail = log.end().saturating_sub(at).min(stack.len() as u64) as usize;
    if avail < HEAD + 4 {
        return Err(damaged("a record beyond its end"));
    }
    log.read(at, &mut stack[..avail])?;
    if let Some(r) = decode(&stack[..avail])? {
        return Ok(f(&r));
    }
    let len = HEAD + u32_at(&stack, KEY_LEN) as usize + u32_at(&stack, CODE_LEN) as usize + 4;
    let mut heap = vec![0u8; len];
    log.read(at, &mut heap)?;
    let r = decode(&heap)?.ok_or_else(|| damaged("length"))?;
    Ok(f(&r))
}

/// Which text of a record an index finds it by.
#[derive(Debug, Clone, Copy)]
enum Field {
    Key,
    Code,
}

impl Field {
    fn of<'a>(self, r: &Rec<'a>) -> &'a str {
        match self {
            Field::Key => r.key,
            Field::Code => r.code,
        }
    }
}

/// Text → record, through the text's hash; a text whose hash another holds goes to `collided`.
#[derive(Debug)]
struct Index {
    map: SpillMap<u64>,
    collided: FxHashMap<Box<str>, u64>,
}

impl Index {
    fn new(to: SpillTo) -> Index {
        Index { map: SpillMap::new(to, NONE), collided: FxHashMap::default() }
    }
}

/// What a map's slot for a text's hash holds.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Free,
    /// The record of that text.
    Mine(u64),
    /// Another text's record (same hash): this text goes to the side map.
    Other,
    /// A record that could not be read (the error is kept).
    Unreadable,
}

/// Where the current input started, to undo it if it fails.
#[derive(Debug, Clone, Copy)]
struct Journal {
    counter: u64,
    end: u64,
}

#[derive(Debug)]
pub struct State {
    pub version: u32,
    /// Last number taken from the counter (0 = none yet).
    pub counter: u64,
    log: Log,
    /// Live records (one per key).
    len: usize,
    dates: Vec<Box<str>>,
    date_ids: FxHashMap<Box<str>, u32>,
    by_key: Index,
    by_code: Index,
    journal: Option<Journal>,
    /// The first read or write of the temporary files that failed.
    error: FirstError,
    /// The customer looked up last and its code, or `None` when it has none: an order asks
    /// for the same customer several times (a customer without a shop id by the same e-mail
    /// key twice), and its record may be on disk, an absent key costing a cache miss in each
    /// map it is asked of. Forgotten at every change.
    last: RefCell<LastLookup>,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// The file's shape: `{"version": 1, "counter": 4, "issued": {"shopify:id:530": {"code": ..., "date": ...}}}`.
/// Read as a stream straight into a `State`: hundreds of thousands of codes are never held
/// twice (as a parsed map, then as the state).
struct Loading(State);

/// A `State` to load into.
struct LoadInto(State);

impl<'de> serde::de::DeserializeSeed<'de> for LoadInto {
    type Value = Loading;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Loading, D::Error> {
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
                    if self.0.find(Field::Key, &key).is_some() {
                        return Err(de::Error::custom(format!("customer key '{key}' appears twice")));
                    }
                    self.0.record(&key, &i.code, &i.date);
                }
                Ok(())
            }
        }

        struct Whole(State);
        impl<'de> Visitor<'de> for Whole {
            type Value = Loading;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a passerelle state")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Loading, A::Error> {
                let mut s = self.0;
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
        d.deserialize_map(Whole(self.0))
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

/// One source of sorted entries when saving: a run on disk, or the last chunk in memory.
enum Source {
    Run { r: BufReader<File>, left: usize },
    Mem { chunk: Chunk, next: usize },
}

impl Source {
    fn next(&mut self) -> io::Result<Option<(String, String, u32)>> {
        match self {
            Source::Run { r, left } => {
                if *left == 0 {
                    return Ok(None);
                }
                *left -= 1;
                let mut head = [0u8; 12];
                r.read_exact(&mut head)?;
                let (k, c) = (u32_at(&head, 0) as usize, u32_at(&head, 4) as usize);
                let mut text = vec![0u8; k + c];
                r.read_exact(&mut text)?;
                let code = String::from_utf8(text.split_off(k)).map_err(|_| damaged("sorted run"))?;
                let key = String::from_utf8(text).map_err(|_| damaged("sorted run"))?;
                Ok(Some((key, code, u32_at(&head, 8))))
            }
            Source::Mem { chunk, next } => {
                let Some(&(at, k, c, date)) = chunk.items.get(*next) else { return Ok(None) };
                *next += 1;
                let (at, k, c) = (at as usize, k as usize, c as usize);
                Ok(Some((chunk.text[at..at + k].to_string(), chunk.text[at + k..at + k + c].to_string(), date)))
            }
        }
    }
}

/// Live entries gathered for sorting: key then code in `text`; (at, key length, code length, date).
#[derive(Default)]
struct Chunk {
    text: String,
    items: Vec<(u32, u32, u32, u32)>,
}

impl Chunk {
    fn key(&self, i: &(u32, u32, u32, u32)) -> &str {
        &self.text[i.0 as usize..(i.0 + i.1) as usize]
    }

    fn sort(&mut self) {
        let mut items = std::mem::take(&mut self.items);
        items.sort_unstable_by(|a, b| self.key(a).cmp(self.key(b)));
        self.items = items;
    }

    /// Sorted, to a run in a temporary file.
    fn spill(&mut self, to: &SpillTo) -> io::Result<Source> {
        self.sort();
        let mut w = BufWriter::with_capacity(64 * 1024, crate::spill::new_temp(to)?);
        for &(at, k, c, date) in &self.items {
            w.write_all(&k.to_le_bytes())?;
            w.write_all(&c.to_le_bytes())?;
            w.write_all(&date.to_le_bytes())?;
            w.write_all(&self.text.as_bytes()[at as usize..(at + k + c) as usize])?;
        }
        let mut file = w.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        let left = self.items.len();
        self.text.clear();
        self.items.clear();
        Ok(Source::Run { r: BufReader::with_capacity(16 * 1024, file), left })
    }
}

/// Sorted sources merged: every key once, in order.
struct Merged {
    sources: Vec<Source>,
    /// (key, source) of each source's next entry, smallest first; its code and date in `next`.
    heap: BinaryHeap<Reverse<(String, usize)>>,
    next: Vec<(String, u32)>,
}

impl Merged {
    fn new(mut sources: Vec<Source>) -> io::Result<Merged> {
        let (mut heap, mut next) = (BinaryHeap::new(), Vec::new());
        for (i, s) in sources.iter_mut().enumerate() {
            match s.next()? {
                Some((k, c, d)) => {
                    heap.push(Reverse((k, i)));
                    next.push((c, d));
                }
                None => next.push((String::new(), 0)),
            }
        }
        Ok(Merged { sources, heap, next })
    }

    fn next(&mut self) -> io::Result<Option<(String, String, u32)>> {
        let Some(Reverse((key, i))) = self.heap.pop() else { return Ok(None) };
        let (code, date) = std::mem::take(&mut self.next[i]);
        if let Some((k, c, d)) = self.sources[i].next()? {
            self.heap.push(Reverse((k, i)));
            self.next[i] = (c, d);
        }
        Ok(Some((key, code, date)))
    }
}

impl State {
    pub fn new() -> State {
        State::new_in(SpillTo::Temp)
    }

    /// An empty state whose temporary files go `to`.
    pub fn new_in(to: SpillTo) -> State {
        State {
            version: STATE_VERSION,
            counter: 0,
            log: Log::new(to.clone(), TAIL),
            len: 0,
            dates: Vec::new(),
            date_ids: FxHashMap::default(),
            by_key: Index::new(to.clone()),
            by_code: Index::new(to),
            journal: None,
            error: FirstError::default(),
            last: RefCell::new(LastLookup::default()),
        }
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Loads the state of `dir` (a missing file is an empty state), its temporary file in
    /// the system's temporary folder.
    pub fn load(dir: &Path) -> Result<State, StateError> {
        State::load_in(dir, SpillTo::Temp)
    }

    /// Loads the state of `dir`, its temporary files going `to`.
    pub fn load_in(dir: &Path, to: SpillTo) -> Result<State, StateError> {
        let path = State::path(dir);
        let file = match crate::fsguard::open_regular(&path, crate::fsguard::MAX_INPUT_BYTES) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::new_in(to)),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        let reader = io::BufReader::with_capacity(64 * 1024, file);
        let mut de = serde_json::Deserializer::from_reader(reader);
        let damaged = |e: serde_json::Error| match e.io_error_kind() {
            Some(kind) => StateError::Io { path: path.clone(), source: io::Error::new(kind, e.to_string()) },
            None => StateError::Damaged { path: path.clone(), message: e.to_string() },
        };
        let Loading(mut s) =
            serde::de::DeserializeSeed::deserialize(LoadInto(State::new_in(to)), &mut de).map_err(damaged)?;
        de.end().map_err(damaged)?;
        if let Some(source) = s.error() {
            return Err(StateError::Io { path, source });
        }
        if s.version > STATE_VERSION {
            return Err(StateError::TooNew { path, found: s.version });
        }
        s.version = STATE_VERSION;
        Ok(s)
    }

    /// Writes the state atomically (temp file, fsync, rename), keys in order. Streamed: the
    /// entries are sorted in runs on disk past `SORT_CHUNK` bytes, merged as they are written.
    pub fn save(&self, dir: &Path) -> Result<(), StateError> {
        let path = State::path(dir);
        let io = |source| StateError::Io { path: path.clone(), source };
        if let Some(e) = self.error() {
            return Err(io(e));
        }
        let mut merged = self.sorted().map_err(io)?;
        fs::create_dir_all(dir).map_err(io)?;
        let mut f = crate::atomic::AtomicFile::create(&path).map_err(io)?;
        self.write_json(&mut merged, &mut f).map_err(io)?;
        f.flush().map_err(io)?;
        f.commit().map_err(io)
    }

    /// The state file's text: what `serde_json::to_writer_pretty` writes of `{version,
    /// counter, issued: {key: {code, date}}}`, byte for byte (a test compares them), laid out
    /// here (each string still escaped by serde_json) because at hundreds of thousands of codes serde's walk took some 0.1 s of the
    /// converting thread at the end of a run (beside the output's copy and sync, which set
    /// the pace there).
    fn write_json(&self, merged: &mut Merged, out: &mut impl Write) -> io::Result<()> {
        let mut buf = Vec::with_capacity(64 * 1024);
        write!(
            buf,
            "{{\n  \"version\": {},\n  \"counter\": {},\n  \"issued\": {{",
            self.version.max(STATE_VERSION),
            self.counter
        )?;
        let mut n = 0;
        while let Some((key, code, date)) = merged.next()? {
            let date = self.dates.get(date as usize).ok_or_else(|| damaged("date"))?;
            buf.extend_from_slice(if n == 0 { b"\n    " } else { b",\n    " });
            serde_json::to_writer(&mut buf, &key)?;
            buf.extend_from_slice(b": {\n      \"code\": ");
            serde_json::to_writer(&mut buf, &code)?;
            buf.extend_from_slice(b",\n      \"date\": ");
            serde_json::to_writer(&mut buf, date)?;
            buf.extend_from_slice(b"\n    }");
            n += 1;
            if buf.len() >= 60 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        if n != self.len {
            return Err(damaged("count"));
        }
        buf.extend_from_slice(if n == 0 { &b"}\n}"[..] } else { &b"\n  }\n}"[..] });
        out.write_all(&buf)
    }

    /// The live records, in runs sorted by key.
    fn sorted(&self) -> io::Result<Merged> {
        let mut r = BufReader::with_capacity(64 * 1024, LogReader::new(&self.log));
        // Made whole at once: grown by doubling it would hold up to twice its size.
        let mut chunk =
            Chunk { text: String::with_capacity(SORT_CHUNK + 4096), items: Vec::with_capacity(SORT_CHUNK / 32) };
        let mut sources = Vec::new();
        let mut rec = vec![0u8; HEAD];
        let mut at = 0;
        while at < self.log.end() {
            rec.resize(HEAD, 0);
            r.read_exact(&mut rec)?;
            let len = HEAD + u32_at(&rec, KEY_LEN) as usize + u32_at(&rec, CODE_LEN) as usize + 4;
            if at + len as u64 > self.log.end() {
                return Err(damaged("length"));
            }
            rec.resize(len, 0);
            r.read_exact(&mut rec[HEAD..])?;
            at += len as u64;
            let e = decode(&rec)?.ok_or_else(|| damaged("length"))?;
            if e.dead {
                continue;
            }
            if chunk.text.len() >= SORT_CHUNK {
                sources.push(chunk.spill(self.log.to())?);
            }
            let text_at = chunk.text.len() as u32;
            chunk.text.push_str(e.key);
            chunk.text.push_str(e.code);
            chunk.items.push((text_at, e.key.len() as u32, e.code.len() as u32, e.date));
        }
        chunk.sort();
        sources.push(Source::Mem { chunk, next: 0 });
        Merged::new(sources)
    }

    /// The first read or write of the temporary files that failed: after it the state may
    /// not answer what it was told, so the current input and every later one must fail.
    pub fn error(&self) -> Option<io::Error> {
        self.error
            .get()
            .or_else(|| self.by_key.map.error())
            .or_else(|| self.by_code.map.error())
            .map(|e| io::Error::new(e.kind(), format!("temporary file of the state: {e}")))
    }

    fn failed<T>(&self, r: io::Result<T>) -> Option<T> {
        self.error.keep(r)
    }

    fn index(&self, f: Field) -> &Index {
        match f {
            Field::Key => &self.by_key,
            Field::Code => &self.by_code,
        }
    }

    fn index_mut(&mut self, f: Field) -> &mut Index {
        match f {
            Field::Key => &mut self.by_key,
            Field::Code => &mut self.by_code,
        }
    }

    /// Whether record `at` holds `s` as its `f`; `None` when it cannot be read (kept).
    fn holds(&self, at: u64, f: Field, s: &str) -> Option<bool> {
        if at == NONE {
            return None;
        }
        let r = with_rec(&self.log, at, |r| f.of(r) == s);
        self.failed(r)
    }

    /// What `get` says of the record found by `s` as its `f` (read once).
    fn lookup<R>(&self, f: Field, s: &str, mut get: impl FnMut(&Rec) -> R) -> Option<R> {
        let ix = self.index(f);
        if let Some(at) = ix.map.get(&hash_text(s)) {
            if at == NONE {
                return None;
            }
            let r = with_rec(&self.log, at, |r| (f.of(r) == s).then(|| get(r)));
            if let Some(found) = self.failed(r)? {
                return Some(found);
            }
        }
        let at = if ix.collided.is_empty() { None } else { ix.collided.get(s).copied() }?;
        self.failed(with_rec(&self.log, at, get))
    }

    /// The record found by `s` as its `f`.
    fn find(&self, f: Field, s: &str) -> Option<u64> {
        self.probe(f, s).1
    }

    /// What the map's slot for `s`'s hash holds (for `set` to follow without asking the map
    /// or reading the record again), and the record found by `s` as its `f`.
    fn probe(&self, f: Field, s: &str) -> (Slot, Option<u64>) {
        let ix = self.index(f);
        let slot = self.slot(f, s);
        let found = match slot {
            Slot::Mine(at) => Some(at),
            Slot::Unreadable => None,
            Slot::Free | Slot::Other if ix.collided.is_empty() => None,
            Slot::Free | Slot::Other => ix.collided.get(s).copied(),
        };
        (slot, found)
    }

    /// The map's slot for `s`'s hash, its record read if it has one.
    fn slot(&self, f: Field, s: &str) -> Slot {
        match self.index(f).map.get(&hash_text(s)) {
            None => Slot::Free,
            Some(at) => match self.holds(at, f, s) {
                Some(true) => Slot::Mine(at),
                Some(false) => Slot::Other,
                None => Slot::Unreadable,
            },
        }
    }

    /// Maps `s` (as `f`) to record `at`, replacing what it mapped to; `slot`: what `probe`
    /// found in the map for `s`, nothing having changed that map since.
    fn set(&mut self, f: Field, s: &str, at: u64, slot: Slot) {
        let h = hash_text(s);
        let ix = self.index_mut(f);
        match slot {
            Slot::Free => {
                ix.collided.remove(s);
                ix.map.insert(h, at);
            }
            Slot::Mine(_) => {
                ix.map.insert(h, at);
            }
            Slot::Other => {
                ix.collided.insert(s.into(), at);
            }
            // The error is kept: the input fails.
            Slot::Unreadable => {}
        }
    }

    /// Maps `s` (as `f`) to record `at`, asking the map first.
    fn set_asking(&mut self, f: Field, s: &str, at: u64) {
        let slot = self.slot(f, s);
        self.set(f, s, at, slot);
    }

    /// Forgets `s` (as `f`) if it maps to record `at`; whether it did.
    fn unset(&mut self, f: Field, s: &str, at: u64) -> bool {
        let ix = self.index_mut(f);
        if ix.collided.get(s) == Some(&at) {
            ix.collided.remove(s);
            return true;
        }
        let h = hash_text(s);
        if ix.map.get(&h) == Some(at) {
            ix.map.remove(&h);
            return true;
        }
        false
    }

    pub fn issued_to(&self, key: &str) -> Option<Issued> {
        self.issued_with(key, |i| i.map(|i| Issued { code: i.code.to_string(), date: i.date.to_string() }))
    }

    /// What `f` makes of the code issued to `key` and its date, seen in place (`issued_to`
    /// without copying them). `f` must not ask the state again.
    pub fn issued_with<R>(&self, key: &str, f: impl FnOnce(Option<IssuedRef<'_>>) -> R) -> R {
        if let Some(answer) = self.last.borrow().answer(key) {
            return f(answer);
        }
        {
            let mut last = self.last.borrow_mut();
            let last = &mut *last;
            last.begin(key);
            let code = &mut last.code;
            let date = self.lookup(Field::Key, key, |r| {
                code.clear();
                code.push_str(r.code);
                r.date
            });
            if let Some(date) = date {
                let text = self.dates.get(date as usize);
                if let Some(text) = self.failed(text.ok_or_else(|| damaged("date"))) {
                    last.date.push_str(text);
                    last.found = true;
                }
            }
        }
        let last = self.last.borrow();
        f(last.answer(key).flatten())
    }

    /// The shop customer a code was issued to.
    pub fn owner_of(&self, code: &str) -> Option<String> {
        self.lookup(Field::Code, code, |r| r.key.to_string())
    }

    pub fn record(&mut self, key: &str, code: &str, date: &str) {
        self.last.get_mut().forget();
        let date_id = match self.date_ids.get(date) {
            Some(&d) => d,
            None => {
                let d = self.dates.len() as u32;
                self.dates.push(date.into());
                self.date_ids.insert(date.into(), d);
                d
            }
        };
        let (key_slot, prev) = self.probe(Field::Key, key);
        let prev = prev.unwrap_or(NONE);
        let mut flags = 0;
        if prev != NONE {
            let old = with_rec(&self.log, prev, |r| r.code.to_string());
            let Some(old) = self.failed(old) else { return };
            if self.unset(Field::Code, &old, prev) {
                flags |= OLD_CODE_REMOVED;
            }
            let r = self.log.write(prev + DEAD as u64, &[1]);
            self.failed(r);
        } else {
            self.len += 1;
        }
        // Each map asked and each record read once: `unset` and the code's `set` change only
        // the codes' map, which is asked after `unset`; marking `prev` dead leaves its text.
        let (code_slot, before) = self.probe(Field::Code, code);
        let before = before.unwrap_or(NONE);
        let (at, r) = self.log.append(&encode(key, code, date_id, prev, before, flags));
        self.failed(r);
        self.set(Field::Code, code, at, code_slot);
        self.set(Field::Key, key, at, key_slot);
        // Asked again at once (the customer's other key is looked up after its code is
        // kept): answered without reading back the record just written.
        let last = self.last.get_mut();
        last.begin(key);
        last.found = true;
        last.code.push_str(code);
        last.date.push_str(date);
    }

    /// Undoes record `at` (the newest not undone yet) of `len` bytes; false if it could not.
    fn undo(&mut self, at: u64, len: usize) -> bool {
        let r = with_rec(&self.log, at, |r| (r.key.to_string(), r.code.to_string(), r.prev, r.before, r.flags, r.len));
        let Some((key, code, prev, before, flags, read_len)) = self.failed(r) else { return false };
        if read_len != len {
            self.failed::<()>(Err(damaged("length")));
            return false;
        }
        self.unset(Field::Key, &key, at);
        if prev != NONE {
            self.set_asking(Field::Key, &key, prev);
        }
        self.unset(Field::Code, &code, at);
        if before != NONE {
            self.set_asking(Field::Code, &code, before);
        }
        if prev == NONE {
            self.len -= 1;
            return true;
        }
        let r = self.log.write(prev + DEAD as u64, &[0]);
        self.failed(r);
        if flags & OLD_CODE_REMOVED != 0 {
            let old = with_rec(&self.log, prev, |r| r.code.to_string());
            let Some(old) = self.failed(old) else { return false };
            self.set_asking(Field::Code, &old, prev);
        }
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Starts an input: what it changes can be undone by `rollback`.
    pub fn begin(&mut self) {
        self.journal = Some(Journal { counter: self.counter, end: self.log.end() });
    }

    /// Undoes what the current input changed (it failed: none of its codes was written),
    /// newest record first. A record that cannot be read leaves the error kept: every later
    /// input fails.
    pub fn rollback(&mut self) {
        let Some(j) = self.journal.take() else { return };
        self.counter = j.counter;
        self.last.get_mut().forget();
        let mut end = self.log.end();
        while end > j.end {
            let mut t = [0u8; 4];
            let r = self.log.read(end - 4, &mut t);
            if self.failed(r).is_none() {
                return;
            }
            let len = u32::from_le_bytes(t) as usize;
            if len < HEAD + 4 || len as u64 > end - j.end {
                self.failed::<()>(Err(damaged("length")));
                return;
            }
            if !self.undo(end - len as u64, len) {
                return;
            }
            end -= len as u64;
        }
        self.log.truncate(j.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    fn issued(code: &str, date: &str) -> Issued {
        Issued { code: code.into(), date: date.into() }
    }

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::load(dir.path()).unwrap();
        assert!(s.is_empty() && s.counter == 0 && s.version == STATE_VERSION);
        s.counter = 12;
        s.record("shopify:id:530", "WEB000530", "2026-11-28");
        s.save(dir.path()).unwrap();
        let text = fs::read_to_string(State::path(dir.path())).unwrap();
        assert!(text.contains("\"shopify:id:530\": {\n      \"code\": \"WEB000530\""), "{text}");
        let back = State::load(dir.path()).unwrap();
        assert_eq!(back.counter, 12);
        assert_eq!(back.owner_of("WEB000530").as_deref(), Some("shopify:id:530"));
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
        fs::write(&p, r#"{"version": 1, "counter": 2, "issued": {}} trailing"#).unwrap();
        assert!(matches!(State::load(dir.path()), Err(StateError::Damaged { .. })), "trailing text: damaged");
    }

    #[test]
    fn many_codes_survive_a_round_trip_with_undone_replacements() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::new_in(SpillTo::Dir(dir.path().join("spill")));
        for i in 0..2000 {
            s.record(
                &format!("shopify:id:{i}"),
                &format!("WEB{i:06}"),
                if i % 2 == 0 { "2026-11-01" } else { "2026-11-02" },
            );
        }
        assert!(s.log.on_disk().0 > 0 && s.by_key.map.len() == 2000, "on disk");
        s.begin();
        s.record("shopify:id:7", "WEB999999", "2026-11-28");
        s.record("shopify:id:7", "WEB888888", "2026-11-28");
        s.record("shopify:id:new", "WEB777777", "2026-11-28");
        s.rollback();
        s.save(dir.path()).unwrap();
        let back = State::load(dir.path()).unwrap();
        assert_eq!(back.len(), 2000);
        assert_eq!(back.issued_to("shopify:id:7"), Some(issued("WEB000007", "2026-11-02")));
        assert_eq!(back.owner_of("WEB001999").as_deref(), Some("shopify:id:1999"));
        for gone in ["WEB999999", "WEB888888", "WEB777777"] {
            assert_eq!(back.owner_of(gone), None, "{gone}");
        }
        assert_eq!(fs::read_dir(dir.path().join("spill")).unwrap().count(), 0, "temporary files are anonymous");
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
        assert_eq!(s.owner_of("WEB1").as_deref(), Some("a"));
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn a_hash_collision_never_answers_the_wrong_customer() {
        let mut s = State::new();
        s.record("shopify:id:1", "WEB1", "2026-11-01");
        let a = s.find(Field::Key, "shopify:id:1").unwrap();
        // Another key under the same hash: its slot points at the first one's record.
        s.by_key.map.insert(hash_text("shopify:id:2"), a);
        assert_eq!(s.issued_to("shopify:id:2"), None, "the text differs: not this customer");
        s.begin();
        s.record("shopify:id:2", "WEB2", "2026-11-02");
        assert_eq!(s.by_key.collided.len(), 1, "the second key went to the side map");
        assert_eq!(s.issued_to("shopify:id:1").unwrap().code, "WEB1");
        assert_eq!(s.issued_to("shopify:id:2").unwrap().code, "WEB2");
        s.rollback();
        assert_eq!(s.issued_to("shopify:id:2"), None);
        assert_eq!(s.issued_to("shopify:id:1").unwrap().code, "WEB1");
        s.record("shopify:id:2", "WEB3", "2026-11-03");
        assert_eq!(s.owner_of("WEB3").as_deref(), Some("shopify:id:2"));
        assert!(s.error().is_none());
    }

    #[test]
    fn a_damaged_temporary_file_fails_rather_than_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::new();
        for i in 0..50 {
            s.record(&format!("shopify:id:{i}"), &format!("WEB{i:06}"), "2026-11-01");
        }
        assert!(s.log.on_disk().0 > 0);
        let at = s.find(Field::Key, "shopify:id:3").unwrap();
        assert!(at < s.log.on_disk().0, "in the file");
        // One byte of the key changed on disk: a lookup must not answer "unknown".
        s.log.write(at + HEAD as u64 + 2, b"X").unwrap();
        assert!(s.error().is_none());
        assert_eq!(s.issued_to("shopify:id:3"), None);
        let e = s.error().expect("the damage is an error, kept");
        assert!(e.to_string().contains("temporary file of the state"), "{e}");
        assert!(s.issued_to("shopify:id:4").is_some(), "other records still read");
        assert!(s.error().is_some(), "the error stays");
        assert!(matches!(s.save(dir.path()), Err(StateError::Io { .. })), "nothing saved after it");
        assert!(!State::path(dir.path()).exists());

        // A file cut short: the same.
        let mut s = State::new();
        for i in 0..50 {
            s.record(&format!("shopify:id:{i}"), &format!("WEB{i:06}"), "2026-11-01");
        }
        s.log.on_disk().1.unwrap().set_len(10).unwrap();
        assert_eq!(s.issued_to("shopify:id:3"), None);
        assert!(s.error().is_some());
    }

    /// What the file says, written the plain way: a sorted map through serde_json (what `save`
    /// wrote before it wrote the file itself).
    fn expected_file(counter: u64, keys: &BTreeMap<String, Issued>) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            version: u32,
            counter: u64,
            issued: &'a BTreeMap<String, Issued>,
        }
        serde_json::to_string_pretty(&File { version: STATE_VERSION, counter, issued: keys }).unwrap()
    }

    #[test]
    fn the_file_is_sorted_through_runs_on_disk_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::new_in(SpillTo::Dir(dir.path().to_path_buf()));
        let mut model = BTreeMap::new();
        for i in 0..700u64 {
            let n = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 100_000;
            let (k, c, d) = (format!("shopify:email:client{n}@exemple.fr"), format!("WEB{i:06}"), "2026-11-01");
            s.record(&k, &c, d);
            model.insert(k, issued(&c, d));
        }
        s.record("prestashop:id:été", "WEBÉ", "2026-11-02");
        model.insert("prestashop:id:été".into(), issued("WEBÉ", "2026-11-02"));
        s.counter = 700;
        assert!(s.sorted().unwrap().sources.len() > 10, "sorted in many runs");
        s.save(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(State::path(dir.path())).unwrap(), expected_file(700, &model));
        let empty = State::new();
        empty.save(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(State::path(dir.path())).unwrap(), expected_file(0, &BTreeMap::new()));
    }

    /// The state as a plain map: what `State` must answer.
    #[derive(Clone, Default)]
    struct Model {
        counter: u64,
        keys: BTreeMap<String, Issued>,
        codes: HashMap<String, String>,
    }

    impl Model {
        fn record(&mut self, k: &str, c: &str, d: &str) {
            if let Some(old) = self.keys.get(k)
                && self.codes.get(&old.code).is_some_and(|o| o == k)
            {
                self.codes.remove(&old.code);
            }
            self.codes.insert(c.into(), k.into());
            self.keys.insert(k.into(), issued(c, d));
        }

        /// As loaded from its file: recorded in key order.
        fn reloaded(&self) -> Model {
            let mut m = Model { counter: self.counter, ..Default::default() };
            for (k, i) in &self.keys {
                m.record(k, &i.code, &i.date);
            }
            m
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Record(u8, u8, u8),
        Counter(u64),
        Begin,
        Rollback,
        SaveLoad,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u8..14, 0u8..10, 0u8..3).prop_map(|(k, c, d)| Op::Record(k, c, d)),
            1 => (0u64..1000).prop_map(Op::Counter),
            2 => Just(Op::Begin),
            2 => Just(Op::Rollback),
            1 => Just(Op::SaveLoad),
        ]
    }

    fn key(k: u8) -> String {
        // Long ones too: a record longer than what a lookup reads at once.
        if k % 5 == 4 {
            format!("shopify:email:{}@exemple.fr", "é".repeat(60 + k as usize))
        } else {
            format!("shopify:id:{k}")
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Keys with quotes, backslashes, control characters and accents, enough of them to
        /// go through the sort's runs on disk.
        #[test]
        fn the_state_file_is_the_one_serde_json_writes(
            entries in proptest::collection::vec(("[a-z\"\\\\\u{0}-\u{1f}\u{7f}é’€:@.]{0,12}", 0u32..1000, 0usize..3), 0..60),
            counter in 0u64..u64::MAX,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut s = State::new_in(SpillTo::Dir(dir.path().to_path_buf()));
            let mut m = BTreeMap::new();
            for (k, c, d) in &entries {
                let (code, date) = (format!("WEB{c}"), format!("2026-11-0{}", d + 1));
                s.record(k, &code, &date);
                m.insert(k.clone(), issued(&code, &date));
            }
            s.counter = counter;
            s.save(dir.path()).unwrap();
            prop_assert_eq!(fs::read_to_string(State::path(dir.path())).unwrap(), expected_file(counter, &m));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn answers_as_the_plain_map_through_the_disk(ops in proptest::collection::vec(op(), 1..80)) {
            let dir = tempfile::tempdir().unwrap();
            let mut s = State::new_in(SpillTo::Dir(dir.path().to_path_buf()));
            let (mut m, mut snapshot) = (Model::default(), None::<Model>);
            for op in &ops {
                match *op {
                    Op::Record(k, c, d) => {
                        let (k, c, d) = (key(k), format!("WEB{c}"), format!("2026-11-0{}", d + 1));
                        // Asked first, as a customer is: the answer kept (often "none") must
                        // not outlive the record.
                        prop_assert_eq!(s.issued_to(&k), m.keys.get(&k).cloned(), "asked before it is kept");
                        s.record(&k, &c, &d);
                        m.record(&k, &c, &d);
                        let kept = Issued { code: c.clone(), date: d.clone() };
                        prop_assert_eq!(s.issued_to(&k), Some(kept), "asked right after it is kept");
                    }
                    Op::Counter(n) => {
                        s.counter = n;
                        m.counter = n;
                    }
                    Op::Begin => {
                        s.begin();
                        snapshot = Some(m.clone());
                    }
                    Op::Rollback => {
                        s.rollback();
                        if let Some(before) = snapshot.take() {
                            m = before;
                        }
                    }
                    Op::SaveLoad => {
                        s.save(dir.path()).unwrap();
                        let text = fs::read_to_string(State::path(dir.path())).unwrap();
                        prop_assert_eq!(text, expected_file(m.counter, &m.keys));
                        s = State::load_in(dir.path(), SpillTo::Dir(dir.path().to_path_buf())).unwrap();
                        m = m.reloaded();
                        snapshot = None;
                    }
                }
                prop_assert_eq!(s.len(), m.keys.len());
                prop_assert_eq!(s.counter, m.counter);
                for k in 0..14 {
                    prop_assert_eq!(s.issued_to(&key(k)), m.keys.get(&key(k)).cloned(), "{:?}", op);
                }
                // Asked again right away (an order does): the answer kept must still be right.
                for k in [0, 4, 4, 0] {
                    prop_assert_eq!(s.issued_to(&key(k)), m.keys.get(&key(k)).cloned(), "{:?}, again", op);
                }
                for c in 0..10 {
                    let c = format!("WEB{c}");
                    prop_assert_eq!(s.owner_of(&c), m.codes.get(&c).cloned(), "{:?}", op);
                }
            }
            prop_assert!(s.error().is_none());
        }
    }
}
