//! A map from fixed-size hash keys to `u64` that keeps only its newest entries in memory and
//! the others in sorted runs in anonymous temporary files (the system removes them with the
//! process, even after a crash): past the first `HOT` entries, each adds under 2 bytes of
//! memory. Each run keeps in memory a filter (about 10 bits a key, a key's bits all in one
//! cache line: a key it does not hold is answered without reading the disk, all but about one
//! in a hundred) and the first key of each block of `BLOCK` records; a key it may hold reads
//! one block. Runs of similar size are merged, so there are some log2(entries / HOT) of them.
//!
//! Every key is in one place only (the memory table or one run): a value replaced or removed
//! in a run is rewritten there, in place. So the map answers as one `HashMap`, and passes over
//! all entries (`retain`) see each key once.
//!
//! A read or write of the temporary files that fails is kept (`error`) and the lookup that
//! failed answers `on_error`: the caller chooses an answer that refuses rather than
//! duplicates, and fails its inputs from then on. A block read back whose checksum (kept in
//! memory, 4 bytes a block) does not match is such a failure: a run damaged on disk never
//! answers "absent" for a key it holds (for the ledger, that would convert an order twice).

use std::cell::Cell;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use rustc_hash::{FxHashMap, FxHasher};

/// Spreads the bits of a hash (splitmix64's finaliser): FxHasher's own output is weak in its
/// low bits.
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The checksum of bytes written to a temporary file, to know them when read back.
pub(crate) fn sum32(b: &[u8]) -> u32 {
    let mut h = FxHasher::default();
    h.write(b);
    let h = mix(h.finish());
    (h ^ (h >> 32)) as u32
}

/// The hash of a text (a customer key, a code) by which the spilling maps find its record;
/// every hit is checked against the record's text.
pub(crate) fn hash_text(s: &str) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    mix(h.finish())
}

/// Little-endian integers of the records written to temporary files.
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a temporary file is damaged (a block's checksum differs)")
}

/// A key of fixed size, written as bytes that sort as the key does.
pub trait Key: Copy + Ord + Hash + Eq {
    const SIZE: usize;
    fn put(&self, out: &mut [u8]);
    fn take(b: &[u8]) -> Self;
    /// 64 well-mixed bits (the keys are hashes already).
    fn bits(&self) -> u64;
}

impl Key for u64 {
    const SIZE: usize = 8;
    fn put(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.to_be_bytes());
    }
    fn take(b: &[u8]) -> Self {
        u64::from_be_bytes(b[..8].try_into().expect("8 bytes"))
    }
    fn bits(&self) -> u64 {
        *self
    }
}

impl Key for (u64, u64) {
    const SIZE: usize = 16;
    fn put(&self, out: &mut [u8]) {
        self.0.put(out);
        self.1.put(&mut out[8..]);
    }
    fn take(b: &[u8]) -> Self {
        (u64::take(b), u64::take(&b[8..]))
    }
    fn bits(&self) -> u64 {
        self.0 ^ self.1.rotate_left(29)
    }
}

/// Entries kept in memory before they go to a run: the memory table then holds 128Ki buckets
/// (2 to 3 MiB). Twice 57,344 took a level of merging off the ledger's and the state's maps at
/// 1,000,000 rows, for some 6 MiB more at any size.
#[cfg(not(test))]
const HOT: usize = 114_688;
/// Tests spill after a few entries, so that every test of the ledger goes through the runs.
#[cfg(test)]
const HOT: usize = 2;

/// Records per block: the unit read from a run.
const BLOCK: usize = 32;
/// The bytes of a block of the largest key (16 bytes, + 8 of value, + 1 live flag): read into
/// a buffer on the stack, no allocation per lookup.
const BLOCK_BYTES: usize = BLOCK * 25;
const PROBES: u64 = 7;

/// Where runs go: a folder (the state folder), or the system's temporary folder.
#[derive(Debug, Clone)]
pub enum SpillTo {
    Dir(PathBuf),
    Temp,
}

#[derive(Debug)]
struct Run<K> {
    file: File,
    len: usize,
    /// First key of each block.
    firsts: Vec<K>,
    /// Checksum of each block's bytes (`sum32`).
    sums: Vec<u32>,
    filter: Vec<FilterBlock>,
}

/// A filter's unit: one cache line of 512 bits, all the bits of a key in one of them (a
/// lookup touches one line of memory, not seven).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
struct FilterBlock([u64; 8]);

/// Blocks for `most` keys at about 10 bits a key.
fn filter_blocks(most: usize) -> Vec<FilterBlock> {
    vec![FilterBlock::default(); (most * 10).div_ceil(512).max(1)]
}

/// The block of a key whose bits are `h` (the high bits, by multiplication: no division),
/// and its `PROBES` bits there as (word, mask), nine bits of a second mix each.
fn probes(h: u64, blocks: usize) -> (usize, impl Iterator<Item = (usize, u64)>) {
    let block = ((h as u128 * blocks as u128) >> 64) as usize;
    let g = h.rotate_left(32).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (
        block,
        (0..PROBES).map(move |i| {
            let bit = (g >> (9 * i)) & 511;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        }),
    )
}

/// Reads `buf.len()` bytes at `at`: one call to the system where it allows it.
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
    }
    #[cfg(not(unix))]
    {
        let mut file = file;
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(buf)
    }
}

fn write_at(file: &File, buf: &[u8], at: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, buf, at)
    }
    #[cfg(not(unix))]
    {
        let mut file = file;
        file.seek(SeekFrom::Start(at))?;
        file.write_all(buf)
    }
}

/// Bytes appended at the end and read anywhere: the newest (up to `tail_max`) in memory, the
/// others in an anonymous temporary file made when first needed. What is appended at once
/// never straddles the two (a record is read whole from one place). For the state's and the
/// created clients' records, which a run adds one per customer.
#[derive(Debug)]
pub(crate) struct Log {
    to: SpillTo,
    tail_max: usize,
    file: Option<File>,
    /// Bytes in the file (any beyond are left from a `truncate` and unused).
    flushed: u64,
    tail: Vec<u8>,
}

fn past_end() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end of a temporary file")
}

impl Log {
    pub(crate) fn new(to: SpillTo, tail_max: usize) -> Log {
        Log { to, tail_max, file: None, flushed: 0, tail: Vec::new() }
    }

    pub(crate) fn to(&self) -> &SpillTo {
        &self.to
    }

    pub(crate) fn end(&self) -> u64 {
        self.flushed + self.tail.len() as u64
    }

    /// Appends `bytes`; where they start, and whether moving the tail to the file failed
    /// (the bytes are kept in memory then).
    pub(crate) fn append(&mut self, bytes: &[u8]) -> (u64, io::Result<()>) {
        let at = self.end();
        self.tail.extend_from_slice(bytes);
        let r = if self.tail.len() >= self.tail_max { self.flush() } else { Ok(()) };
        (at, r)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.tail.is_empty() {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(f) => f,
            none => none.insert(new_temp(&self.to)?),
        };
        write_at(file, &self.tail, self.flushed)?;
        self.flushed += self.tail.len() as u64;
        self.tail.clear();
        Ok(())
    }

    /// `buf.len()` bytes at `at`.
    pub(crate) fn read(&self, at: u64, buf: &mut [u8]) -> io::Result<()> {
        if at + buf.len() as u64 > self.end() {
            return Err(past_end());
        }
        let in_file = self.flushed.saturating_sub(at).min(buf.len() as u64) as usize;
        if in_file > 0 {
            let file = self.file.as_ref().ok_or_else(past_end)?;
            read_at(file, &mut buf[..in_file], at)?;
        }
        let rest = buf.len() - in_file;
        if rest > 0 {
            let from = (at + in_file as u64 - self.flushed) as usize;
            buf[in_file..].copy_from_slice(&self.tail[from..from + rest]);
        }
        Ok(())
    }

    /// Rewrites `bytes` at `at`, in place (within what one `append` wrote).
    pub(crate) fn write(&mut self, at: u64, bytes: &[u8]) -> io::Result<()> {
        if at + bytes.len() as u64 > self.end() {
            return Err(past_end());
        }
        if at >= self.flushed {
            let from = (at - self.flushed) as usize;
            self.tail[from..from + bytes.len()].copy_from_slice(bytes);
            return Ok(());
        }
        let file = self.file.as_ref().ok_or_else(past_end)?;
        write_at(file, bytes, at)
    }

    /// Bytes in the file, and the file (for tests that damage it).
    #[cfg(test)]
    pub(crate) fn on_disk(&self) -> (u64, Option<&File>) {
        (self.flushed, self.file.as_ref())
    }

    /// Forgets what is past `end`.
    pub(crate) fn truncate(&mut self, end: u64) {
        if end >= self.flushed {
            self.tail.truncate((end - self.flushed) as usize);
        } else {
            self.tail.clear();
            self.flushed = end;
        }
    }
}

/// A new anonymous temporary file `to`.
pub(crate) fn new_temp(to: &SpillTo) -> io::Result<File> {
    match to {
        SpillTo::Dir(d) => {
            std::fs::create_dir_all(d)?;
            tempfile::tempfile_in(d)
        }
        SpillTo::Temp => tempfile::tempfile(),
    }
}

/// Reads a log from its start, in order.
pub(crate) struct LogReader<'a> {
    log: &'a Log,
    at: u64,
}

impl<'a> LogReader<'a> {
    pub(crate) fn new(log: &'a Log) -> Self {
        LogReader { log, at: 0 }
    }
}

impl Read for LogReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.log.end() - self.at).min(buf.len() as u64) as usize;
        // Within the file or within the tail, never both at once.
        let n = if self.at < self.log.flushed { n.min((self.log.flushed - self.at) as usize) } else { n };
        self.log.read(self.at, &mut buf[..n])?;
        self.at += n as u64;
        Ok(n)
    }
}

fn record<K: Key>(out: &mut [u8], k: &K, v: u64, live: bool) {
    k.put(out);
    v.put(&mut out[K::SIZE..]);
    out[K::SIZE + 8] = live as u8;
}

impl<K: Key> Run<K> {
    const RECORD: usize = {
        assert!(K::SIZE + 9 <= BLOCK_BYTES / BLOCK, "a key larger than a block's buffer allows");
        K::SIZE + 9
    };

    fn may_hold(&self, k: &K) -> bool {
        let (b, mut bits) = probes(k.bits(), self.filter.len());
        let block = &self.filter[b].0;
        bits.all(|(w, m)| block[w] & m != 0)
    }

    /// The bytes of block `b`, read into `buf` and checked against its checksum.
    fn block<'b>(&self, b: usize, buf: &'b mut [u8; BLOCK_BYTES]) -> io::Result<&'b mut [u8]> {
        let first = b * BLOCK;
        let n = BLOCK.min(self.len - first);
        let buf = &mut buf[..n * Self::RECORD];
        read_at(&self.file, buf, (first * Self::RECORD) as u64)?;
        if sum32(buf) != self.sums[b] {
            return Err(damaged());
        }
        Ok(buf)
    }

    /// Where `k` is (record number), its value and whether it is live.
    fn find(&self, k: &K) -> io::Result<Option<(usize, u64, bool)>> {
        if !self.may_hold(k) {
            return Ok(None);
        }
        let block = self.firsts.partition_point(|f| f <= k);
        if block == 0 {
            return Ok(None);
        }
        let first = (block - 1) * BLOCK;
        let mut bytes = [0u8; BLOCK_BYTES];
        let buf = self.block(block - 1, &mut bytes)?;
        let n = buf.len() / Self::RECORD;
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let r = &buf[mid * Self::RECORD..(mid + 1) * Self::RECORD];
            match K::take(r).cmp(k) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    return Ok(Some((first + mid, u64::take(&r[K::SIZE..]), r[K::SIZE + 8] != 0)));
                }
            }
        }
        Ok(None)
    }

    /// Rewrites record `at`: value `v`, live or not. Its block is read (and checked) again
    /// for the new checksum: a rewrite is rare next to lookups.
    fn set(&mut self, at: usize, k: &K, v: u64, live: bool) -> io::Result<()> {
        let (b, i) = (at / BLOCK, at % BLOCK);
        let mut bytes = [0u8; BLOCK_BYTES];
        let buf = self.block(b, &mut bytes)?;
        let rec = &mut buf[i * Self::RECORD..(i + 1) * Self::RECORD];
        record(rec, k, v, live);
        write_at(&self.file, rec, (at * Self::RECORD) as u64)?;
        self.sums[b] = sum32(buf);
        Ok(())
    }

    /// Reads every record in order: (key, value, live). A block is checked before any of its
    /// records is given.
    fn records(&self) -> io::Result<impl Iterator<Item = io::Result<(K, u64, bool)>> + '_> {
        (&self.file).seek(SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(64 * 1024, &self.file);
        let (mut at, mut block, mut buf) = (0, 0, Vec::with_capacity(BLOCK * Self::RECORD));
        Ok(std::iter::from_fn(move || {
            if at == self.len {
                return None;
            }
            if at.is_multiple_of(BLOCK) {
                let n = BLOCK.min(self.len - at);
                buf.resize(n * Self::RECORD, 0);
                let checked = r
                    .read_exact(&mut buf)
                    .and_then(|()| if sum32(&buf) == self.sums[block] { Ok(()) } else { Err(damaged()) });
                if let Err(e) = checked {
                    at = self.len;
                    return Some(Err(e));
                }
                block += 1;
            }
            let rec = &buf[(at % BLOCK) * Self::RECORD..][..Self::RECORD];
            at += 1;
            Some(Ok((K::take(rec), u64::take(&rec[K::SIZE..]), rec[K::SIZE + 8] != 0)))
        }))
    }
}

/// Writes sorted entries to a new run.
struct RunWriter<K> {
    out: BufWriter<File>,
    len: usize,
    firsts: Vec<K>,
    sums: Vec<u32>,
    /// The bytes of the block being written, for its checksum.
    block: Vec<u8>,
    /// Made as the entries come (no list of them kept): sized for the most it may get.
    filter: Vec<FilterBlock>,
}

impl<K: Key> RunWriter<K> {
    fn new(to: &SpillTo, most: usize) -> io::Result<Self> {
        let file = new_temp(to)?;
        let filter = filter_blocks(most);
        Ok(RunWriter {
            out: BufWriter::with_capacity(64 * 1024, file),
            len: 0,
            firsts: Vec::new(),
            sums: Vec::new(),
            block: Vec::with_capacity(BLOCK * Run::<K>::RECORD),
            filter,
        })
    }

    fn push(&mut self, k: &K, v: u64) -> io::Result<()> {
        if self.len.is_multiple_of(BLOCK) {
            self.firsts.push(*k);
        }
        let mut rec = [0u8; 64];
        let rec = &mut rec[..Run::<K>::RECORD];
        record(rec, k, v, true);
        self.out.write_all(rec)?;
        self.block.extend_from_slice(rec);
        let (b, bits) = probes(k.bits(), self.filter.len());
        for (w, m) in bits {
            self.filter[b].0[w] |= m;
        }
        self.len += 1;
        if self.len.is_multiple_of(BLOCK) {
            self.sums.push(sum32(&self.block));
            self.block.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<Run<K>> {
        if !self.block.is_empty() {
            self.sums.push(sum32(&self.block));
        }
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Run { file, len: self.len, firsts: self.firsts, sums: self.sums, filter: self.filter })
    }
}

/// The first read or write of temporary files that failed, kept for good: after it a
/// structure may not hold what it was told, so every later input must fail. Kept from
/// lookups too, which only read (`&self`); asking is one atomic load.
#[derive(Debug, Default)]
pub(crate) struct FirstError(std::sync::OnceLock<io::Error>);

impl FirstError {
    /// `r`'s value, or `None` with its error kept (the first one only).
    pub(crate) fn keep<T>(&self, r: io::Result<T>) -> Option<T> {
        match r {
            Ok(t) => Some(t),
            Err(e) => {
                let _ = self.0.set(e);
                None
            }
        }
    }

    /// A copy of the error kept, if any.
    pub(crate) fn get(&self) -> Option<io::Error> {
        self.0.get().map(|e| io::Error::new(e.kind(), e.to_string()))
    }
}

/// See the module's documentation.
#[derive(Debug)]
pub struct SpillMap<K: Key> {
    hot: FxHashMap<K, u64>,
    /// Oldest (largest) first.
    runs: Vec<Run<K>>,
    to: SpillTo,
    len: usize,
    on_error: u64,
    error: FirstError,
    /// The key the last lookup found nowhere (not even dead in a run), until it is inserted:
    /// nothing else puts a key in the map (a spill, a merge, `retain` and `remove` only move,
    /// change or drop keys held). The ledger, the state and the created clients look a key up,
    /// then insert it; the insert then goes straight to the memory table instead of asking
    /// every run's filter again (a cache miss each).
    absent: Cell<Option<K>>,
}

impl<K: Key> SpillMap<K> {
    /// A map whose runs go `to`; a lookup that cannot read answers `on_error`.
    pub fn new(to: SpillTo, on_error: u64) -> Self {
        SpillMap {
            hot: FxHashMap::default(),
            runs: Vec::new(),
            to,
            len: 0,
            on_error,
            error: Default::default(),
            absent: Cell::new(None),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first read or write of the runs that failed. It stays: after it the map may not
    /// hold what it was told (an insert whose key could not be looked up is not made), so
    /// every later input must fail too.
    pub fn error(&self) -> Option<io::Error> {
        self.error.get()
    }

    fn failed<T>(&self, r: io::Result<T>) -> Option<T> {
        self.error.keep(r)
    }

    /// The run holding `k` (live or not), where, and its value.
    fn locate(&self, k: &K) -> Result<Option<(usize, usize, u64, bool)>, ()> {
        for i in (0..self.runs.len()).rev() {
            let found = self.runs[i].find(k);
            match self.failed(found) {
                None => return Err(()),
                Some(Some((at, v, live))) => return Ok(Some((i, at, v, live))),
                Some(None) => {}
            }
        }
        Ok(None)
    }

    pub fn get(&self, k: &K) -> Option<u64> {
        if let Some(&v) = self.hot.get(k) {
            return Some(v);
        }
        match self.locate(k) {
            Err(()) => Some(self.on_error),
            Ok(Some((_, _, v, true))) => Some(v),
            Ok(Some(_)) => None,
            Ok(None) => {
                self.absent.set(Some(*k));
                None
            }
        }
    }

    pub fn contains_key(&self, k: &K) -> bool {
        self.get(k).is_some()
    }

    /// Maps `k` to `v`; what it mapped to.
    pub fn insert(&mut self, k: K, v: u64) -> Option<u64> {
        if self.absent.get() == Some(k) {
            self.absent.set(None);
            debug_assert!(!self.hot.contains_key(&k) && self.locate(&k) == Ok(None), "a key said absent is held");
            return self.insert_new(k, v);
        }
        if let Some(old) = self.hot.get_mut(&k) {
            return Some(std::mem::replace(old, v));
        }
        match self.locate(&k) {
            Err(()) => return Some(self.on_error),
            Ok(Some((i, at, old, live))) => {
                let r = self.runs[i].set(at, &k, v, true);
                self.failed(r);
                if live {
                    return Some(old);
                }
                self.len += 1;
                return None;
            }
            Ok(None) => {}
        }
        self.insert_new(k, v)
    }

    /// `k`, held nowhere, to the memory table.
    fn insert_new(&mut self, k: K, v: u64) -> Option<u64> {
        self.hot.insert(k, v);
        self.len += 1;
        if self.hot.len() >= HOT {
            let r = self.spill();
            self.failed(r);
        }
        None
    }

    pub fn remove(&mut self, k: &K) -> Option<u64> {
        if let Some(v) = self.hot.remove(k) {
            self.len -= 1;
            return Some(v);
        }
        match self.locate(k) {
            Ok(Some((i, at, v, true))) => {
                let r = self.runs[i].set(at, k, v, false);
                self.failed(r);
                self.len -= 1;
                Some(v)
            }
            _ => None,
        }
    }

    /// Keeps the entries for which `f` says so, after it changed their value as it likes:
    /// every run is read and rewritten whole.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut u64) -> bool) {
        self.hot.retain(|k, v| f(k, v));
        let mut len = self.hot.len();
        let runs = std::mem::take(&mut self.runs);
        for run in runs {
            let r = (|| {
                let mut w = RunWriter::new(&self.to, run.len)?;
                for rec in run.records()? {
                    let (k, mut v, live) = rec?;
                    if live && f(&k, &mut v) {
                        w.push(&k, v)?;
                    }
                }
                w.finish()
            })();
            match r {
                Ok(new) => {
                    len += new.len;
                    if new.len > 0 {
                        self.runs.push(new);
                    }
                }
                Err(e) => {
                    // The run stays as it was; the caller fails its input.
                    len += run.len;
                    self.runs.push(run);
                    self.failed::<()>(Err(e));
                }
            }
        }
        self.len = len;
    }

    /// The memory table to a new run, then runs of similar size merged.
    fn spill(&mut self) -> io::Result<()> {
        let entries = sorted(self.hot.iter().map(|(k, v)| (*k, *v)), self.hot.len());
        let mut w = RunWriter::new(&self.to, entries.len())?;
        for (k, v) in &entries {
            w.push(k, *v)?;
        }
        self.runs.push(w.finish()?);
        self.hot.clear();
        while let [.., a, b] = &self.runs[..]
            && a.len <= 2 * b.len
        {
            let (b, a) = (self.runs.pop().expect("two runs"), self.runs.pop().expect("two runs"));
            let merged = merge(&a, &b, &self.to);
            match merged {
                Ok(m) => self.runs.push(m),
                Err(e) => {
                    self.runs.push(a);
                    self.runs.push(b);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Every live entry, in key order (for tests).
    #[cfg(test)]
    pub fn entries(&self) -> Vec<(K, u64)> {
        let mut all: Vec<(K, u64)> = self.hot.iter().map(|(k, v)| (*k, *v)).collect();
        for run in &self.runs {
            all.extend(run.records().unwrap().map(Result::unwrap).filter(|r| r.2).map(|(k, v, _)| (k, v)));
        }
        all.sort_unstable();
        all
    }
}

/// Where each of `buckets` buckets starts once items are grouped by bucket (a counting sort's
/// first pass), one more at the end (their count): `bucket_of` gives each item's bucket. The
/// client list's index places its entries so too (`gescom::index`).
pub(crate) fn bucket_starts(bucket_of: impl Iterator<Item = usize>, buckets: usize) -> Vec<u32> {
    let mut starts = vec![0u32; buckets + 1];
    for b in bucket_of {
        starts[b + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    starts
}

/// The first 16 bits of a key's bytes, which it sorts by first.
fn prefix<K: Key>(k: &K) -> usize {
    let mut b = [0u8; 16];
    k.put(&mut b[..K::SIZE]);
    u16::from_be_bytes([b[0], b[1]]) as usize
}

/// The `n` `entries` in key order: counted into 65,536 buckets by their keys' first 16 bits,
/// then put in place and each bucket sorted on its own (two passes over `entries`, no copy of
/// them besides the result). Keys are hashes, spread evenly: a bucket holds a few entries, and
/// the whole costs a fraction of a comparison sort's seventeen passes (a spill of the memory
/// table, 114,688 entries, took 28 million instructions with `sort_unstable`).
fn sorted<K: Key>(entries: impl Iterator<Item = (K, u64)> + Clone, n: usize) -> Vec<(K, u64)> {
    const BUCKETS: usize = 1 << 16;
    if n < BUCKETS {
        let mut all: Vec<(K, u64)> = entries.collect();
        all.sort_unstable_by_key(|e| e.0);
        return all;
    }
    // Where each bucket starts, then the entries put there.
    let start = bucket_starts(entries.clone().map(|(k, _)| prefix(&k)), BUCKETS);
    let mut next = start.clone();
    let Some(first) = entries.clone().next() else { return Vec::new() };
    let mut out = vec![first; start[BUCKETS] as usize];
    for e in entries {
        let b = prefix(&e.0);
        out[next[b] as usize] = e;
        next[b] += 1;
    }
    for b in 0..BUCKETS {
        let bucket = &mut out[start[b] as usize..start[b + 1] as usize];
        if bucket.len() > 1 {
            bucket.sort_unstable_by_key(|e| e.0);
        }
    }
    out
}

/// Two runs (their keys apart) as one, dead records dropped.
fn merge<K: Key>(a: &Run<K>, b: &Run<K>, to: &SpillTo) -> io::Result<Run<K>> {
    let mut w = RunWriter::new(to, a.len + b.len)?;
    let (mut a, mut b) = (a.records()?.peekable(), b.records()?.peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(Ok(x)), Some(Ok(y))) => x.0 < y.0,
            (Some(Err(_)), _) => true,
            (_, Some(Err(_))) => false,
        };
        let (k, v, live) = if take_a { a.next() } else { b.next() }.expect("peeked")?;
        if live {
            w.push(&k, v)?;
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn answers_as_a_hash_map_would_through_spills_merges_and_rewrites() {
        for keys in [8u64, 60, 2_000] {
            let mut m: SpillMap<(u64, u64)> = SpillMap::new(SpillTo::Temp, u64::MAX);
            let mut model: HashMap<(u64, u64), u64> = HashMap::new();
            let mut seed = keys;
            let mut next = |n: u64| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (seed >> 33) % n
            };
            let key = |n: u64| (n.wrapping_mul(0x9E37_79B9_7F4A_7C15), n);
            for step in 0..6_000u64 {
                let k = key(next(keys));
                match next(20) {
                    0..=9 => assert_eq!(m.insert(k, step), model.insert(k, step), "insert, step {step}"),
                    10..=12 => assert_eq!(m.remove(&k), model.remove(&k), "remove, step {step}"),
                    13 if step.is_multiple_of(50) => {
                        // The ledger's passes: repoint some values, drop others.
                        let f = |k: &(u64, u64), v: &mut u64| {
                            if k.1.is_multiple_of(3) {
                                *v += 1;
                            }
                            !k.1.is_multiple_of(7)
                        };
                        m.retain(f);
                        model.retain(f);
                    }
                    _ => assert_eq!(m.get(&k), model.get(&k).copied(), "get, step {step}"),
                }
                assert_eq!(m.len(), model.len(), "len, step {step}");
            }
            let mut all: Vec<_> = model.into_iter().collect();
            all.sort_unstable();
            assert_eq!(m.entries(), all, "{keys} keys");
            assert!(m.error().is_none());
            assert!(keys < 100 || m.runs.len() > 1, "the runs were used");
            assert!(m.runs.len() <= 12, "runs merged: {}", m.runs.len());
        }
    }

    /// The bucketed sort orders as `sort_unstable` does, for both kinds of key, through
    /// crowded buckets (keys sharing their first bits) and lone ones.
    #[test]
    fn entries_are_sorted_as_a_comparison_sort_sorts_them() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            seed
        };
        for n in [0usize, 1, 1_000, 70_000, 200_000] {
            let one: Vec<(u64, u64)> = (0..n as u64)
                .map(|i| {
                    // One key in four shares its first 16 bits with many others.
                    let k = if i % 4 == 0 { next() & 0x0000_FFFF_FFFF_FFFF } else { next() };
                    (k, i)
                })
                .collect();
            let mut expected = one.clone();
            expected.sort_unstable_by_key(|e| e.0);
            assert_eq!(sorted(one.iter().copied(), n), expected, "{n} keys of 8 bytes");
            let two: Vec<((u64, u64), u64)> = (0..n as u64).map(|i| ((next() | 0xFFFF << 48, next() % 3), i)).collect();
            let mut expected = two.clone();
            expected.sort_unstable_by_key(|e| e.0);
            assert_eq!(sorted(two.iter().copied(), n), expected, "{n} keys of 16 bytes");
        }
    }

    /// A key looked up and found nowhere, then inserted (the ledger's and the state's way),
    /// answers as a `HashMap` would, through spills, removals (a dead record in a run is
    /// brought back in place, not added again) and inserts of other keys in between.
    #[test]
    fn a_key_found_absent_then_inserted_is_held_once() {
        let mut m: SpillMap<u64> = SpillMap::new(SpillTo::Temp, u64::MAX);
        let mut model: HashMap<u64, u64> = HashMap::new();
        let key = |n: u64| n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for step in 0..3_000u64 {
            let k = key(step % 700);
            assert_eq!(m.get(&k), model.get(&k).copied(), "get, step {step}");
            match step % 5 {
                // Another key changes the map between the lookup and the insert.
                0 => {
                    let other = key(step % 700 + 1);
                    assert_eq!(m.insert(other, step), model.insert(other, step), "other, step {step}");
                }
                1 => assert_eq!(m.remove(&k), model.remove(&k), "remove, step {step}"),
                _ => {}
            }
            assert_eq!(m.insert(k, step), model.insert(k, step), "insert, step {step}");
            if step % 3 == 0 {
                assert_eq!(m.remove(&k), model.remove(&k), "remove after, step {step}");
            }
            assert_eq!(m.len(), model.len(), "len, step {step}");
        }
        let mut all: Vec<_> = model.into_iter().collect();
        all.sort_unstable();
        assert_eq!(m.entries(), all, "every key once, with its value");
        assert!(m.runs.len() > 1, "the runs were used");
    }

    /// A run damaged on disk (one bit of a value, then one of a key) is an error kept: no key
    /// it holds is ever answered absent or with another value.
    #[test]
    fn a_damaged_run_is_an_error_never_an_absent_key() {
        for (what, byte) in [("value", 9usize), ("key", 3)] {
            let mut m: SpillMap<u64> = SpillMap::new(SpillTo::Temp, u64::MAX);
            let key = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for i in 0..300u64 {
                m.insert(key(i), i);
            }
            assert!(m.error().is_none());
            let run = &m.runs[0];
            let rec = Run::<u64>::RECORD;
            let at = (5 * rec + byte) as u64;
            let mut b = [0u8; 1];
            read_at(&run.file, &mut b, at).unwrap();
            write_at(&run.file, &[b[0] ^ 0x10], at).unwrap();
            let mut refused = 0;
            for i in 0..300u64 {
                match m.get(&key(i)) {
                    Some(v) if v == i => {}
                    Some(u64::MAX) => refused += 1,
                    other => panic!("{what}: key {i} answered {other:?}"),
                }
            }
            assert!(refused > 0, "{what}: the damaged block was read");
            assert!(m.error().unwrap().to_string().contains("damaged"), "{what}");
        }
    }

    #[test]
    fn a_damaged_run_fails_a_merge() {
        let mut m: SpillMap<u64> = SpillMap::new(SpillTo::Temp, u64::MAX);
        for i in 0..64u64 {
            m.insert(i.wrapping_mul(0x9E37_79B9_7F4A_7C15), i);
        }
        let run = &m.runs[0];
        write_at(&run.file, &[0xFF, 0xFF], 12).unwrap();
        m.retain(|_, _| true);
        assert!(m.error().is_some(), "the pass over the run found the damage");
    }

    #[test]
    fn a_large_run_answers_a_missing_key_from_memory_ninety_nine_times_in_a_hundred() {
        let mut keys: Vec<u64> = (0..100_000u64).map(mix).collect();
        keys.sort_unstable();
        let mut w = RunWriter::<u64>::new(&SpillTo::Temp, keys.len()).unwrap();
        for k in &keys {
            w.push(k, 1).unwrap();
        }
        let run = w.finish().unwrap();
        assert!(keys.iter().all(|k| run.may_hold(k)), "no key it holds is ever missed");
        let read = (100_000..300_000u64).filter(|&i| run.may_hold(&mix(i))).count();
        assert!(read < 200_000 * 3 / 200, "{read} of 200,000 misses would read a block (1.5 % at most)");
    }

    #[test]
    fn a_missing_key_seldom_reads_the_disk() {
        let mut m: SpillMap<u64> = SpillMap::new(SpillTo::Temp, u64::MAX);
        for i in 0..5_000u64 {
            m.insert(i.wrapping_mul(0x9E37_79B9_7F4A_7C15), i);
        }
        let read = (5_000..105_000u64)
            .filter(|i| {
                let k = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                m.runs.iter().any(|r| r.may_hold(&k))
            })
            .count();
        assert!(read < 100_000 / 20, "{read} of 100,000 misses would read a block");
    }
}
