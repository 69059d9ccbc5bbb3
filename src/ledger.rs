//! The ledger of converted orders: an order written once is never written again, unless
//! `--force`. Append-only journal `state/ledger.tsv`, one batch per output:
//!
//! ```text
//! # passerelle ledger v1
//! P <batch> <output>|<output> <was>|<was>
//!                                  the batch's outputs are about to be renamed into place;
//!                                  <was>: the file already there under that name (size and
//!                                  modification time) or `-`
//! O <batch> <order key> <piece>    an order of the batch
//! C <batch>                        the outputs are in place: the orders count as converted
//! A <batch>                        abandoned: the outputs never appeared
//! ```
//!
//! P and O lines are written and synced before the outputs are renamed, C after. After a
//! crash between the two, the next start looks at the outputs: all there, the batch is
//! committed; any missing, it is abandoned. So an order is neither lost (marked converted
//! without a file) nor written twice (a file without a mark). A torn last line is cut off.
//! Memory: 16 bytes per converted order (a 128-bit hash of its key), and 16 per piece number
//! (its hash and its order's), so that a number is never given to two orders.

use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::state::StateError;

pub const LEDGER_FILE: &str = "ledger.tsv";
const HEADER: &str = "# passerelle ledger v1";

pub struct Ledger {
    path: PathBuf,
    done: FxHashSet<u128>,
    /// Piece numbers given: hash of the piece → low half of its order key's hash.
    pieces: FxHashMap<u64, u64>,
    /// Pieces of the batch being written, with what they replaced, to undo if it fails.
    staged_pieces: Vec<(u64, Option<u64>)>,
    /// Orders of the batch being written (not yet committed): already in `done` (so a
    /// repeated order within the input is caught), listed here to be taken out if the input
    /// fails; their lines wait in a side file beside the ledger.
    staged_keys: Vec<u128>,
    pending: Option<(PathBuf, io::BufWriter<File>)>,
    batch: Option<String>,
    /// The batch's P line is written (by `prepare`), its C not yet.
    prepared: bool,
    /// No writes at all (dry run).
    read_only: bool,
    pub recovered: Vec<String>,
}

/// Keys and pieces come from shop data: no tab or newline may break the journal, so they are
/// written with those as spaces, and hashed the same way so that a key reads back as itself.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\t', '\n', '\r']) { s.replace(['\t', '\n', '\r'], " ").into() } else { s.into() }
}

fn hash(key: &str) -> u128 {
    let key = &*clean(key);
    let mut a = FxHasher::default();
    key.hash(&mut a);
    let mut b = FxHasher::default();
    (0x5151_u16, key, key.len()).hash(&mut b);
    ((a.finish() as u128) << 64) | b.finish() as u128
}

/// The hash of a piece number (as written: uppercase A-Z 0-9); `None` for no number.
fn piece_hash(piece: &str) -> Option<u64> {
    let piece = &*clean(piece.trim());
    if piece.is_empty() {
        return None;
    }
    let mut h = FxHasher::default();
    (0x9153_u16, piece).hash(&mut h);
    Some(h.finish())
}

/// An order of a batch: the hash of its key, and of its piece number if any.
type Staged = (u128, Option<u64>);

/// An output of a batch and the stamp of the file its name held before (`None`: none).
type Output = (PathBuf, Option<String>);

/// Size and modification time of a file, to tell it from the one that replaces it.
fn stamp(p: &Path) -> String {
    match fs::metadata(p) {
        Ok(m) => {
            let t = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
            format!("{}:{}", m.len(), t.as_nanos())
        }
        Err(_) => "-".to_string(),
    }
}

fn bad(path: &Path, line: usize, message: impl Into<String>) -> StateError {
    StateError::Damaged { path: path.to_path_buf(), message: format!("line {line}: {}", message.into()) }
}

impl Ledger {
    /// Reads the ledger of `dir` (none yet: empty), recovering an interrupted batch.
    pub fn open(dir: &Path, read_only: bool) -> Result<Ledger, StateError> {
        let path = dir.join(LEDGER_FILE);
        let io = |source| StateError::Io { path: path.clone(), source };
        let mut l = Ledger {
            path: path.clone(),
            done: FxHashSet::default(),
            pieces: FxHashMap::default(),
            staged_pieces: Vec::new(),
            staged_keys: Vec::new(),
            pending: None,
            batch: None,
            prepared: false,
            read_only,
            recovered: Vec::new(),
        };
        // Side files of batches a crash interrupted before `prepare`: their orders were never
        // written, nothing refers to them.
        if !read_only && let Ok(dir) = fs::read_dir(dir) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(&format!("{LEDGER_FILE}.")) && name.ends_with(".pending") {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        let file = match crate::fsguard::open_regular(&path, crate::fsguard::MAX_INPUT_BYTES) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(l),
            Err(e) => return Err(io(e)),
        };
        let mut reader = BufReader::new(file);
        let mut buf = String::new();
        let mut good_len = 0u64;
        let mut number = 0usize;
        // batch → (outputs, keys with their piece)
        let mut pending: Vec<(String, Vec<Output>, Vec<Staged>)> = Vec::new();
        loop {
            buf.clear();
            let n = reader.read_line(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            number += 1;
            if !buf.ends_with('\n') {
                // A line cut by a crash: everything before it is whole.
                break;
            }
            good_len += n as u64;
            let line = buf.trim_end_matches(['\r', '\n']);
            if number == 1 {
                if line != HEADER {
                    return Err(bad(&path, 1, format!("expected '{HEADER}'")));
                }
                continue;
            }
            let mut f = line.split('\t');
            let (kind, batch) = (f.next().unwrap_or(""), f.next().unwrap_or("").to_string());
            match kind {
                "P" => {
                    let outputs: Vec<PathBuf> =
                        f.next().unwrap_or("").split('|').filter(|s| !s.is_empty()).map(PathBuf::from).collect();
                    // Older ledgers have no <was> column: every output was new.
                    let was: Vec<String> = f.next().unwrap_or("").split('|').map(str::to_string).collect();
                    let outputs = outputs
                        .into_iter()
                        .enumerate()
                        .map(|(i, o)| (o, was.get(i).filter(|w| w.as_str() != "-").cloned()))
                        .collect();
                    pending.push((batch, outputs, Vec::new()));
                }
                "O" => {
                    let key = f.next().ok_or_else(|| bad(&path, number, "order line without key"))?;
                    let piece = piece_hash(f.next().unwrap_or(""));
                    match pending.iter_mut().find(|p| p.0 == batch) {
                        Some(p) => p.2.push((hash(key), piece)),
                        None => return Err(bad(&path, number, format!("order of unknown batch {batch}"))),
                    }
                }
                "C" | "A" => {
                    if let Some(i) = pending.iter().position(|p| p.0 == batch) {
                        let (_, _, keys) = pending.remove(i);
                        if kind == "C" {
                            l.settle(keys);
                        }
                    }
                }
                _ => return Err(bad(&path, number, format!("unknown entry '{kind}'"))),
            }
        }
        let size = fs::metadata(&path).map_err(io)?.len();
        if good_len < size && !read_only {
            OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(good_len)).map_err(io)?;
            l.recovered.push(format!("a torn last line ({} bytes) was cut off", size - good_len));
        }
        for (batch, outputs, keys) in pending {
            // In place: there, and not the file an earlier run left under the same name.
            let all_there = !outputs.is_empty()
                && outputs.iter().all(|(o, was)| o.exists() && was.as_ref().is_none_or(|w| stamp(o) != *w));
            if all_there {
                l.settle(keys);
            }
            if !read_only {
                l.append(&format!("{}\t{batch}\n", if all_there { "C" } else { "A" })).map_err(io)?;
            }
            l.recovered.push(format!(
                "batch {batch} was interrupted: its outputs {}; {}",
                if all_there { "are all in place" } else { "are not all in place" },
                if all_there { "its orders count as converted" } else { "its orders will be converted again" }
            ));
        }
        Ok(l)
    }

    /// The orders of a committed batch, with their piece numbers.
    fn settle(&mut self, keys: Vec<Staged>) {
        for (key, piece) in keys {
            self.done.insert(key);
            if let Some(p) = piece {
                self.pieces.insert(p, key as u64);
            }
        }
    }

    /// Is `piece` the number of another order than `key` (in an earlier run, or earlier in
    /// this one)? The order's own number (converted again with `--force`) is not taken.
    pub fn piece_taken(&self, piece: &str, key: &str) -> bool {
        let Some(p) = piece_hash(piece) else { return false };
        self.pieces.get(&p).is_some_and(|&owner| owner != hash(key) as u64)
    }

    fn append(&self, text: &str) -> io::Result<()> {
        self.append_with(text, None)
    }

    /// Appends `text`, then the contents of `then` (a batch's side file, copied as a stream:
    /// a million orders must not be held in memory), and syncs.
    fn append_with(&self, text: &str, then: Option<&Path>) -> io::Result<()> {
        let new = !self.path.exists();
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let f = OpenOptions::new().create(true).append(true).open(&self.path)?;
        let mut w = io::BufWriter::with_capacity(64 * 1024, f);
        if new {
            w.write_all(format!("{HEADER}\n").as_bytes())?;
        }
        w.write_all(text.as_bytes())?;
        if let Some(side) = then {
            io::copy(&mut File::open(side)?, &mut w)?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    }

    /// The ledger file (`state/ledger.tsv`), for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Converted by an earlier batch, or already in the batch being written.
    pub fn contains(&self, key: &str) -> bool {
        self.done.contains(&hash(key))
    }

    /// An order of the current input, with its piece number (may be empty).
    pub fn stage(&mut self, key: &str, piece: &str) -> io::Result<()> {
        let h = hash(key);
        if self.done.insert(h) {
            self.staged_keys.push(h);
        }
        if let Some(p) = piece_hash(piece) {
            let before = self.pieces.insert(p, h as u64);
            self.staged_pieces.push((p, before));
        }
        if self.read_only {
            return Ok(());
        }
        let id = self
            .batch
            .get_or_insert_with(|| format!("{}-{}", jiff::Timestamp::now().as_millisecond(), std::process::id()))
            .clone();
        if self.pending.is_none() {
            let path = self.path.with_file_name(format!("{LEDGER_FILE}.{id}.pending"));
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            self.pending = Some((path.clone(), io::BufWriter::with_capacity(64 * 1024, File::create(&path)?)));
        }
        let (_, w) = self.pending.as_mut().expect("open");
        writeln!(w, "O\t{id}\t{}\t{}", clean(key), clean(piece))
    }

    /// Before the outputs are renamed into place: the batch and its orders, synced.
    pub fn prepare(&mut self, outputs: &[PathBuf]) -> io::Result<()> {
        // `batch` rather than `staged_keys`: orders converted again with `--force` are
        // already known, yet their lines are in the side file and belong to this batch.
        if self.read_only || self.batch.is_none() {
            return Ok(());
        }
        let id = self.batch.clone().expect("a staged order opened the batch");
        let outs: Vec<String> = outputs.iter().map(|p| p.display().to_string()).collect();
        let was: Vec<String> = outputs.iter().map(|p| if p.exists() { stamp(p) } else { "-".to_string() }).collect();
        let text = format!("P\t{id}\t{}\t{}\n", outs.join("|"), was.join("|"));
        match self.pending.take() {
            Some((path, mut w)) => {
                w.flush()?;
                drop(w);
                self.append_with(&text, Some(&path))?;
                let _ = fs::remove_file(&path);
            }
            None => self.append(&text)?,
        }
        self.prepared = true;
        Ok(())
    }

    /// The input ended well: its outputs are in place (the batch's orders count as
    /// converted), or it wrote nothing (a dry run: its orders stay known for the rest of the
    /// run). Either way the next input starts a batch of its own.
    pub fn commit(&mut self) -> io::Result<()> {
        if let Some((path, w)) = self.pending.take() {
            drop(w);
            let _ = fs::remove_file(path);
        }
        let id = self.batch.take();
        let prepared = std::mem::take(&mut self.prepared);
        self.staged_keys.clear();
        self.staged_pieces.clear();
        match id {
            Some(id) if prepared => self.append(&format!("C\t{id}\n")),
            _ => Ok(()),
        }
    }

    /// The input failed: its orders were not written.
    pub fn abort(&mut self) -> io::Result<()> {
        if let Some((path, w)) = self.pending.take() {
            drop(w);
            let _ = fs::remove_file(path);
        }
        if let Some(id) = self.batch.take()
            && self.prepared
        {
            self.append(&format!("A\t{id}\n"))?;
        }
        self.prepared = false;
        for h in self.staged_keys.drain(..) {
            self.done.remove(&h);
        }
        while let Some((p, before)) = self.staged_pieces.pop() {
            match before {
                Some(owner) => self.pieces.insert(p, owner),
                None => self.pieces.remove(&p),
            };
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.done.len()
    }

    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One input of a run: `key` staged and prepared for `out`; the output written (`Some`
    /// content) or not, then committed or not (a crash).
    fn input(l: &mut Ledger, key: &str, out: &Path, content: Option<&str>, commit: bool) {
        l.stage(key, "").unwrap();
        l.prepare(&[out.to_path_buf()]).unwrap();
        if let Some(c) = content {
            fs::write(out, c).unwrap();
        }
        if commit {
            l.commit().unwrap();
        }
    }

    #[test]
    fn committed_orders_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        let mut l = Ledger::open(dir.path(), false).unwrap();
        l.stage("shopify:1001", "WEB1001").unwrap();
        assert!(l.contains("shopify:1001"), "staged orders count within the run");
        l.prepare(std::slice::from_ref(&out)).unwrap();
        fs::write(&out, "x").unwrap();
        l.commit().unwrap();
        let l = Ledger::open(dir.path(), false).unwrap();
        assert!(l.contains("shopify:1001"));
        assert!(!l.contains("shopify:1002"));
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn an_interrupted_batch_is_settled_by_its_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        // Batch 1: crash after the outputs were renamed, before C.
        input(&mut Ledger::open(dir.path(), false).unwrap(), "shopify:1", &a, Some("x"), false);
        // Batch 2: crash before the outputs were renamed.
        let mut l = Ledger::open(dir.path(), false).unwrap();
        assert!(l.contains("shopify:1"), "outputs in place: committed");
        input(&mut l, "shopify:2", &b, None, false);
        drop(l);
        let l = Ledger::open(dir.path(), false).unwrap();
        assert!(!l.contains("shopify:2"), "no output: converted again next time");
        assert_eq!(l.recovered.len(), 1);
        let text = fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap();
        assert!(text.lines().last().unwrap().starts_with("A\t"), "{text}");
    }

    #[test]
    fn orders_forced_again_keep_the_journal_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        let mut l = Ledger::open(dir.path(), false).unwrap();
        input(&mut l, "shopify:1", &a, Some("x"), true);
        // --force: the same order again, then a new one in the next input of the run.
        input(&mut l, "shopify:1", &a, None, true);
        input(&mut l, "shopify:2", &b, Some("x"), true);
        let l = Ledger::open(dir.path(), false).expect("the journal reads back");
        assert!(l.contains("shopify:1") && l.contains("shopify:2"));
        let text = fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap();
        assert_eq!(text.lines().filter(|x| x.starts_with("C\t")).count(), 3, "{text}");
    }

    #[test]
    fn yesterdays_file_of_the_same_name_is_not_todays_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("orders_export.txt");
        fs::write(&out, "yesterday's documents").unwrap();
        // A crash before today's file replaced yesterday's.
        input(&mut Ledger::open(dir.path(), false).unwrap(), "shopify:1", &out, None, false);
        let l = Ledger::open(dir.path(), false).unwrap();
        assert!(!l.contains("shopify:1"), "the order was never written: converted again");
        // Same, but today's file did replace it before the crash.
        input(
            &mut Ledger::open(dir.path(), false).unwrap(),
            "shopify:2",
            &out,
            Some("today's documents, longer"),
            false,
        );
        assert!(Ledger::open(dir.path(), false).unwrap().contains("shopify:2"));
    }

    #[test]
    fn piece_numbers_are_remembered_per_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        let mut l = Ledger::open(dir.path(), false).unwrap();
        l.stage("shopify:1001", "WEB1001").unwrap();
        assert!(l.piece_taken("WEB1001", "shopify:1002"), "taken within the input");
        assert!(!l.piece_taken("WEB1001", "shopify:1001"), "an order's own number");
        l.prepare(std::slice::from_ref(&a)).unwrap();
        fs::write(&a, "x").unwrap();
        l.commit().unwrap();
        // A failed input gives its numbers back.
        l.stage("shopify:1002", "WEB1002").unwrap();
        l.abort().unwrap();
        assert!(!l.piece_taken("WEB1002", "shopify:9"));
        input(&mut l, "prestashop:id:7", &b, Some("x"), true);
        let l = Ledger::open(dir.path(), false).unwrap();
        assert!(l.piece_taken("WEB1001", "shopify:1002"), "across runs");
        assert!(!l.piece_taken("WEB1001", "shopify:1001"));
        assert!(!l.piece_taken("WEB1002", "shopify:1002"));
        assert!(!l.piece_taken("", "shopify:1002"), "no number is never taken");
    }

    #[test]
    fn a_key_with_a_tab_reads_back_as_itself() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        input(&mut Ledger::open(dir.path(), false).unwrap(), "woocommerce:12\t34", &out, Some("x"), true);
        assert!(Ledger::open(dir.path(), false).unwrap().contains("woocommerce:12\t34"));
    }

    #[test]
    fn a_torn_line_is_cut_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(LEDGER_FILE);
        fs::write(&p, format!("{HEADER}\nP\t1\t/nonexistent\nO\t1\tshopify:9\t\nC\t1\nP\t2\tx")).unwrap();
        let l = Ledger::open(dir.path(), false).unwrap();
        assert!(l.contains("shopify:9"));
        assert!(fs::read_to_string(&p).unwrap().ends_with("C\t1\n"));
        fs::write(&p, "something else\n").unwrap();
        assert!(matches!(Ledger::open(dir.path(), false), Err(StateError::Damaged { .. })));
    }
}
