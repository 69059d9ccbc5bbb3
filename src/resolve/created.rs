//! The clients a run created: what their later orders need (code, card address, delivery
//! addresses, shared settings). A run may create hundreds of thousands of clients, so they
//! are kept as fixed-size records (clients, delivery addresses) and text (codes, intitulés)
//! in three `Log`s: the newest in memory, the others in anonymous temporary files (in the
//! state folder, a dry run's in the system's temporary folder), found by code through a
//! `SpillMap` (a code not created seldom reads the disk), the code's text compared so that
//! two codes of the same hash never answer each other. Every record carries a checksum, and
//! the text it points to one too: a damaged or unreadable temporary file is an error kept
//! (`error`: the caller fails the input and the next ones), never "not created" (which could
//! give a code twice).
//!
//! An input that fails is undone with `begin` / `rollback`: what it added sits at the end of
//! every list, so undoing is cutting them back (and restoring the delivery chains it touched).

use std::cell::{Cell, RefCell};
use std::io;

use rustc_hash::FxHashMap;

use crate::spill::{FirstError, Log, SpillMap, SpillTo, hash_text, sum32, u32_at, u64_at};

/// Catégorie comptable, compte collectif, representative (nom, prénom).
pub type Shared = (Option<String>, Option<String>, (String, String));

/// (intitulé, address hash) of a client's delivery addresses, newest first.
type Addresses = Vec<(String, u64)>;

/// What `shared` answers when the record cannot be read (the error is kept).
static NO_SHARED: Shared = (None, None, (String::new(), String::new()));

const NONE: u32 = u32::MAX;
/// The delivery address kept inside its client's record: the one it was created with (most
/// clients have only that one, read with the client).
const FIRST: u32 = u32::MAX - 1;
/// What the code map answers when it cannot read its runs (the error is kept there).
const UNREADABLE: u64 = u64::MAX;

/// Bytes of a client record and of a delivery address record (a code, and most intitulés,
/// fit inside).
const RECORD: usize = 64;

/// Records and text kept in memory before they go to the temporary files: some 16,000 of
/// the newest clients and addresses (an order's customer is most often a recent one).
#[cfg(not(test))]
const TAIL: usize = 16_384 * 2 * RECORD;
#[cfg(not(test))]
const TEXT_TAIL: usize = 512 * 1024;
/// Tests send them to the files after two or three, so that every test goes through the disk.
#[cfg(test)]
const TAIL: usize = 2 * RECORD;
#[cfg(test)]
const TEXT_TAIL: usize = 24;

/// A record: two numbers of 4 bytes and one of 8 (what they are depends on the list), its
/// text (inline when it fits, else in `text`), a checksum over it all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rec {
    /// Client: card's address hash, catégorie etc. (`shared`), newest delivery address.
    /// Delivery address: address hash, client, previous address of the same client.
    a: u64,
    b: u32,
    c: u32,
    raw: [u8; RECORD],
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("temporary file of the clients created is damaged ({what})"))
}

// Bytes of a record: a (8), b (4), c (4), text length (4), text checksum (4), the text
// inline (up to `INLINE` bytes) or where it is in `text` (8), the record's checksum (4).
const TEXT_LEN: usize = 16;
const TEXT_SUM: usize = 20;
const TEXT: usize = 24;
const INLINE: usize = RECORD - 4 - TEXT;

fn seal(r: &mut [u8; RECORD]) {
    let sum = sum32(&r[..RECORD - 4]);
    r[RECORD - 4..].copy_from_slice(&sum.to_le_bytes());
}

fn open(raw: [u8; RECORD]) -> io::Result<Rec> {
    if sum32(&raw[..RECORD - 4]) != u32_at(&raw, RECORD - 4) {
        return Err(damaged("checksum"));
    }
    let len = u32_at(&raw, TEXT_LEN) as usize;
    if len <= INLINE && std::str::from_utf8(&raw[TEXT..TEXT + len]).is_err() {
        return Err(damaged("text"));
    }
    Ok(Rec { a: u64_at(&raw, 0), b: u32_at(&raw, 8), c: u32_at(&raw, 12), raw })
}

impl Rec {
    fn with_c(mut self, c: u32) -> Rec {
        self.c = c;
        self.raw[12..16].copy_from_slice(&c.to_le_bytes());
        seal(&mut self.raw);
        self
    }

    /// The text when inline.
    fn inline(&self) -> Option<&str> {
        let len = u32_at(&self.raw, TEXT_LEN) as usize;
        // Checked by `open`.
        (len <= INLINE).then(|| std::str::from_utf8(&self.raw[TEXT..TEXT + len]).unwrap_or_default())
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    text: u64,
    clients: u32,
    deliveries: u32,
}

#[derive(Debug)]
pub struct CreatedClients {
    text: Log,
    clients: Log,
    deliveries: Log,
    n_clients: u32,
    n_deliveries: u32,
    /// Code's hash → client id; a code whose hash another holds goes to `collided`.
    by_code: SpillMap<u64>,
    collided: FxHashMap<Box<str>, u32>,
    /// What created clients share (the same for all but a few), each distinct one kept once.
    shared: Vec<Shared>,
    shared_ids: FxHashMap<Shared, u32>,
    mark: Mark,
    /// The code looked up last and its client, or `None` when no client of this run has
    /// it: one order asks for the same code several times (one of the client list's as often,
    /// each asking a cache miss of the code map's memory and of its runs' filters). Set by
    /// `insert`, forgotten at a rollback.
    last: RefCell<Option<(Box<str>, Option<u32>)>>,
    /// The client record read or written last, and its first delivery address.
    last_client: Cell<Option<(u32, Rec, Rec)>>,
    /// The delivery addresses of the client asked last (an order asks two or three times).
    last_deliveries: RefCell<Option<(u32, Addresses)>>,
    /// The first read or write of the temporary files that failed.
    error: FirstError,
}

impl Default for CreatedClients {
    fn default() -> Self {
        CreatedClients::new_in(SpillTo::Temp)
    }
}

impl CreatedClients {
    /// No client yet; the temporary files will go `to`.
    pub fn new_in(to: SpillTo) -> Self {
        CreatedClients {
            text: Log::new(to.clone(), TEXT_TAIL),
            clients: Log::new(to.clone(), TAIL),
            deliveries: Log::new(to.clone(), TAIL),
            n_clients: 0,
            n_deliveries: 0,
            by_code: SpillMap::new(to, UNREADABLE),
            collided: FxHashMap::default(),
            shared: Vec::new(),
            shared_ids: FxHashMap::default(),
            mark: Mark::default(),
            last: RefCell::new(None),
            last_client: Cell::new(None),
            last_deliveries: RefCell::new(None),
            error: FirstError::default(),
        }
    }

    /// The first read or write of the temporary files that failed: after it a lookup may
    /// have answered "not created" wrongly, so the current input and every later one fail.
    pub fn error(&self) -> Option<io::Error> {
        self.error
            .get()
            .or_else(|| self.by_code.error())
            .map(|e| io::Error::new(e.kind(), format!("temporary file of the clients created: {e}")))
    }

    fn failed<T>(&self, r: io::Result<T>) -> Option<T> {
        self.error.keep(r)
    }

    /// A new record holding `text`.
    fn rec(&mut self, a: u64, b: u32, c: u32, text: &str) -> Rec {
        let mut raw = [0u8; RECORD];
        raw[0..8].copy_from_slice(&a.to_le_bytes());
        raw[8..12].copy_from_slice(&b.to_le_bytes());
        raw[12..16].copy_from_slice(&c.to_le_bytes());
        raw[TEXT_LEN..TEXT_LEN + 4].copy_from_slice(&(text.len() as u32).to_le_bytes());
        raw[TEXT_SUM..TEXT_SUM + 4].copy_from_slice(&sum32(text.as_bytes()).to_le_bytes());
        if text.len() <= INLINE {
            raw[TEXT..TEXT + text.len()].copy_from_slice(text.as_bytes());
        } else {
            let (at, r) = self.text.append(text.as_bytes());
            self.failed(r);
            raw[TEXT..TEXT + 8].copy_from_slice(&at.to_le_bytes());
        }
        seal(&mut raw);
        Rec { a, b, c, raw }
    }

    /// The text of record `r`, checked.
    fn text_of(&self, r: &Rec) -> Option<String> {
        if let Some(s) = r.inline() {
            return Some(s.to_string());
        }
        let (len, at) = (u32_at(&r.raw, TEXT_LEN) as usize, u64_at(&r.raw, TEXT));
        let mut b = vec![0u8; len];
        let t = self.text.read(at, &mut b).and_then(|()| {
            if sum32(&b) != u32_at(&r.raw, TEXT_SUM) {
                return Err(damaged("text"));
            }
            String::from_utf8(b).map_err(|_| damaged("text"))
        });
        self.failed(t)
    }

    /// Whether record `r` holds `s`; `None` when its text cannot be read.
    fn holds(&self, r: &Rec, s: &str) -> Option<bool> {
        match r.inline() {
            Some(t) => Some(t == s),
            None => Some(self.text_of(r)? == s),
        }
    }

    /// Client `id` and the delivery address inside its record.
    fn client(&self, id: u32) -> Option<Rec> {
        self.client_and_first(id).map(|(c, _)| c)
    }

    fn client_and_first(&self, id: u32) -> Option<(Rec, Rec)> {
        if let Some((i, c, d)) = self.last_client.get()
            && i == id
        {
            return Some((c, d));
        }
        if id >= self.n_clients {
            self.failed::<()>(Err(damaged("client id")));
            return None;
        }
        let mut raw = [0u8; 2 * RECORD];
        let r = self.clients.read(id as u64 * 2 * RECORD as u64, &mut raw).and_then(|()| {
            let (c, d) = raw.split_at(RECORD);
            Ok((open(c.try_into().expect("a record"))?, open(d.try_into().expect("a record"))?))
        });
        let (c, d) = self.failed(r)?;
        self.last_client.set(Some((id, c, d)));
        Some((c, d))
    }

    /// Rewrites client `id` (not its first delivery address).
    fn put_client(&mut self, id: u32, c: Rec) {
        let Some((_, d)) = self.client_and_first(id) else { return };
        let w = self.clients.write(id as u64 * 2 * RECORD as u64, &c.raw);
        self.failed(w);
        self.last_client.set(Some((id, c, d)));
    }

    fn delivery(&self, i: u32) -> Option<Rec> {
        if i >= self.n_deliveries {
            self.failed::<()>(Err(damaged("delivery address index")));
            return None;
        }
        let mut raw = [0u8; RECORD];
        let d = self.deliveries.read(i as u64 * RECORD as u64, &mut raw).and_then(|()| open(raw));
        self.failed(d)
    }

    /// The id of the client created with `code`.
    pub fn id(&self, code: &str) -> Option<u32> {
        if let Some((c, i)) = &*self.last.borrow()
            && **c == *code
        {
            return *i;
        }
        let found = self.find(code);
        *self.last.borrow_mut() = Some((code.into(), found));
        found
    }

    fn find(&self, code: &str) -> Option<u32> {
        if let Some(v) = self.by_code.get(&hash_text(code)) {
            if v == UNREADABLE {
                return None;
            }
            let c = self.client(v as u32)?;
            if self.holds(&c, code)? {
                return Some(v as u32);
            }
        }
        if self.collided.is_empty() { None } else { self.collided.get(code).copied() }
    }

    pub fn contains(&self, code: &str) -> bool {
        self.id(code).is_some()
    }

    pub fn len(&self) -> usize {
        self.n_clients as usize
    }

    pub fn is_empty(&self) -> bool {
        self.n_clients == 0
    }

    /// Adds a client (its code not yet known here) with its delivery addresses; its id.
    pub fn insert(&mut self, code: &str, card: u64, shared: Shared, deliveries: &[(&str, u64)]) -> u32 {
        debug_assert!(!self.contains(code), "{code} created twice");
        let next = self.shared.len() as u32;
        let shared = *self.shared_ids.entry(shared).or_insert_with_key(|s| {
            self.shared.push(s.clone());
            next
        });
        let id = self.n_clients;
        let (first, more) = match deliveries.split_first() {
            Some(((intitule, hash), more)) => (self.rec(*hash, id, NONE, intitule), more),
            None => (self.rec(0, id, NONE, ""), &[][..]),
        };
        let c = self.rec(card, shared, if deliveries.is_empty() { NONE } else { FIRST }, code);
        let mut both = [0u8; 2 * RECORD];
        both[..RECORD].copy_from_slice(&c.raw);
        both[RECORD..].copy_from_slice(&first.raw);
        let (_, r) = self.clients.append(&both);
        self.failed(r);
        self.n_clients += 1;
        self.last_client.set(Some((id, c, first)));
        let h = hash_text(code);
        let found = match self.by_code.get(&h) {
            None => {
                self.by_code.insert(h, id as u64);
                Some(id)
            }
            // The map's error is kept (the input fails); `id` finds nothing.
            Some(UNREADABLE) => None,
            // Another code of the same hash (a code is created once).
            Some(_) => {
                self.collided.insert(code.into(), id);
                Some(id)
            }
        };
        *self.last.borrow_mut() = Some((code.into(), found));
        for (intitule, hash) in more {
            self.add_delivery(id, intitule, *hash);
        }
        id
    }

    /// Adds a delivery address to client `id` unless one with the same address is known;
    /// `false` when it was.
    pub fn add_delivery(&mut self, id: u32, intitule: &str, hash: u64) -> bool {
        if self.deliveries_of(id).any(|(_, h)| h == hash) {
            return false;
        }
        let Some(c) = self.client(id) else { return false };
        let d = self.rec(hash, id, c.c, intitule);
        let (_, r) = self.deliveries.append(&d.raw);
        self.failed(r);
        self.put_client(id, c.with_c(self.n_deliveries));
        self.n_deliveries += 1;
        self.last_deliveries.take();
        true
    }

    /// (intitulé, address hash) of the client's delivery addresses, newest first.
    pub fn deliveries_of(&self, id: u32) -> std::vec::IntoIter<(String, u64)> {
        if let Some((i, all)) = &*self.last_deliveries.borrow()
            && *i == id
        {
            return all.clone().into_iter();
        }
        let mut all = Vec::new();
        let Some((c, first)) = self.client_and_first(id) else { return all.into_iter() };
        let mut at = c.c;
        while at != NONE {
            let d = if at == FIRST { Some(first) } else { self.delivery(at) };
            let Some(d) = d else { return Vec::new().into_iter() };
            if d.b != id {
                self.failed::<()>(Err(damaged("delivery address chain")));
                return Vec::new().into_iter();
            }
            let Some(intitule) = self.text_of(&d) else { return Vec::new().into_iter() };
            all.push((intitule, d.a));
            at = d.c;
        }
        *self.last_deliveries.borrow_mut() = Some((id, all.clone()));
        all.into_iter()
    }

    /// `key_hash` of the client card's address.
    pub fn card(&self, id: u32) -> u64 {
        self.client(id).map_or(0, |c| c.a)
    }

    pub fn shared(&self, id: u32) -> &Shared {
        self.client(id).and_then(|c| self.shared.get(c.b as usize)).unwrap_or(&NO_SHARED)
    }

    /// The start of an input: `rollback` comes back to this point.
    pub fn begin(&mut self) {
        self.mark = Mark { text: self.text.end(), clients: self.n_clients, deliveries: self.n_deliveries };
    }

    /// Forgets what was added since `begin`.
    pub fn rollback(&mut self) {
        let m = self.mark;
        self.last.take();
        self.last_deliveries.take();
        for i in (m.deliveries..self.n_deliveries).rev() {
            let Some(d) = self.delivery(i) else { return };
            if d.b < m.clients {
                let Some(c) = self.client(d.b) else { return };
                self.put_client(d.b, c.with_c(d.c));
            }
        }
        self.deliveries.truncate(m.deliveries as u64 * RECORD as u64);
        self.n_deliveries = m.deliveries;
        for i in m.clients..self.n_clients {
            let Some(code) = self.client(i).and_then(|c| self.text_of(&c)) else { return };
            if self.collided.get(code.as_str()) == Some(&i) {
                self.collided.remove(code.as_str());
            } else if self.by_code.get(&hash_text(&code)) == Some(i as u64) {
                self.by_code.remove(&hash_text(&code));
            }
        }
        self.last_client.set(None);
        self.clients.truncate(m.clients as u64 * 2 * RECORD as u64);
        self.n_clients = m.clients;
        self.text.truncate(m.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shared(cat: &str) -> Shared {
        (Some(cat.into()), Some("4110000".into()), (String::new(), String::new()))
    }

    fn owned(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(i, h)| (i.to_string(), *h)).collect()
    }

    #[test]
    fn clients_and_their_addresses_are_found_by_code() {
        let mut c = CreatedClients::default();
        let a = c.insert("WEB000530", 7, shared("1"), &[("Marie Dupont - Lyon", 11)]);
        let b = c.insert("WEB000531", 8, shared("1"), &[]);
        assert_eq!((c.id("WEB000530"), c.id("WEB000531"), c.id("WEB000532")), (Some(a), Some(b), None));
        assert!(c.add_delivery(b, "Jean Lefèvre - Nantes", 12));
        assert!(!c.add_delivery(b, "Jean Lefèvre - Nantes (2)", 12), "same address: known");
        assert!(c.add_delivery(a, "Marie Dupont - Brest", 13));
        assert_eq!(
            c.deliveries_of(a).collect::<Vec<_>>(),
            owned(&[("Marie Dupont - Brest", 13), ("Marie Dupont - Lyon", 11)])
        );
        assert_eq!(c.card(b), 8);
        assert_eq!(c.shared.len(), 1, "the same settings are kept once");
        assert_eq!(c.shared(a), &shared("1"));
        assert!(c.clients.on_disk().0 > 0 && c.deliveries.on_disk().0 > 0, "through the files");
        // An intitulé too long for its record: in the text.
        let long = "Établissements Lefèvre & Fils - Saint-Étienne-du-Rouvray";
        assert!(c.add_delivery(b, long, 14));
        assert!(c.add_delivery(b, "Jean Lefèvre - Brest", 15));
        assert!(c.text.on_disk().0 > 0);
        c.last_deliveries.take();
        assert_eq!(
            c.deliveries_of(b).collect::<Vec<_>>(),
            owned(&[("Jean Lefèvre - Brest", 15), (long, 14), ("Jean Lefèvre - Nantes", 12)])
        );
        assert!(c.error().is_none());
    }

    #[test]
    fn a_failed_input_is_forgotten_and_earlier_ones_kept() {
        let mut c = CreatedClients::default();
        let a = c.insert("WEB1", 1, shared("1"), &[("A - Lyon", 11)]);
        c.begin();
        assert!(c.add_delivery(a, "A - Paris", 12));
        c.insert("WEB2", 2, shared("2"), &[("B - Metz", 21)]);
        c.rollback();
        assert_eq!(c.len(), 1);
        assert_eq!(c.id("WEB2"), None);
        assert_eq!(c.deliveries_of(a).collect::<Vec<_>>(), owned(&[("A - Lyon", 11)]));
        let b = c.insert("WEB2", 3, shared("1"), &[]);
        assert_eq!(c.id("WEB2"), Some(b));
        assert_eq!(c.card(b), 3);
    }

    #[test]
    fn a_hash_collision_never_answers_the_wrong_client() {
        let mut c = CreatedClients::default();
        let a = c.insert("WEB1", 1, shared("1"), &[]);
        // Forge a collision: WEB9's hash leads to WEB1's client.
        c.by_code.insert(hash_text("WEB9"), a as u64);
        assert_eq!(c.id("WEB9"), None, "another code: not this client");
        c.begin();
        let b = c.insert("WEB9", 9, shared("1"), &[]);
        assert_eq!(c.collided.len(), 1);
        assert_eq!(c.id("WEB1"), Some(a));
        assert_eq!(c.id("WEB9"), Some(b));
        assert_eq!(c.card(b), 9);
        assert_eq!(c.id("WEB3"), None);
        c.rollback();
        assert_eq!(c.id("WEB9"), None);
        assert!(c.collided.is_empty());
        assert_eq!(c.id("WEB1"), Some(a));
    }

    #[test]
    fn a_damaged_temporary_file_is_an_error_not_a_client_unknown() {
        let mut c = CreatedClients::default();
        for i in 0..20 {
            c.insert(&format!("WEB{i:04}"), i, shared("1"), &[("Marie Dupont - Lyon", 11)]);
        }
        // The code of client 3, on disk, changed by one byte.
        assert!(4 * 2 * RECORD as u64 <= c.clients.on_disk().0);
        c.clients.write(3 * 2 * RECORD as u64 + TEXT as u64 + 4, b"9").unwrap();
        c.last_client.set(None);
        assert_eq!(c.id("WEB0003"), None);
        assert!(c.error().expect("kept").to_string().contains("temporary file of the clients created"));
        // A long intitulé changed in the text file: the same.
        let mut c = CreatedClients::default();
        let long = "Établissements Lefèvre & Fils - Saint-Étienne-du-Rouvray";
        let a = c.insert("WEB1", 1, shared("1"), &[(long, 11)]);
        c.insert("WEB2", 2, shared("1"), &[(long, 12), (long, 13)]);
        assert!(c.text.on_disk().0 > 8);
        c.text.write(3, b"X").unwrap();
        c.last_deliveries.take();
        assert_eq!(c.deliveries_of(a).count(), 0);
        assert!(c.error().is_some());
        // A record cut short: the same.
        let mut c = CreatedClients::default();
        for i in 0..20 {
            c.insert(&format!("WEB{i:04}"), i, shared("1"), &[]);
        }
        c.clients.on_disk().1.unwrap().set_len(RECORD as u64).unwrap();
        c.last_client.set(None);
        assert_eq!(c.id("WEB0005"), None);
        assert!(c.error().is_some());
    }

    /// A created client as a plain value.
    #[derive(Debug, Clone, PartialEq)]
    struct Plain {
        code: String,
        card: u64,
        shared: Shared,
        deliveries: Vec<(String, u64)>,
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u8),
        Deliver(u8, u8),
        Begin,
        Rollback,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..30, 0u8..3).prop_map(|(c, s)| Op::Insert(c, s)),
            4 => (0u8..30, 0u8..6).prop_map(|(c, a)| Op::Deliver(c, a)),
            1 => Just(Op::Begin),
            1 => Just(Op::Rollback),
        ]
    }

    fn code(n: u8) -> String {
        // Long ones too, across the text's tail and file.
        if n % 7 == 6 { format!("WEB{n}{}", "É".repeat(20)) } else { format!("WEB{n:04}") }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn answers_as_a_plain_list_through_the_disk(ops in proptest::collection::vec(op(), 1..80)) {
            let mut c = CreatedClients::default();
            let (mut model, mut snapshot) = (Vec::<Plain>::new(), Vec::new());
            for op in &ops {
                match *op {
                    Op::Insert(n, s) => {
                        if !model.iter().any(|p| p.code == code(n)) {
                            // Asked first, as a new client's code is: the answer "none" is
                            // kept, and must not outlive the insert.
                            prop_assert_eq!(c.id(&code(n)), None);
                            let d = [(format!("{} - Lyon", code(n)), n as u64 * 100)];
                            let id = c.insert(&code(n), n as u64, shared(&s.to_string()), &[(d[0].0.as_str(), d[0].1)]);
                            prop_assert_eq!(id as usize, model.len());
                            model.push(Plain { code: code(n), card: n as u64, shared: shared(&s.to_string()), deliveries: d.to_vec() });
                        }
                    }
                    Op::Deliver(n, a) => {
                        if let Some(id) = model.iter().position(|p| p.code == code(n)) {
                            let (i, h) = (format!("{} - adresse {a}", code(n)), n as u64 * 100 + a as u64 % 4);
                            let new = !model[id].deliveries.iter().any(|d| d.1 == h);
                            prop_assert_eq!(c.add_delivery(id as u32, &i, h), new);
                            if new {
                                model[id].deliveries.insert(0, (i, h));
                            }
                        }
                    }
                    Op::Begin => {
                        c.begin();
                        snapshot = model.clone();
                    }
                    Op::Rollback => {
                        c.rollback();
                        model = snapshot.clone();
                    }
                }
                prop_assert_eq!(c.len(), model.len());
                for n in 0..30 {
                    let want = model.iter().position(|p| p.code == code(n)).map(|i| i as u32);
                    prop_assert_eq!(c.id(&code(n)), want, "{:?}", op);
                    prop_assert_eq!(c.id(&code(n)), want, "{:?}, again", op);
                }
                for (id, p) in model.iter().enumerate() {
                    let id = id as u32;
                    prop_assert_eq!(c.deliveries_of(id).collect::<Vec<_>>(), p.deliveries.clone());
                    prop_assert_eq!(c.card(id), p.card);
                    prop_assert_eq!(c.shared(id), &p.shared);
                }
            }
            prop_assert!(c.error().is_none());
        }
    }
}
