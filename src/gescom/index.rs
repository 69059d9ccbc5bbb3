//! The client list as an index: by code, SIRET, e-mail (the client's and its contacts') and
//! VAT number, keys normalised the same way on both sides. Invalid SIRET and VAT numbers are
//! noted and left out of the index. For a Format Sage export, each client also knows where its
//! block of records sits in the file, so an update can re-emit it whole.

use crate::text::QuickTrim;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::path::PathBuf;

pub use super::keys::{norm_code, norm_email, norm_siret, norm_vat};
use super::keys::{
    norm_code_cow, norm_code_into, norm_email_into, norm_siret_into, norm_vat_into, siret_problem_of, vat_problem_of,
};

/// One delivery address of a client (#CCDL of an export), as readers build it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    pub intitule: String,
    /// `address_key` of the address.
    pub key: String,
}

/// One client of the dossier, as a reader builds it. The index stores it compactly (see
/// `ClientIndex`) and hands out `ClientRef` views.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub code: String,
    pub intitule: String,
    pub siret: String,
    pub email: String,
    pub vat: String,
    /// E-mails of the client's contacts (#MCTT), also matching keys.
    pub contact_emails: Vec<String>,
    /// #CCLI fields kept for this client: (1-based position, value in Format Sage form). Only
    /// the template and the single account keep them.
    pub fields: Vec<(u16, String)>,
    /// `address_key` of the billing address, when the list carries addresses.
    pub address_key: Option<String>,
    pub deliveries: Vec<Delivery>,
    /// Catégorie comptable (#CCLI 32) and compte collectif (#CCLI 3), when the list carries
    /// them: documents of this client need them.
    pub cat_compta: Option<String>,
    pub collective: Option<String>,
    /// Line of the client in the list (CSV line, spreadsheet row, or #CCLI tag line).
    pub line: u64,
    /// Byte range of the client's block (#CCLI and children) in a Format Sage export.
    pub block: Option<(u64, u64)>,
}

/// A client as a reader hands it to `ClientIndex::add`, borrowed from the reader's buffers
/// (the fields of `Client`, but the kept ones).
#[derive(Debug, Clone, Copy)]
pub struct NewClient<'a> {
    pub code: &'a str,
    pub intitule: &'a str,
    pub siret: &'a str,
    pub email: &'a str,
    pub vat: &'a str,
    pub contact_emails: &'a [String],
    pub address_key: Option<&'a str>,
    pub deliveries: &'a [Delivery],
    pub cat_compta: Option<&'a str>,
    pub collective: Option<&'a str>,
    pub line: u64,
    pub block: Option<(u64, u64)>,
}

/// Hash of an address key or matching key: the index keeps 8 bytes, not the text.
pub fn key_hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// Addresses compared without case, accents, punctuation or spacing.
pub fn address_key(parts: &[&str]) -> String {
    let mut out = String::with_capacity(64);
    for (n, p) in parts.iter().enumerate() {
        push_key_part(&mut out, n, p);
    }
    out
}

/// Appends part `n` of an address key (see `address_key`). The street line and its
/// complement (parts 0 and 1) run together: a line cut at 35 characters and continued in
/// Complément is the same address as the uncut shop line.
pub fn push_key_part(out: &mut String, n: usize, p: &str) {
    // Runs of ASCII through the table, each other character on its own: "rue de l’Église" is
    // two runs and two characters.
    let mut rest = p;
    while !rest.is_empty() {
        let run = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        push_ascii_key_part(out, &rest[..run]);
        let mut chars = rest[run..].chars();
        if let Some(c) = chars.next() {
            push_key_char(out, c);
        }
        rest = chars.as_str();
    }
    if n != 0 {
        out.push('|');
    }
}

/// An ASCII part: its letters and digits, uppercased, byte by byte. What
/// `push_any_key_part` gives (a test compares them) at a fraction of the cost: most parts
/// are ASCII, and every order of a known client makes its address's key. Each byte is looked
/// up (`ASCII_KEY`) and kept or not without a branch, sixty-four at a time on the stack.
fn push_ascii_key_part(out: &mut String, p: &str) {
    let mut kept = [0u8; 64];
    for chunk in p.as_bytes().chunks(kept.len()) {
        let mut n = 0;
        for &b in chunk {
            let k = ASCII_KEY[usize::from(b)];
            // `n` is at most the byte's index in the chunk: the mask never changes it.
            kept[n & 63] = k;
            n += usize::from(k != 0);
        }
        // SAFETY: the table gives only bytes below 0x80, each a character of its own.
        out.push_str(unsafe { std::str::from_utf8_unchecked(&kept[..n]) });
    }
}

/// What an ASCII byte becomes in an address key: letters uppercased, digits as they are,
/// anything else 0 (dropped).
const ASCII_KEY: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_uppercase();
        }
        b += 1;
    }
    t
};

/// A character of a key part: accents removed, then letters and digits kept, uppercased,
/// with nothing allocated (every address of the list and of the orders goes through it).
fn push_key_char(out: &mut String, c: char) {
    crate::text::unaccented(c, |c: char| {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_uppercase());
            }
        } else if c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        }
    });
}

/// A part a character at a time (`push_key_char`): what the ASCII runs' table is tested
/// against.
#[cfg(test)]
fn push_any_key_part(out: &mut String, p: &str) {
    for c in p.chars() {
        push_key_char(out, c);
    }
}

/// Where the index came from and how it was read.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub path: String,
    pub file: PathBuf,
    /// "csv", "xlsx" or "format sage".
    pub format: String,
    pub encoding: String,
    pub delimiter: String,
    /// (header, #CCLI field name) for every recognised column.
    pub columns: Vec<(String, String)>,
    /// Headers not used.
    pub ignored: Vec<String>,
}

/// What a Format Sage export held, compared with the layout passerelle writes.
#[derive(Debug, Clone, Default)]
pub struct ExportInfo {
    pub version: u32,
    /// Tag → (records, fewest lines, most lines).
    pub histogram: BTreeMap<String, (usize, usize, usize)>,
    /// Differences with the layout passerelle writes, in words.
    pub mismatches: Vec<String>,
    /// Records may be re-emitted (updates) only when the export's layout is the one written.
    pub updatable: bool,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct InvalidCounts {
    pub siret: usize,
    pub vat: usize,
    pub codes: usize,
}

/// Text fields of a stored client, in this order: `spans[id * TEXTS + n]`.
const CODE: usize = 0;
const INTITULE: usize = 1;
const SIRET: usize = 2;
const EMAIL: usize = 3;
const VAT: usize = 4;
const CAT: usize = 5;
const COLLECTIVE: usize = 6;
const TEXTS: usize = 7;

/// No block: an offset no file reaches.
const NO_BLOCK: (u64, u32) = (u64::MAX, 0);

/// A multi-map from a key's hash to client ids: no string per key. Lookups compare the real
/// values, so a hash collision cannot pair wrong clients. While a list is read, entries go to a
/// hash map chained through two flat vectors (a code must be found while the next ones are
/// added); once it is read (`freeze`), they sit in two vectors grouped by bucket (some bits of
/// the hash) and a table of where each bucket starts: 14 to 16 bytes an entry instead of some
/// 30, a lookup one or two entries read.
#[derive(Debug, Default)]
struct HashIndex {
    /// Frozen entries, grouped by bucket.
    hashes: Vec<u64>,
    ids: Vec<u32>,
    /// Where each bucket's entries start in `hashes` (one more at the end: their count).
    starts: Vec<u32>,
    /// 64 - the bits of a bucket number.
    shift: u32,
    /// Entries added since: hash → newest entry, and for each entry its hash, its client id
    /// and the previous entry of the same hash.
    heads: HashMap<u64, u32>,
    recent_hashes: Vec<u64>,
    recent: Vec<u32>,
    next: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl HashIndex {
    fn insert(&mut self, hash: u64, id: u32) {
        let e = self.recent.len() as u32;
        let prev = self.heads.insert(hash, e).unwrap_or(NONE);
        self.recent_hashes.push(hash);
        self.recent.push(id);
        self.next.push(prev);
    }

    /// The ids under `hash`, in no particular order.
    fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let mut e = self.heads.get(&hash).copied().unwrap_or(NONE);
        let recent = std::iter::from_fn(move || {
            if e == NONE {
                return None;
            }
            let id = self.recent[e as usize];
            e = self.next[e as usize];
            Some(id)
        });
        let (start, end) = match self.hashes.is_empty() {
            true => (0, 0),
            false => {
                let b = self.bucket(hash);
                (self.starts[b] as usize, self.starts[b + 1] as usize)
            }
        };
        let frozen = (start..end).filter(move |&e| self.hashes[e] == hash).map(|e| self.ids[e]);
        recent.chain(frozen)
    }

    /// The bucket of `hash`: the top bits of its product with an odd constant (Fibonacci
    /// hashing), so that every bit of the hash counts.
    fn bucket(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Every hash held (once each).
    fn hashes(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.hashes.iter().chain(self.heads.keys()).copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Moves every entry into the vectors grouped by bucket (a counting sort: two passes) and
    /// frees the map.
    fn freeze(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        // The map is not needed to place the entries: freed first, so that the load's peak
        // holds it or the new vectors, not both.
        self.heads = HashMap::default();
        self.next = Vec::new();
        let n = self.hashes.len() + self.recent.len();
        // One or two entries per bucket: 2^floor(log2(n)) buckets.
        let bits = (usize::BITS - 1 - n.leading_zeros()).max(1);
        let mut frozen = HashIndex { shift: 64 - bits, ..Default::default() };
        let entries = || self.hashes.iter().zip(&self.ids).chain(self.recent_hashes.iter().zip(&self.recent));
        let starts = crate::spill::bucket_starts(entries().map(|(&h, _)| frozen.bucket(h)), 1 << bits);
        let mut fill = starts.clone();
        let (mut hashes, mut ids) = (vec![0u64; n], vec![0u32; n]);
        for (&h, &id) in entries() {
            let b = frozen.bucket(h);
            let at = fill[b] as usize;
            fill[b] += 1;
            (hashes[at], ids[at]) = (h, id);
        }
        (frozen.starts, frozen.hashes, frozen.ids) = (starts, hashes, ids);
        *self = frozen;
    }
}

/// The clients of a list. Compact on purpose: 200,000 clients take tens of megabytes, not
/// hundreds (each client's texts sit in one arena; the key maps hold hashes and ids).
#[derive(Debug, Default)]
pub struct ClientIndex {
    /// Per client, by id: its line in the list, whether it has a billing address and that
    /// address's key hash. Vectors by field rather than a struct per client: a CSV list has
    /// no blocks nor delivery addresses, so those cost nothing there.
    lines: Vec<u32>,
    has_address: Vec<bool>,
    addresses: Vec<u64>,
    /// Byte range (offset, length) of each client's block in a Format Sage export, `NO_BLOCK`
    /// for none; empty until a client has one.
    blocks: Vec<(u64, u32)>,
    /// Where each client's delivery addresses start in `deliveries` (they end where the next
    /// client's start); empty until a client has one.
    delivery_starts: Vec<u32>,
    /// The texts of every client, one after the other: client `i`'s field `n` is
    /// `arena[offs[i * TEXTS + n]..offs[i * TEXTS + n + 1]]` (`offs` ends with the arena's
    /// length). 4 bytes per text.
    arena: String,
    offs: Vec<u32>,
    /// Delivery intitulés, apart (so client texts stay contiguous): (start, len, key hash).
    delivery_text: String,
    deliveries: Vec<(u32, u16, u64)>,
    /// Every field the list carries, for the few clients asked for (template, single account).
    kept: HashMap<u32, Vec<(u16, String)>>,
    by_code: HashIndex,
    by_siret: HashIndex,
    by_email: HashIndex,
    by_vat: HashIndex,
    pub source: Source,
    /// #CCLI positions the list carries (the same for every client).
    pub carried: Vec<u16>,
    /// Problems found while reading (duplicate codes, invalid keys, layout differences...).
    pub notes: Vec<String>,
    pub export: Option<ExportInfo>,
    /// Counts of invalid SIRET and VAT numbers, and of codes Sage would refuse.
    pub invalid: InvalidCounts,
    /// Reused by `add` for normalised codes and keys.
    scratch: [String; 2],
}

/// A client of the index (a view: cheap to copy).
#[derive(Debug, Clone, Copy)]
pub struct ClientRef<'a> {
    ix: &'a ClientIndex,
    id: u32,
}

impl<'a> ClientRef<'a> {
    fn text(&self, n: usize) -> &'a str {
        let i = self.id as usize * TEXTS + n;
        let offs = &self.ix.offs;
        &self.ix.arena[offs[i] as usize..offs[i + 1] as usize]
    }

    /// Its place in the list (0 for the first client).
    pub fn id(&self) -> u32 {
        self.id
    }
    pub fn code(&self) -> &'a str {
        self.text(CODE)
    }
    pub fn intitule(&self) -> &'a str {
        self.text(INTITULE)
    }
    pub fn siret(&self) -> &'a str {
        self.text(SIRET)
    }
    pub fn email(&self) -> &'a str {
        self.text(EMAIL)
    }
    pub fn vat(&self) -> &'a str {
        self.text(VAT)
    }
    pub fn cat_compta(&self) -> Option<&'a str> {
        Some(self.text(CAT)).filter(|s| !s.is_empty())
    }
    pub fn collective(&self) -> Option<&'a str> {
        Some(self.text(COLLECTIVE)).filter(|s| !s.is_empty())
    }
    pub fn line(&self) -> u64 {
        self.ix.lines[self.id as usize] as u64
    }
    /// Byte range of the client's block in a Format Sage export.
    pub fn block(&self) -> Option<(u64, u64)> {
        let b = self.ix.blocks.get(self.id as usize).copied().unwrap_or(NO_BLOCK);
        (b != NO_BLOCK).then_some((b.0, b.1 as u64))
    }
    /// Hash (`key_hash`) of the billing address key, when the list carries addresses.
    pub fn address_hash(&self) -> Option<u64> {
        let i = self.id as usize;
        self.ix.has_address[i].then_some(self.ix.addresses[i])
    }
    /// (intitulé, address key hash) of each delivery address (exports only).
    pub fn deliveries(&self) -> impl Iterator<Item = (&'a str, u64)> + 'a {
        let ix = self.ix;
        let at = |i: usize| ix.delivery_starts.get(i).map_or(ix.deliveries.len(), |&s| s as usize);
        let i = self.id as usize;
        ix.deliveries[at(i)..at(i + 1)]
            .iter()
            .map(move |&(at, len, h)| (&ix.delivery_text[at as usize..at as usize + len as usize], h))
    }
    /// A field kept for this client (template, single account), by 1-based #CCLI position.
    pub fn field(&self, pos: usize) -> Option<&'a str> {
        self.ix.kept.get(&self.id)?.iter().find(|(p, _)| *p as usize == pos).map(|(_, v)| v.as_str())
    }
}

impl ClientIndex {
    pub fn new(source: Source) -> ClientIndex {
        ClientIndex { source, ..Default::default() }
    }

    /// Cuts a text at 65,535 bytes, on a character boundary.
    fn fit(s: &str) -> &str {
        let mut end = s.len().min(u16::MAX as usize);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        &s[..end]
    }

    /// Adds a client; a code already present is reported and the first one kept. Invalid
    /// SIRET and VAT numbers are reported and not indexed.
    pub fn push(&mut self, mut c: Client) {
        self.push_from(&mut c);
    }

    /// `push` of a client its reader keeps (it frees it, on its own thread: a free on another
    /// thread than the allocation's costs more): only its kept fields are taken.
    pub fn push_from(&mut self, c: &mut Client) {
        let fields = std::mem::take(&mut c.fields);
        self.add(
            &NewClient {
                code: &c.code,
                intitule: &c.intitule,
                siret: &c.siret,
                email: &c.email,
                vat: &c.vat,
                contact_emails: &c.contact_emails,
                address_key: c.address_key.as_deref(),
                deliveries: &c.deliveries,
                cat_compta: c.cat_compta.as_deref(),
                collective: c.collective.as_deref(),
                line: c.line,
                block: c.block,
            },
            fields,
        );
    }

    /// `push` of a client borrowed from a reader's buffers (no text is copied but into the
    /// index); `fields` are the kept #CCLI fields (template, single account), usually none.
    pub fn add(&mut self, c: &NewClient, fields: Vec<(u16, String)>) {
        // Scratch buffers, reused from one client to the next (200,000 of them).
        let mut code = std::mem::take(&mut self.scratch[0]);
        let mut key = std::mem::take(&mut self.scratch[1]);
        self.add_with(c, fields, &mut code, &mut key);
        self.scratch = [code, key];
    }

    fn add_with(&mut self, c: &NewClient, fields: Vec<(u16, String)>, code: &mut String, key: &mut String) {
        norm_code_into(c.code, code);
        let code = code.as_str();
        if code.is_empty() {
            self.notes.push(format!("line {}: a client without code is ignored", c.line));
            return;
        }
        if let Some(why) = super::keys::code_problem(code) {
            self.invalid.codes += 1;
            self.notes.push(format!("line {}: client code {why}", c.line));
        }
        // `by_code` normalises again: the same code, but for letters whose uppercase is not
        // one character.
        let code_hash = key_hash(code);
        let first = if code.is_ascii() {
            self.by_code.get(code_hash).map(|id| self.get(id)).find(|c| c.code() == code)
        } else {
            self.by_code(code)
        };
        if let Some(first) = first {
            self.notes.push(format!(
                "line {}: code {code} already at line {}; the first is used",
                c.line,
                first.line()
            ));
            return;
        }
        let id = self.lines.len() as u32;
        let siret_hash = if c.siret.quick_trim().is_empty() {
            None
        } else {
            norm_siret_into(c.siret, key);
            match siret_problem_of(c.siret, key) {
                None => Some(key_hash(key)),
                Some(why) => {
                    self.invalid.siret += 1;
                    self.notes.push(format!("line {}, client {code}: SIRET {why}; not used to match", c.line));
                    None
                }
            }
        };
        let vat_hash = if c.vat.quick_trim().is_empty() {
            None
        } else {
            norm_vat_into(c.vat, key);
            match vat_problem_of(c.vat, key) {
                None => Some(key_hash(key)),
                Some(why) => {
                    self.invalid.vat += 1;
                    self.notes.push(format!("line {}, client {code}: VAT number {why}; not used to match", c.line));
                    None
                }
            }
        };
        let cat = c.cat_compta.unwrap_or_default();
        let coll = c.collective.unwrap_or_default();
        if self.offs.is_empty() {
            self.offs.push(0);
        }
        // The last offset is the end of the previous client: it becomes this client's start.
        for t in [code, c.intitule, c.siret, c.email, c.vat, cat, coll] {
            self.arena.push_str(Self::fit(t));
            self.offs.push(self.arena.len() as u32);
        }
        if !c.deliveries.is_empty() && self.delivery_starts.is_empty() {
            // The first client with delivery addresses: those before it had none.
            self.delivery_starts.resize(id as usize, 0);
        }
        if !self.delivery_starts.is_empty() {
            self.delivery_starts.push(self.deliveries.len() as u32);
        }
        for d in c.deliveries {
            let t = Self::fit(&d.intitule);
            let at = self.delivery_text.len() as u32;
            self.delivery_text.push_str(t);
            self.deliveries.push((at, t.len() as u16, key_hash(&d.key)));
        }
        self.lines.push(c.line.min(u32::MAX as u64) as u32);
        self.has_address.push(c.address_key.is_some());
        self.addresses.push(c.address_key.map(key_hash).unwrap_or(0));
        if let Some((o, l)) = c.block {
            self.blocks.resize(id as usize, NO_BLOCK);
            self.blocks.push((o, l.min(u32::MAX as u64) as u32));
        } else if !self.blocks.is_empty() {
            self.blocks.push(NO_BLOCK);
        }
        self.by_code.insert(code_hash, id);
        if let Some(h) = siret_hash {
            self.by_siret.insert(h, id);
        }
        if c.contact_emails.is_empty() {
            // Nearly every client: one e-mail, no list to sort.
            norm_email_into(c.email, key);
            if key.contains('@') {
                self.by_email.insert(key_hash(key), id);
            }
        } else {
            let mut emails: Vec<String> = std::iter::once(c.email)
                .chain(c.contact_emails.iter().map(String::as_str))
                .map(norm_email)
                .filter(|e| e.contains('@'))
                .collect();
            emails.sort();
            emails.dedup();
            for e in emails {
                self.by_email.insert(key_hash(&e), id);
            }
        }
        if let Some(h) = vat_hash {
            self.by_vat.insert(h, id);
        }
        if !fields.is_empty() {
            self.kept.insert(id, fields);
        }
    }

    /// Once the list is read: the key maps into their compact form, and the spare capacity of
    /// the growing vectors given back.
    pub fn shrink(&mut self) {
        self.lines.shrink_to_fit();
        self.has_address.shrink_to_fit();
        self.addresses.shrink_to_fit();
        self.blocks.shrink_to_fit();
        self.delivery_starts.shrink_to_fit();
        self.arena.shrink_to_fit();
        self.offs.shrink_to_fit();
        self.delivery_text.shrink_to_fit();
        self.deliveries.shrink_to_fit();
        for m in [&mut self.by_code, &mut self.by_siret, &mut self.by_email, &mut self.by_vat] {
            m.freeze();
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The client at `id` (`ClientRef::id`).
    pub fn get(&self, id: u32) -> ClientRef<'_> {
        ClientRef { ix: self, id }
    }

    pub fn clients(&self) -> impl Iterator<Item = ClientRef<'_>> + '_ {
        (0..self.lines.len() as u32).map(|id| self.get(id))
    }

    pub fn by_code(&self, code: &str) -> Option<ClientRef<'_>> {
        // Called several times per order, mostly with a code already in its form: no copy then.
        let code = norm_code_cow(code);
        self.by_code.get(key_hash(&code)).map(|id| self.get(id)).find(|c| c.code() == code)
    }

    pub fn by_siret(&self, siret: &str) -> Vec<ClientRef<'_>> {
        let k = norm_siret(siret);
        self.lookup(&self.by_siret, &k, |c| norm_siret(c.siret()) == k)
    }

    pub fn by_email(&self, email: &str) -> Vec<ClientRef<'_>> {
        self.by_norm_email(&norm_email(email))
    }

    /// `by_email` of an e-mail normalised already (`keys::norm_email`).
    pub fn by_norm_email(&self, email: &str) -> Vec<ClientRef<'_>> {
        // A contact's e-mail is indexed but not stored: a hash hit on another client's
        // e-mail is taken as a contact match (64-bit hashes: a collision is negligible).
        self.lookup(&self.by_email, email, |_| true)
    }

    pub fn by_vat(&self, vat: &str) -> Vec<ClientRef<'_>> {
        let k = norm_vat(vat);
        self.lookup(&self.by_vat, &k, |c| norm_vat(c.vat()) == k)
    }

    fn lookup<'a>(&'a self, map: &HashIndex, key: &str, same: impl Fn(&ClientRef) -> bool) -> Vec<ClientRef<'a>> {
        if key.is_empty() {
            return Vec::new();
        }
        let mut ids: Vec<u32> = map.get(key_hash(key)).collect();
        // In list order.
        ids.sort_unstable();
        ids.into_iter().map(|id| self.get(id)).filter(|c| same(c)).collect()
    }

    /// Keys held by several clients: (kind, key, codes).
    pub fn conflicts(&self) -> Vec<(&'static str, String, Vec<String>)> {
        let mut out = Vec::new();
        for (kind, map) in [("siret", &self.by_siret), ("email", &self.by_email), ("vat", &self.by_vat)] {
            let mut v: Vec<_> = map
                .hashes()
                .into_iter()
                .filter_map(|h| {
                    let mut ids: Vec<u32> = map.get(h).collect();
                    if ids.len() < 2 {
                        return None;
                    }
                    ids.sort_unstable();
                    let first = self.get(ids[0]);
                    let key = match kind {
                        "siret" => norm_siret(first.siret()),
                        "vat" => norm_vat(first.vat()),
                        _ => norm_email(first.email()),
                    };
                    Some((kind, key, ids.iter().map(|&i| self.get(i).code().to_string()).collect()))
                })
                .collect();
            v.sort();
            out.extend(v);
        }
        out
    }

    /// Clients with a SIRET, an e-mail, a VAT number.
    pub fn count_with(&self) -> (usize, usize, usize) {
        let n = |f: fn(&ClientRef) -> bool| self.clients().filter(|c| f(c)).count();
        (
            n(|c| !c.siret().quick_trim().is_empty()),
            n(|c| !c.email().quick_trim().is_empty()),
            n(|c| !c.vat().quick_trim().is_empty()),
        )
    }

    /// Can an existing client be rewritten from this list? Only from a Format Sage export of
    /// the layout passerelle writes: Sage blanks every field an update leaves empty.
    pub fn update_refusal(&self) -> Option<String> {
        match &self.export {
            None => Some(format!(
                "the client list ({} file) does not hold the complete client record; Sage blanks every field an update leaves empty, so existing clients are never rewritten from it. Export the clients from Gestion Commerciale in Format Sage (Fichier > Exporter > Format Sage) and name that file in [clients] file to allow updates",
                self.source.format.to_uppercase()
            )),
            Some(e) if !e.updatable => Some(format!(
                "the Format Sage export does not match the layout passerelle writes ({}): records cannot be re-emitted safely",
                e.mismatches.join("; ")
            )),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Folding character by character gives what folding the whole text gives: accents
        /// removed from the text, then its letters and digits uppercased.
        #[test]
        fn a_key_part_is_the_folded_text(p in "[ a-zA-Z0-9éèÉçÇœŒæßøłđ’'ÿİıǅ\\-]{0,40}", n in 0usize..3) {
            let mut key = String::from("X|");
            push_key_part(&mut key, n, &p);
            let t = crate::text::remove_accents(&p);
            let folded: String = t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
            let want = format!("X|{folded}{}", if n == 0 { "" } else { "|" });
            proptest::prop_assert_eq!(key, want);
        }

        /// An ASCII part, read byte by byte, is what reading it character by character gives,
        /// over several of its 64-byte chunks too.
        #[test]
        fn an_ascii_key_part_is_read_as_any_other(p in "[\\x00-\\x7f]{0,150}") {
            let (mut fast, mut any) = (String::from("X|"), String::from("X|"));
            push_ascii_key_part(&mut fast, &p);
            push_any_key_part(&mut any, &p);
            proptest::prop_assert_eq!(fast, any);
        }
    }

    fn client(code: &str, siret: &str, email: &str, vat: &str) -> Client {
        Client { code: code.into(), siret: siret.into(), email: email.into(), vat: vat.into(), ..Default::default() }
    }

    #[test]
    fn keys_are_normalised_on_both_sides() {
        let mut ix = ClientIndex::default();
        ix.push(client("dupont", "628 194 821 00037", " Marie.Dupont@Exemple.fr ", "fr 90.628.194.821"));
        assert_eq!(ix.by_code("DUPONT").unwrap().code(), "DUPONT");
        assert_eq!(ix.by_siret("62819482100037").len(), 1);
        assert_eq!(ix.by_email("marie.dupont@exemple.fr").len(), 1);
        assert_eq!(ix.by_vat("FR90628194821").len(), 1);
        assert!(ix.by_email("").is_empty());
    }

    #[test]
    fn invalid_keys_are_noted_and_not_indexed() {
        let mut ix = ClientIndex::default();
        ix.push(client("A", "62819482100038", "", "FR91628194821"));
        assert!(ix.by_siret("62819482100038").is_empty());
        assert!(ix.by_vat("FR91628194821").is_empty());
        assert_eq!((ix.invalid.siret, ix.invalid.vat), (1, 1));
        assert_eq!(ix.notes.len(), 2);
    }

    #[test]
    fn duplicates_are_kept_apart() {
        let mut ix = ClientIndex::default();
        ix.push(client("A", "", "compta@exemple.fr", ""));
        ix.push(client("B", "", "COMPTA@exemple.fr", ""));
        ix.push(client("a", "", "", ""));
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.notes.len(), 1);
        assert_eq!(ix.by_email("compta@exemple.fr").len(), 2);
        assert_eq!(ix.conflicts().len(), 1);
    }

    #[test]
    fn lookups_are_the_same_once_the_maps_are_frozen() {
        let mut ix = ClientIndex::default();
        let mut c = client("A", "62819482100037", "compta@exemple.fr", "");
        c.block = Some((10, 20));
        ix.push(c);
        ix.push(client("B", "", "compta@exemple.fr", ""));
        let mut c = client("C", "", "", "");
        c.address_key = Some(address_key(&["1 rue Haute", "69003", "Lyon"]));
        c.deliveries = vec![Delivery { intitule: "Chez C".into(), key: "K1".into() }];
        ix.push(c);
        ix.shrink();
        // After the freeze: more clients, into the map again; a duplicate code still caught.
        ix.push(client("D", "", "COMPTA@exemple.fr", ""));
        ix.push(client("a", "", "", ""));
        ix.push(client("E", "62819482100037", "", ""));
        assert_eq!(ix.len(), 5);
        assert_eq!(ix.notes.len(), 1, "{:?}", ix.notes);
        let codes = |v: Vec<ClientRef>| v.iter().map(|c| c.code().to_string()).collect::<Vec<_>>();
        assert_eq!(codes(ix.by_email("compta@exemple.fr")), ["A", "B", "D"], "in list order");
        assert_eq!(codes(ix.by_siret("62819482100037")), ["A", "E"]);
        assert_eq!(ix.by_code("c").unwrap().code(), "C");
        assert!(ix.by_code("F").is_none());
        let conflicts = ix.conflicts();
        assert_eq!(conflicts.len(), 2, "{conflicts:?}");
        assert_eq!(conflicts[1].2, ["A", "B", "D"]);
        ix.shrink();
        assert_eq!(codes(ix.by_email("compta@exemple.fr")), ["A", "B", "D"]);
        assert_eq!(ix.conflicts(), conflicts);
        let [a, b, c, d] = ["A", "B", "C", "D"].map(|k| ix.by_code(k).unwrap());
        assert_eq!((a.block(), b.block(), c.block(), d.block()), (Some((10, 20)), None, None, None));
        assert_eq!(c.address_hash(), Some(key_hash(&address_key(&["1 rue Haute", "69003", "Lyon"]))));
        assert_eq!(a.address_hash(), None);
        assert_eq!(c.deliveries().collect::<Vec<_>>(), [("Chez C", key_hash("K1"))]);
        assert_eq!((a.deliveries().count(), d.deliveries().count()), (0, 0));
        assert_eq!((a.line(), d.line()), (0, 0));

        let mut many = ClientIndex::default();
        for i in 0..5000 {
            many.push(client(&format!("C{i}"), "", &format!("c{}@exemple.fr", i % 2500), ""));
        }
        many.shrink();
        for i in (0..5000).step_by(7) {
            assert_eq!(many.by_code(&format!("c{i}")).unwrap().code(), format!("C{i}"));
            let j = i % 2500;
            assert_eq!(codes(many.by_email(&format!("c{j}@exemple.fr"))), [format!("C{j}"), format!("C{}", j + 2500)]);
        }
        assert!(many.by_code("C5000").is_none());
        assert_eq!(many.conflicts().len(), 2500);
    }

    #[test]
    fn contact_emails_find_their_client() {
        let mut ix = ClientIndex::default();
        let mut c = client("DUPONT", "", "contact@dupont.fr", "");
        c.contact_emails = vec!["Paul.Dupont@dupont.fr".into()];
        ix.push(c);
        assert_eq!(ix.by_email("paul.dupont@dupont.fr")[0].code(), "DUPONT");
    }

    #[test]
    fn address_keys_ignore_case_accents_and_punctuation() {
        assert_eq!(
            address_key(&["12, rue de l'Église", "69003", "Lyon"]),
            address_key(&["12 RUE DE L EGLISE", "69003", "LYON"])
        );
        assert_ne!(address_key(&["12 rue", "69003"]), address_key(&["12 rue", "69004"]));
        assert_eq!(
            address_key(&["145 boulevard du Maréchal-de-Lattre-de-Tassigny", "", "44000", "Nantes", "France"]),
            address_key(&["145 BOULEVARD DU", "MARECHAL-DE-LATTRE-DE-TASSIGNY", "44000", "NANTES", "FRANCE"]),
            "a line continued in Complément is the same address"
        );
        assert_ne!(address_key(&["12 rue", "", "69003"]), address_key(&["12 rue", "69003", ""]));
    }
}
