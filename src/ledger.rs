//! The ledger of converted orders: an order written once is never written again, unless
//! `--force`. Append-only journal `state/ledger.tsv`, one batch per output:
//!
//! ```text
//! # passerelle ledger v1
//! P <batch> <output>|<output> <was>|<was>
//!                                  the batch's outputs are about to be renamed into place;
//!                                  <was>: the file already there under that name (size and
//!                                  modification time) or `-`
//! O <batch> <order key> <piece> <client> <catégorie comptable> <compte collectif> <representative last name> <first name>
//!                                  an order of the batch: its invoice's piece, client code,
//!                                  accounts and representative, which its credit notes repeat
//!                                  (ledgers written before credit notes stop after <piece>)
//! R <batch> <order key> <piece> <credited>
//!                                  a credit note of the batch for that order; <credited>: the
//!                                  amount credited for the order so far, this note included
//!                                  (tax included, `.` decimal)
//! C <batch>                        the outputs are in place: the orders count as converted
//! A <batch>                        abandoned: the outputs never appeared
//! ```
//!
//! P, O and R lines are written and synced before the outputs are renamed, C after. After a
//! crash between the two, the next start looks at the outputs: all there, the batch is
//! committed; any missing, it is abandoned. So an order is neither lost (marked converted
//! without a file) nor written twice (a file without a mark). A torn last line is cut off.
//! Memory: each converted order is a 128-bit hash of its key and where its O line is in the
//! file (a credit note reads its invoice's piece and client back from there), each piece
//! number its hash and its order's (a number is never given to two orders); both maps keep
//! their newest entries in memory and the others in sorted runs on disk (`spill`), under 2
//! bytes an entry in memory past the first 114,688, so that a year of orders, read at the
//! start or added by the run, barely grows the memory. An order credited keeps some 40
//! bytes in memory. The batch being written adds nothing per new order: its
//! entries are told from the others by where their line is (the side file, or past the
//! batch's P line), so undoing it is a pass over the maps; only what it replaced (an order
//! converted again with `--force`, a credit note) is listed to be put back. A dry run, which
//! writes no line, lists all it stages.

use crate::text::QuickTrim;
use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHasher};

use crate::spill::{SpillMap, SpillTo};
use crate::state::StateError;

pub const LEDGER_FILE: &str = "ledger.tsv";
const HEADER: &str = "# passerelle ledger v1";

/// Where an order's O line is: a byte offset in the ledger file, or (with this bit) in the
/// side file of the batch being written, or `UNWRITTEN` (a dry run: see `memo`).
const PENDING: u64 = 1 << 63;
const UNWRITTEN: u64 = u64::MAX;

/// Credit notes own their piece numbers under their order's hash with these bits flipped:
/// the order's invoice, converted again with `--force`, never takes a credit note's number.
const CREDIT_OWNER: u64 = 0xC4ED_17C4_ED17_C4ED;

/// What the credit notes of one order add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Credited {
    /// Amount credited so far, tax included.
    pub amount: Decimal,
    /// Credit notes written.
    pub notes: u32,
}

/// The invoice of a converted order, as its O line keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceRef {
    /// Its N° de pièce (empty when Sage numbered it).
    pub piece: String,
    /// Its client code; empty in ledgers written before credit notes.
    pub client: String,
    /// Its catégorie comptable and compte collectif (#CHEN 37 and 40) as written (empty: the
    /// layout's default, or unknown).
    pub cat_compta: String,
    pub collective: String,
    /// Its representative (#CHEN 21 and 22).
    pub representative: (String, String),
}

pub struct Ledger {
    path: PathBuf,
    /// Converted orders: hash of the key (as two halves) → where its O line is (see
    /// `PENDING`). A lookup that cannot read the disk answers `UNWRITTEN`: converted.
    done: SpillMap<(u64, u64)>,
    /// Piece numbers given: hash of the piece → low half of its order key's hash (a lookup
    /// that cannot read the disk answers 0: taken, by another order).
    pieces: SpillMap<u64>,
    /// Orders with credit notes.
    credits: FxHashMap<u128, Credited>,
    /// Pieces of the batch being written that replaced another entry or belong to a credit
    /// note (a dry run: every piece), with what they replaced, to undo if it fails. A new
    /// order's piece is undone with its order (see `abort`).
    staged_pieces: Vec<(u64, Option<u64>)>,
    /// Orders of the batch being written (not yet committed) that were already known (with
    /// where their O line was before), to put back if the input fails; a dry run lists every
    /// order (`None`: a new one). New orders are in `done` too (so a repeated order within
    /// the input is caught), marked as the batch's by where their line is: their lines wait
    /// in a side file beside the ledger (`PENDING`), then past `batch_start`.
    staged_keys: Vec<(u128, Option<u64>)>,
    /// Credit notes of the batch being written, with what their order had before.
    staged_credits: Vec<(u128, Option<Credited>)>,
    /// Once the batch is prepared: where its first O or R line is in the ledger file (every
    /// line from there on is the batch's).
    batch_start: u64,
    /// Bytes written to the side file.
    side_len: u64,
    /// Dry run: the invoices staged, since nothing is written.
    memo: FxHashMap<u128, InvoiceRef>,
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
    // This runs for every field of every order: a byte below 14 (tab 9, line feed 10, carriage
    // return 13 among them) is looked for eight bytes at a time; only then the exact search.
    let b = s.as_bytes();
    let mut words = b.chunks_exact(8);
    let low = words.any(|w| has_byte_below_14(u64::from_le_bytes(w.try_into().expect("8 bytes"))))
        || words.remainder().iter().any(|&c| c < 14);
    if low && b.iter().any(|&c| matches!(c, b'\t' | b'\n' | b'\r')) {
        s.replace(['\t', '\n', '\r'], " ").into()
    } else {
        s.into()
    }
}

/// Whether a byte of `x` is below 14: a byte's subtraction borrows into its high bit only if
/// it was below 14 or a lower byte already was (exact for "any").
fn has_byte_below_14(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    x.wrapping_sub(ONES * 14) & !x & (ONES * 0x80) != 0
}

fn hash(key: &str) -> u128 {
    let key = &*clean(key);
    let mut a = FxHasher::default();
    key.hash(&mut a);
    let mut b = FxHasher::default();
    (0x5151_u16, key, key.len()).hash(&mut b);
    ((a.finish() as u128) << 64) | b.finish() as u128
}

/// A key's hash as the map of converted orders keeps it.
fn halves(h: u128) -> (u64, u64) {
    ((h >> 64) as u64, h as u64)
}

/// The hash of a piece number (as written: uppercase A-Z 0-9); `None` for no number.
fn piece_hash(piece: &str) -> Option<u64> {
    let piece = &*clean(piece.quick_trim());
    if piece.is_empty() {
        return None;
    }
    let mut h = FxHasher::default();
    (0x9153_u16, piece).hash(&mut h);
    Some(h.finish())
}

/// An order of a batch: the hash of its key, of its piece number if any, and where its O
/// line is in the file.
type Staged = (u128, Option<u64>, u64);

/// A credit note of a batch: its order's hash, its piece's, and the amount credited so far.
type StagedCredit = (u128, Option<u64>, Decimal);

/// A batch read from the file, not yet committed or abandoned.
struct Batch {
    id: String,
    outputs: Vec<Output>,
    orders: Vec<Staged>,
    credits: Vec<StagedCredit>,
}

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

/// The line of `path` that starts at byte `at`.
fn line_at(path: &Path, at: u64) -> io::Result<String> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(at))?;
    let mut line = String::new();
    BufReader::new(f).read_line(&mut line)?;
    Ok(line)
}

fn bad(path: &Path, line: usize, message: impl Into<String>) -> StateError {
    StateError::Damaged { path: path.to_path_buf(), message: format!("line {line}: {}", message.into()) }
}

impl Ledger {
    /// Reads the ledger of `dir` (none yet: empty), recovering an interrupted batch.
    pub fn open(dir: &Path, read_only: bool) -> Result<Ledger, StateError> {
        let path = dir.join(LEDGER_FILE);
        let io = |source| StateError::Io { path: path.clone(), source };
        // A dry run writes nothing in the state folder, not even a file nobody sees.
        let spill_to = if read_only { SpillTo::Temp } else { SpillTo::Dir(dir.to_path_buf()) };
        let mut l = Ledger {
            path: path.clone(),
            done: SpillMap::new(spill_to.clone(), UNWRITTEN),
            pieces: SpillMap::new(spill_to, 0),
            credits: FxHashMap::default(),
            staged_pieces: Vec::new(),
            staged_keys: Vec::new(),
            staged_credits: Vec::new(),
            batch_start: u64::MAX,
            side_len: 0,
            memo: FxHashMap::default(),
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
        let mut pending: Vec<Batch> = Vec::new();
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
            let at = good_len;
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
                    pending.push(Batch { id: batch, outputs, orders: Vec::new(), credits: Vec::new() });
                }
                "O" => {
                    let key = f.next().ok_or_else(|| bad(&path, number, "order line without key"))?;
                    let piece = piece_hash(f.next().unwrap_or(""));
                    match pending.iter_mut().find(|p| p.id == batch) {
                        Some(p) => p.orders.push((hash(key), piece, at)),
                        None => return Err(bad(&path, number, format!("order of unknown batch {batch}"))),
                    }
                }
                "R" => {
                    let key = f.next().ok_or_else(|| bad(&path, number, "credit note line without key"))?;
                    let piece = piece_hash(f.next().unwrap_or(""));
                    let text = f.next().unwrap_or("");
                    let amount = text
                        .parse::<Decimal>()
                        .map_err(|_| bad(&path, number, format!("credited amount '{text}' is not a number")))?;
                    match pending.iter_mut().find(|p| p.id == batch) {
                        Some(p) => p.credits.push((hash(key), piece, amount)),
                        None => return Err(bad(&path, number, format!("credit note of unknown batch {batch}"))),
                    }
                }
                "C" | "A" => {
                    if let Some(i) = pending.iter().position(|p| p.id == batch) {
                        let b = pending.remove(i);
                        if kind == "C" {
                            l.settle(b.orders, b.credits);
                        }
                    }
                }
                _ => return Err(bad(&path, number, format!("unknown entry '{kind}'"))),
            }
        }
        let size = fs::metadata(&path).map_err(io)?.len();
        if good_len < size {
            // A dry run says it as the real run would, and leaves the file as it is.
            if !read_only {
                OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(good_len)).map_err(io)?;
            }
            let done = if read_only { "would be cut off (dry run: left as it is)" } else { "was cut off" };
            l.recovered.push(format!("a torn last line ({} bytes) {done}", size - good_len));
        }
        for Batch { id: batch, outputs, orders, credits } in pending {
            // In place: there, and not the file an earlier run left under the same name.
            let all_there = !outputs.is_empty()
                && outputs.iter().all(|(o, was)| o.exists() && was.as_ref().is_none_or(|w| stamp(o) != *w));
            if all_there {
                l.settle(orders, credits);
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
        l.spill_error().map_err(io)?;
        Ok(l)
    }

    /// The orders and credit notes of a committed batch, with their piece numbers.
    fn settle(&mut self, orders: Vec<Staged>, credits: Vec<StagedCredit>) {
        for (key, piece, at) in orders {
            self.done.insert(halves(key), at);
            if let Some(p) = piece {
                self.pieces.insert(p, key as u64);
            }
        }
        for (key, piece, amount) in credits {
            let c = self.credits.entry(key).or_default();
            c.amount = amount;
            c.notes += 1;
            if let Some(p) = piece {
                self.pieces.insert(p, key as u64 ^ CREDIT_OWNER);
            }
        }
    }

    /// Is `piece` the number of another order than `key` (in an earlier run, or earlier in
    /// this one), or of a credit note? The order's own number (converted again with
    /// `--force`) is not taken.
    pub fn piece_taken(&self, piece: &str, key: &str) -> bool {
        let Some(p) = piece_hash(piece) else { return false };
        self.pieces.get(&p).is_some_and(|owner| owner != hash(key) as u64)
    }

    /// Is `piece` any document's number (an invoice's or a credit note's, of any order)? A
    /// credit note takes a number no document has.
    pub fn piece_used(&self, piece: &str) -> bool {
        piece_hash(piece).is_some_and(|p| self.pieces.contains_key(&p))
    }

    /// Is `piece` the number of one of the credit notes of order `key`?
    pub fn credit_piece_of(&self, piece: &str, key: &str) -> bool {
        let Some(p) = piece_hash(piece) else { return false };
        self.pieces.get(&p).is_some_and(|owner| owner == hash(key) as u64 ^ CREDIT_OWNER)
    }

    /// What the credit notes of the order `key` add up to so far (zero, none, when it has
    /// none).
    pub fn credited(&self, key: &str) -> Credited {
        self.credits.get(&hash(key)).copied().unwrap_or_default()
    }

    /// The invoice of a converted order (read back from its O line); `None` when the ledger
    /// does not know the order.
    pub fn invoice(&mut self, key: &str) -> io::Result<Option<InvoiceRef>> {
        let h = hash(key);
        let found = self.done.get(&halves(h));
        self.spill_error()?;
        let Some(at) = found else { return Ok(None) };
        if let Some(invoice) = self.memo.get(&h) {
            return Ok(Some(invoice.clone()));
        }
        if at == UNWRITTEN {
            return Ok(None);
        }
        let line = if at & PENDING != 0 {
            let Some((side, w)) = self.pending.as_mut() else { return Ok(None) };
            w.flush()?;
            line_at(side, at & !PENDING)?
        } else {
            line_at(&self.path, at)?
        };
        let mut f = line.trim_end_matches(['\r', '\n']).split('\t');
        let (kind, _batch, k) = (f.next(), f.next(), f.next());
        if kind != Some("O") || k != Some(&*clean(key)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: the line of order {key} is not where it was read", self.path.display()),
            ));
        }
        let mut next = || f.next().unwrap_or("").to_string();
        Ok(Some(InvoiceRef {
            piece: next(),
            client: next(),
            cat_compta: next(),
            collective: next(),
            representative: (next(), next()),
        }))
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
        self.done.contains_key(&halves(hash(key)))
    }

    /// An order of the current input, with its piece number (may be empty).
    pub fn stage(&mut self, key: &str, piece: &str) -> io::Result<()> {
        self.stage_invoice(key, &InvoiceRef { piece: piece.to_string(), ..Default::default() })
    }

    /// An order of the current input: its invoice's piece number (may be empty), client and
    /// accounts.
    pub fn stage_invoice(&mut self, key: &str, invoice: &InvoiceRef) -> io::Result<()> {
        self.spill_error()?;
        let h = hash(key);
        // The line first, then one insert with where it starts: a failed write changes
        // nothing here (and fails the input).
        let value = if self.read_only {
            UNWRITTEN
        } else {
            let (last, first) = &invoice.representative;
            let fields = [key, &invoice.piece, &invoice.client, &invoice.cat_compta, &invoice.collective, last, first];
            PENDING | self.write_side('O', &fields)?
        };
        let before = self.done.insert(halves(h), value);
        // Listed: what is undone otherwise than with the batch's new orders.
        let listed = before.is_some() || self.read_only;
        if listed {
            self.staged_keys.push((h, before));
        }
        if let Some(p) = piece_hash(&invoice.piece) {
            let before = self.pieces.insert(p, h as u64);
            if before.is_some() || listed {
                self.staged_pieces.push((p, before));
            }
        }
        if self.read_only {
            self.memo.insert(h, invoice.clone());
        }
        self.spill_error()
    }

    /// A credit note of the current input for the order `key`: its piece number, and the
    /// amount credited for the order so far, this note included.
    pub fn stage_credit(&mut self, key: &str, piece: &str, credited: Decimal) -> io::Result<()> {
        self.spill_error()?;
        let h = hash(key);
        let before = self.credits.get(&h).copied();
        let notes = before.map_or(0, |c| c.notes) + 1;
        self.credits.insert(h, Credited { amount: credited, notes });
        self.staged_credits.push((h, before));
        if let Some(p) = piece_hash(piece) {
            let before = self.pieces.insert(p, h as u64 ^ CREDIT_OWNER);
            self.staged_pieces.push((p, before));
        }
        if self.read_only {
            return Ok(());
        }
        self.write_side('R', &[key, piece, &credited.to_string()])?;
        Ok(())
    }

    /// Appends a line (made with the batch id) to the batch's side file, opening both if
    /// needed; where it starts in the side file.
    /// Appends the line `kind`, batch id, `fields` (tabs and line breaks in them made spaces)
    /// to the side file; where it starts. Written field by field: one line per order.
    fn write_side(&mut self, kind: char, fields: &[&str]) -> io::Result<u64> {
        let id = self
            .batch
            .get_or_insert_with(|| format!("{}-{}", jiff::Timestamp::now().as_millisecond(), std::process::id()));
        if self.pending.is_none() {
            let path = self.path.with_file_name(format!("{LEDGER_FILE}.{id}.pending"));
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            self.pending = Some((path.clone(), io::BufWriter::with_capacity(64 * 1024, File::create(&path)?)));
            self.side_len = 0;
        }
        let (_, w) = self.pending.as_mut().expect("open");
        let mut len = 1 + 1 + id.len() + 1;
        w.write_all(&[kind as u8, b'\t'])?;
        w.write_all(id.as_bytes())?;
        for f in fields {
            let f = clean(f);
            w.write_all(b"\t")?;
            w.write_all(f.as_bytes())?;
            len += 1 + f.len();
        }
        w.write_all(b"\n")?;
        let at = self.side_len;
        self.side_len += len as u64;
        Ok(at)
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
        // The side file's lines land after the P line: where each O line will be.
        let start = match fs::metadata(&self.path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => HEADER.len() as u64 + 1,
            Err(e) => return Err(e),
        } + text.len() as u64;
        match self.pending.take() {
            Some((path, mut w)) => {
                w.flush()?;
                drop(w);
                self.append_with(&text, Some(&path))?;
                let _ = crate::atomic::remove_with_retry(&path);
            }
            None => self.append(&text)?,
        }
        // The batch's orders now point into the ledger file.
        self.done.retain(|_, at| {
            if *at != UNWRITTEN && *at & PENDING != 0 {
                *at = start + (*at & !PENDING);
            }
            true
        });
        self.spill_error()?;
        self.batch_start = start;
        self.side_len = 0;
        self.prepared = true;
        Ok(())
    }

    /// The input ended well: its outputs are in place (the batch's orders count as
    /// converted), or it wrote nothing (a dry run: its orders stay known for the rest of the
    /// run). Either way the next input starts a batch of its own.
    pub fn commit(&mut self) -> io::Result<()> {
        if !self.prepared {
            // An input that wrote nothing: a lookup that failed may have skipped its orders.
            self.spill_error()?;
        }
        if let Some((path, w)) = self.pending.take() {
            drop(w);
            let _ = crate::atomic::remove_with_retry(&path);
        }
        let id = self.batch.take();
        let prepared = std::mem::take(&mut self.prepared);
        self.staged_keys.clear();
        self.staged_pieces.clear();
        self.staged_credits.clear();
        self.batch_start = u64::MAX;
        self.side_len = 0;
        match id {
            Some(id) if prepared => self.append(&format!("C\t{id}\n")),
            _ => Ok(()),
        }
    }

    /// The input failed: its orders were not written.
    pub fn abort(&mut self) -> io::Result<()> {
        if let Some((path, w)) = self.pending.take() {
            drop(w);
            let _ = crate::atomic::remove_with_retry(&path);
        }
        if let Some(id) = self.batch.take()
            && self.prepared
        {
            self.append(&format!("A\t{id}\n"))?;
        }
        self.prepared = false;
        self.side_len = 0;
        while let Some((h, before)) = self.staged_keys.pop() {
            match before {
                Some(at) => self.done.insert(halves(h), at),
                None => {
                    self.memo.remove(&h);
                    self.done.remove(&halves(h))
                }
            };
        }
        // The new orders of the batch: their line is in the side file (or was never
        // written), or past the batch's P line. Their pieces go with them.
        let start = std::mem::replace(&mut self.batch_start, u64::MAX);
        let read_only = self.read_only;
        let mut gone = rustc_hash::FxHashSet::default();
        // A dry run lists all it staged (its earlier inputs' orders stay unwritten too).
        self.done.retain(|&(_, low), &mut at| {
            if read_only {
                return true;
            }
            let ours = at & PENDING != 0 || at >= start;
            if ours {
                gone.insert(low);
            }
            !ours
        });
        while let Some((h, before)) = self.staged_credits.pop() {
            match before {
                Some(c) => self.credits.insert(h, c),
                None => self.credits.remove(&h),
            };
        }
        while let Some((p, before)) = self.staged_pieces.pop() {
            match before {
                Some(owner) => self.pieces.insert(p, owner),
                None => self.pieces.remove(&p),
            };
        }
        if !gone.is_empty() {
            self.pieces.retain(|_, owner| !gone.contains(owner));
        }
        self.spill_error()
    }

    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// A read or write of the maps' temporary files that failed: this input and the next
    /// fail (a lookup meanwhile answered "converted" or "taken", never the other way).
    fn spill_error(&self) -> io::Result<()> {
        match self.done.error().or_else(|| self.pieces.error()) {
            Some(e) => Err(io::Error::new(e.kind(), format!("temporary file of the ledger: {e}"))),
            None => Ok(()),
        }
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

    /// Converted orders, pieces, credits.
    type Maps = (Vec<((u64, u64), u64)>, Vec<(u64, u64)>, FxHashMap<u128, Credited>);

    /// What a failed input must leave as it found.
    fn maps(l: &Ledger) -> Maps {
        (l.done.entries(), l.pieces.entries(), l.credits.clone())
    }

    proptest::proptest! {
        /// Tabs and line breaks become spaces, in short fields and long ones alike; other
        /// control characters (below 14 too) stay.
        #[test]
        fn a_field_is_cleaned_of_tabs_and_line_breaks(s in "[a-zé \t\r\n\x01\x0b\x0c]{0,100}") {
            proptest::prop_assert_eq!(clean(&s), s.replace(['\t', '\n', '\r'], " "));
        }

        /// The eight-bytes-at-once test says what a byte-by-byte one says.
        #[test]
        fn a_byte_below_14_is_found_in_a_word(bytes in proptest::array::uniform8(proptest::prop_oneof![proptest::num::u8::ANY, 0u8..20])) {
            proptest::prop_assert_eq!(has_byte_below_14(u64::from_le_bytes(bytes)), bytes.iter().any(|&b| b < 14));
        }
    }

    #[test]
    fn a_failed_batch_is_undone_whole_before_and_after_prepare() {
        for prepared in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out.txt");
            let mut l = Ledger::open(dir.path(), false).unwrap();
            l.stage("shopify:1", "FA001").unwrap();
            l.stage("shopify:2", "FA002").unwrap();
            l.stage_credit("shopify:2", "AV001", dec("10")).unwrap();
            l.prepare(std::slice::from_ref(&out)).unwrap();
            fs::write(&out, "x").unwrap();
            l.commit().unwrap();
            let before = maps(&l);
            // New orders with pieces, an order converted again (--force) under a new piece,
            // a credit note for an order of the earlier batch.
            l.stage("shopify:3", "FA003").unwrap();
            l.stage("shopify:4", "").unwrap();
            l.stage("shopify:1", "FA009").unwrap();
            l.stage_credit("shopify:2", "AV002", dec("15")).unwrap();
            if prepared {
                l.prepare(&[dir.path().join("out-2.txt")]).unwrap();
            }
            l.abort().unwrap();
            assert!(maps(&l) == before, "prepared: {prepared}");
            assert!(!l.contains("shopify:3") && l.contains("shopify:1"));
            assert!(!l.piece_used("FA003") && !l.piece_used("FA009") && !l.piece_used("AV002"));
            assert!(l.piece_taken("FA001", "shopify:5") && l.piece_used("AV001"));
            assert_eq!(l.invoice("shopify:1").unwrap().unwrap().piece, "FA001");
            // The next batch starts clean and is placed right.
            l.stage("shopify:5", "FA005").unwrap();
            l.prepare(&[dir.path().join("out-3.txt")]).unwrap();
            fs::write(dir.path().join("out-3.txt"), "y").unwrap();
            l.commit().unwrap();
            assert_eq!(l.invoice("shopify:5").unwrap().unwrap().piece, "FA005");
            let again = Ledger::open(dir.path(), false).unwrap();
            assert!(again.contains("shopify:5") && !again.contains("shopify:3"), "prepared: {prepared}");
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

    fn invoice(piece: &str, client: &str) -> InvoiceRef {
        InvoiceRef {
            piece: piece.into(),
            client: client.into(),
            cat_compta: "2".into(),
            collective: "4110100".into(),
            representative: ("DURAND".into(), "Léa".into()),
        }
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn invoices_read_back_whether_staged_prepared_or_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        let mut l = Ledger::open(dir.path(), false).unwrap();
        l.stage_invoice("shopify:1", &invoice("WEB1", "SHO000001")).unwrap();
        l.stage_invoice("shopify:2", &invoice("WEB2", "SHO000002")).unwrap();
        assert_eq!(l.invoice("shopify:2").unwrap(), Some(invoice("WEB2", "SHO000002")), "from the side file");
        l.prepare(std::slice::from_ref(&a)).unwrap();
        assert_eq!(l.invoice("shopify:1").unwrap(), Some(invoice("WEB1", "SHO000001")), "from the ledger");
        fs::write(&a, "x").unwrap();
        l.commit().unwrap();
        // A second input of the run: its invoices land after the first batch's lines.
        l.stage_invoice("shopify:3", &invoice("WEB3", "SHO000003")).unwrap();
        l.prepare(std::slice::from_ref(&b)).unwrap();
        fs::write(&b, "x").unwrap();
        l.commit().unwrap();
        assert_eq!(l.invoice("shopify:3").unwrap(), Some(invoice("WEB3", "SHO000003")));
        assert_eq!(l.invoice("shopify:2").unwrap(), Some(invoice("WEB2", "SHO000002")));
        let mut l = Ledger::open(dir.path(), false).unwrap();
        for n in 1..=3 {
            let got = l.invoice(&format!("shopify:{n}")).unwrap().unwrap();
            assert_eq!((got.piece, got.client), (format!("WEB{n}"), format!("SHO00000{n}")));
        }
        assert_eq!(l.invoice("shopify:4").unwrap(), None);
    }

    #[test]
    fn credit_notes_are_remembered_with_the_amount_credited() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        let mut l = Ledger::open(dir.path(), false).unwrap();
        input(&mut l, "shopify:1001", &a, Some("x"), true);
        assert_eq!(l.credited("shopify:1001"), Credited::default());
        // A failed input credits nothing and gives its number back.
        l.stage_credit("shopify:1001", "AV1001", dec("12.50")).unwrap();
        assert_eq!(l.credited("shopify:1001"), Credited { amount: dec("12.50"), notes: 1 });
        l.abort().unwrap();
        assert_eq!(l.credited("shopify:1001"), Credited::default());
        assert!(!l.piece_used("AV1001"));
        l.stage_credit("shopify:1001", "AV1001", dec("12.50")).unwrap();
        l.prepare(std::slice::from_ref(&b)).unwrap();
        fs::write(&b, "x").unwrap();
        l.commit().unwrap();
        let mut l = Ledger::open(dir.path(), false).unwrap();
        assert_eq!(l.credited("shopify:1001"), Credited { amount: dec("12.50"), notes: 1 });
        assert!(l.piece_used("AV1001") && l.credit_piece_of("AV1001", "shopify:1001"));
        assert!(!l.credit_piece_of("AV1001", "shopify:1002"));
        assert!(l.piece_taken("AV1001", "shopify:1001"), "the order's invoice, forced again, may not take it");
        assert!(!l.piece_used("AV1002"));
        // A larger refund later: the order's total grows, the notes are counted.
        let c = dir.path().join("c.txt");
        l.stage_credit("shopify:1001", "AV1001A", dec("20.00")).unwrap();
        l.prepare(std::slice::from_ref(&c)).unwrap();
        fs::write(&c, "x").unwrap();
        l.commit().unwrap();
        let l = Ledger::open(dir.path(), false).unwrap();
        assert_eq!(l.credited("shopify:1001"), Credited { amount: dec("20.00"), notes: 2 });
        let text = fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap();
        assert!(text.contains("R\t") && text.contains("\tshopify:1001\tAV1001A\t20.00\n"), "{text}");
    }

    #[test]
    fn a_credit_note_whose_outputs_never_appeared_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        let mut l = Ledger::open(dir.path(), false).unwrap();
        input(&mut l, "woocommerce:7", &a, Some("x"), true);
        l.stage_credit("woocommerce:7", "AV7", dec("5")).unwrap();
        l.prepare(std::slice::from_ref(&b)).unwrap();
        drop(l); // a crash before the rename
        let l = Ledger::open(dir.path(), false).unwrap();
        assert_eq!(l.credited("woocommerce:7"), Credited::default());
        assert!(!l.piece_used("AV7"));
    }

    #[test]
    fn ledgers_of_earlier_versions_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        fs::write(&out, "x").unwrap();
        fs::write(
            dir.path().join(LEDGER_FILE),
            format!("{HEADER}\nP\t1\t{}\nO\t1\tshopify:9\tWEB9\nO\t1\tshopify:10\nC\t1\n", out.display()),
        )
        .unwrap();
        let mut l = Ledger::open(dir.path(), false).unwrap();
        assert!(l.contains("shopify:9") && l.contains("shopify:10"));
        assert_eq!(l.invoice("shopify:9").unwrap(), Some(InvoiceRef { piece: "WEB9".into(), ..Default::default() }));
        assert_eq!(l.invoice("shopify:10").unwrap(), Some(InvoiceRef::default()));
        assert!(l.piece_taken("WEB9", "shopify:10"));
    }

    #[test]
    fn a_dry_run_remembers_its_invoices_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(dir.path(), true).unwrap();
        l.stage_invoice("prestashop:id:5", &invoice("WEB5", "WEB000529")).unwrap();
        l.stage_credit("prestashop:id:5", "AV5", dec("3")).unwrap();
        l.commit().unwrap();
        assert_eq!(l.invoice("prestashop:id:5").unwrap(), Some(invoice("WEB5", "WEB000529")));
        assert_eq!(l.credited("prestashop:id:5").amount, dec("3"));
        assert!(fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing written");
    }

    #[test]
    fn an_order_forced_again_then_failed_keeps_its_first_invoice() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let mut l = Ledger::open(dir.path(), false).unwrap();
        l.stage_invoice("shopify:1", &invoice("WEB1", "SHO000001")).unwrap();
        l.prepare(std::slice::from_ref(&a)).unwrap();
        fs::write(&a, "x").unwrap();
        l.commit().unwrap();
        l.stage_invoice("shopify:1", &invoice("WEB1B", "SHO000009")).unwrap();
        assert_eq!(l.invoice("shopify:1").unwrap().unwrap().piece, "WEB1B");
        l.abort().unwrap();
        assert_eq!(l.invoice("shopify:1").unwrap(), Some(invoice("WEB1", "SHO000001")));
        assert!(l.contains("shopify:1"));
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
        fs::write(&p, format!("{HEADER}\nP\t1\tx\nR\t1\tshopify:9\tAV9\tdouze\n")).unwrap();
        assert!(matches!(Ledger::open(dir.path(), false), Err(StateError::Damaged { .. })));
    }
}
