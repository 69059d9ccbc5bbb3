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
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHasher};

use crate::spill::{Log, SpillMap, SpillTo};

/// Catégorie comptable, compte collectif, representative (nom, prénom).
pub type Shared = (Option<String>, Option<String>, (String, String));

/// What `shared` answers when the record cannot be read (the error is kept).
static NO_SHARED: Shared = (None, None, (String::new(), String::new()));

const NONE: u32 = u32::MAX;
/// What the code map answers when it cannot read its runs (the error is kept there).
const UNREADABLE: u64 = u64::MAX;

/// Bytes of a client record and of a delivery address record.
const RECORD: usize = 40;

/// Records and text kept in memory before they go to the temporary files: some 16,000 of
/// the newest clients and addresses (an order's customer is most often a recent one).
#[cfg(not(test))]
const TAIL: usize = 16_384 * RECORD;
#[cfg(not(test))]
const TEXT_TAIL: usize = 512 * 1024;
/// Tests send them to the files after two or three, so that every test goes through the disk.
#[cfg(test)]
const TAIL: usize = 2 * RECORD;
#[cfg(test)]
const TEXT_TAIL: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    at: u64,
    len: u32,
    /// Checksum of the text.
    sum: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Client {
    code: Span,
    shared: u32,
    /// Newest delivery address (index into `deliveries`), chained through `Delivery::prev`.
    last: u32,
    /// `key_hash` of the card's address.
    card: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Delivery {
    intitule: Span,
    client: u32,
    prev: u32,
    hash: u64,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(b);
    mix(h.finish())
}

fn hash(code: &str) -> u64 {
    let mut h = FxHasher::default();
    code.hash(&mut h);
    mix(h.finish())
}

fn sum32(b: &[u8]) -> u32 {
    let h = hash_bytes(b);
    (h ^ (h >> 32)) as u32
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("temporary file of the clients created is damaged ({what})"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Four fields of 8, 4, 4, 4 bytes, a span's sum, 8 bytes, then the record's checksum.
fn encode(a: Span, b: u32, c: u32, d: u64) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    r[0..8].copy_from_slice(&a.at.to_le_bytes());
    r[8..12].copy_from_slice(&a.len.to_le_bytes());
    r[12..16].copy_from_slice(&a.sum.to_le_bytes());
    r[16..20].copy_from_slice(&b.to_le_bytes());
    r[20..24].copy_from_slice(&c.to_le_bytes());
    r[24..32].copy_from_slice(&d.to_le_bytes());
    let sum = sum32(&r[..RECORD - 4]);
    r[RECORD - 4..].copy_from_slice(&sum.to_le_bytes());
    r
}

fn decode(r: &[u8; RECORD]) -> io::Result<(Span, u32, u32, u64)> {
    if sum32(&r[..RECORD - 4]) != u32_at(r, RECORD - 4) {
        return Err(damaged("checksum"));
    }
    let span = Span { at: u64_at(r, 0), len: u32_at(r, 8), sum: u32_at(r, 12) };
    Ok((span, u32_at(r, 16), u32_at(r, 20), u64_at(r, 24)))
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
    shared_ids: HashMap<Shared, u32>,
    mark: Mark,
    /// The code found last and its client: one order asks for the same code several times.
    /// Forgotten at a rollback.
    last: RefCell<Option<(Box<str>, u32)>>,
    /// The client record read or written last.
    last_client: Cell<Option<(u32, Client)>>,
    /// The first read or write of the temporary files that failed (lookups only read).
    error: Mutex<Option<io::Error>>,
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
            shared_ids: HashMap::new(),
            mark: Mark::default(),
            last: RefCell::new(None),
            last_client: Cell::new(None),
            error: Mutex::new(None),
        }
    }

    /// The first read or write of the temporary files that failed: after it a lookup may
    /// have answered "not created" wrongly, so the current input and every later one fail.
    pub fn error(&self) -> Option<io::Error> {
        let e = self.error.lock().unwrap_or_else(|p| p.into_inner());
        e.as_ref()
            .map(|e| io::Error::new(e.kind(), e.to_string()))
            .or_else(|| self.by_code.error())
            .map(|e| io::Error::new(e.kind(), format!("temporary file of the clients created: {e}")))
    }

    fn failed<T>(&self, r: io::Result<T>) -> Option<T> {
        match r {
            Ok(t) => Some(t),
            Err(e) => {
                self.error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                None
            }
        }
    }

    fn span(&mut self, s: &str) -> Span {
        let (at, r) = self.text.append(s.as_bytes());
        self.failed(r);
        Span { at, len: s.len() as u32, sum: sum32(s.as_bytes()) }
    }

    /// The text of `s`, checked.
    fn str(&self, s: Span) -> Option<String> {
        let mut b = vec![0u8; s.len as usize];
        let r = self.text.read(s.at, &mut b).and_then(|()| {
            if sum32(&b) != s.sum {
                return Err(damaged("text"));
            }
            String::from_utf8(b).map_err(|_| damaged("text"))
        });
        self.failed(r)
    }

    fn client(&self, id: u32) -> Option<Client> {
        if let Some((i, c)) = self.last_client.get()
            && i == id
        {
            return Some(c);
        }
        if id >= self.n_clients {
            self.failed::<()>(Err(damaged("client id")));
            return None;
        }
        let mut r = [0u8; RECORD];
        let c = self.clients.read(id as u64 * RECORD as u64, &mut r).and_then(|()| decode(&r));
        let (code, shared, last, card) = self.failed(c)?;
        let c = Client { code, shared, last, card };
        self.last_client.set(Some((id, c)));
        Some(c)
    }

    fn put_client(&mut self, id: u32, c: Client) {
        let r = encode(c.code, c.shared, c.last, c.card);
        let w = self.clients.write(id as u64 * RECORD as u64, &r);
        self.failed(w);
        self.last_client.set(Some((id, c)));
    }

    fn delivery(&self, i: u32) -> Option<Delivery> {
        if i >= self.n_deliveries {
            self.failed::<()>(Err(damaged("delivery address index")));
            return None;
        }
        let mut r = [0u8; RECORD];
        let d = self.deliveries.read(i as u64 * RECORD as u64, &mut r).and_then(|()| decode(&r));
        let (intitule, client, prev, hash) = self.failed(d)?;
        Some(Delivery { intitule, client, prev, hash })
    }

    /// The id of the client created with `code`.
    pub fn id(&self, code: &str) -> Option<u32> {
        if let Some((c, i)) = &*self.last.borrow()
            && **c == *code
        {
            return Some(*i);
        }
        let found = self.find(code);
        if let Some(i) = found {
            *self.last.borrow_mut() = Some((code.into(), i));
        }
        found
    }

    fn find(&self, code: &str) -> Option<u32> {
        if let Some(v) = self.by_code.get(&hash(code)) {
            if v == UNREADABLE {
                return None;
            }
            let c = self.client(v as u32)?;
            if self.str(c.code)? == code {
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
        let span = self.span(code);
        let c = Client { code: span, shared, last: NONE, card };
        let (_, r) = self.clients.append(&encode(c.code, c.shared, c.last, c.card));
        self.failed(r);
        self.n_clients += 1;
        self.last_client.set(Some((id, c)));
        let h = hash(code);
        match self.by_code.get(&h) {
            None => {
                self.by_code.insert(h, id as u64);
            }
            Some(UNREADABLE) => {}
            // Another code of the same hash (a code is created once).
            Some(_) => {
                self.collided.insert(code.into(), id);
            }
        }
        for (intitule, hash) in deliveries {
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
        let Some(mut c) = self.client(id) else { return false };
        let span = self.span(intitule);
        let d = Delivery { intitule: span, client: id, prev: c.last, hash };
        let (_, r) = self.deliveries.append(&encode(d.intitule, d.client, d.prev, d.hash));
        self.failed(r);
        c.last = self.n_deliveries;
        self.n_deliveries += 1;
        self.put_client(id, c);
        true
    }

    /// (intitulé, address hash) of the client's delivery addresses, newest first.
    pub fn deliveries_of(&self, id: u32) -> std::vec::IntoIter<(String, u64)> {
        let mut all = Vec::new();
        let mut at = self.client(id).map_or(NONE, |c| c.last);
        while at != NONE {
            let Some(d) = self.delivery(at) else { break };
            if d.client != id {
                self.failed::<()>(Err(damaged("delivery address chain")));
                break;
            }
            let Some(intitule) = self.str(d.intitule) else { break };
            all.push((intitule, d.hash));
            at = d.prev;
        }
        all.into_iter()
    }

    /// `key_hash` of the client card's address.
    pub fn card(&self, id: u32) -> u64 {
        self.client(id).map_or(0, |c| c.card)
    }

    pub fn shared(&self, id: u32) -> &Shared {
        self.client(id).and_then(|c| self.shared.get(c.shared as usize)).unwrap_or(&NO_SHARED)
    }

    /// The start of an input: `rollback` comes back to this point.
    pub fn begin(&mut self) {
        self.mark = Mark { text: self.text.end(), clients: self.n_clients, deliveries: self.n_deliveries };
    }

    /// Forgets what was added since `begin`.
    pub fn rollback(&mut self) {
        let m = self.mark;
        self.last.take();
        for i in (m.deliveries..self.n_deliveries).rev() {
            let Some(d) = self.delivery(i) else { return };
            if d.client < m.clients {
                let Some(mut c) = self.client(d.client) else { return };
                c.last = d.prev;
                self.put_client(d.client, c);
            }
        }
        self.deliveries.truncate(m.deliveries as u64 * RECORD as u64);
        self.n_deliveries = m.deliveries;
        for i in m.clients..self.n_clients {
            let Some(code) = self.client(i).and_then(|c| self.str(c.code)) else { return };
            if self.collided.get(code.as_str()) == Some(&i) {
                self.collided.remove(code.as_str());
            } else if self.by_code.get(&hash(&code)) == Some(i as u64) {
                self.by_code.remove(&hash(&code));
            }
        }
        self.last_client.set(None);
        self.clients.truncate(m.clients as u64 * RECORD as u64);
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
        assert!(c.clients.on_disk().0 > 0 && c.text.on_disk().0 > 0, "through the files");
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
        c.by_code.insert(hash("WEB9"), a as u64);
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
        let code = c.client(3).unwrap().code;
        assert!(code.at + 4 <= c.text.on_disk().0);
        c.text.write(code.at + 4, b"9").unwrap();
        c.last_client.set(None);
        assert_eq!(c.id("WEB0003"), None);
        assert!(c.error().expect("kept").to_string().contains("temporary file of the clients created"));
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
