//! The clients a run created: what their later orders need (code, card address, delivery
//! addresses, shared settings), packed so that a run creating hundreds of thousands of
//! clients keeps well under a hundred bytes for each. Codes and intitulés live in chunks of
//! text that never move (`TextChunks`); clients and delivery addresses are flat lists indexed
//! by `u32`.
//!
//! An input that fails is undone with `begin` / `rollback`: what it added sits at the end of
//! every list, so undoing is cutting them back (and restoring the delivery chains it touched).

use std::collections::HashMap;

use crate::strindex::{Chunked, StrIndex, TextChunks};

/// Catégorie comptable, compte collectif, representative (nom, prénom).
pub type Shared = (Option<String>, Option<String>, (String, String));

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Span {
    at: u32,
    len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Client {
    code: Span,
    shared: u32,
    /// Newest delivery address (index into `deliveries`), chained through `Delivery::prev`.
    last: u32,
    /// `key_hash` of the card's address.
    card: u64,
}

#[derive(Debug, Clone, Copy)]
struct Delivery {
    intitule: Span,
    client: u32,
    prev: u32,
    hash: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    text: (usize, usize),
    clients: usize,
    deliveries: usize,
}

#[derive(Debug, Default)]
pub struct CreatedClients {
    text: TextChunks,
    clients: Chunked<Client>,
    deliveries: Chunked<Delivery>,
    by_code: StrIndex,
    /// What created clients share (the same for all but a few), each distinct one kept once.
    shared: Vec<Shared>,
    shared_ids: HashMap<Shared, u32>,
    mark: Mark,
    /// The client `id` found last: one order asks for the same code several times. Checked
    /// against the code's text at each use, so a rollback or a new client never makes it lie.
    last: std::cell::Cell<Option<u32>>,
}

impl CreatedClients {
    fn span(&mut self, s: &str) -> Span {
        Span { at: self.text.push(&[s]), len: s.len() as u32 }
    }

    fn str(&self, s: Span) -> &str {
        self.text.get(s.at, s.len)
    }

    /// The id of the client created with `code`.
    pub fn id(&self, code: &str) -> Option<u32> {
        if let Some(i) = self.last.get()
            && (i as usize) < self.clients.len()
            && self.str(self.clients[i as usize].code) == code
        {
            return Some(i);
        }
        let found = self.by_code.get(code, |i| self.str(self.clients[i as usize].code) == code);
        if found.is_some() {
            self.last.set(found);
        }
        found
    }

    pub fn contains(&self, code: &str) -> bool {
        self.id(code).is_some()
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Adds a client (its code not yet known here) with its delivery addresses; its id.
    pub fn insert(&mut self, code: &str, card: u64, shared: Shared, deliveries: &[(&str, u64)]) -> u32 {
        debug_assert!(!self.contains(code), "{code} created twice");
        let next = self.shared.len() as u32;
        let shared = *self.shared_ids.entry(shared).or_insert_with_key(|s| {
            self.shared.push(s.clone());
            next
        });
        let id = self.clients.len() as u32;
        let span = self.span(code);
        self.clients.push(Client { code: span, shared, last: NONE, card });
        let (text, clients) = (&self.text, &self.clients);
        self.by_code.insert(code, id, |i| {
            let s = clients[i as usize].code;
            text.get(s.at, s.len) == code
        });
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
        let span = self.span(intitule);
        let prev = self.clients[id as usize].last;
        self.clients[id as usize].last = self.deliveries.len() as u32;
        self.deliveries.push(Delivery { intitule: span, client: id, prev, hash });
        true
    }

    /// (intitulé, address hash) of the client's delivery addresses, newest first.
    pub fn deliveries_of(&self, id: u32) -> impl Iterator<Item = (&str, u64)> + '_ {
        let mut at = self.clients[id as usize].last;
        std::iter::from_fn(move || {
            let d = self.deliveries.get(at as usize)?;
            at = d.prev;
            Some((self.str(d.intitule), d.hash))
        })
    }

    /// `key_hash` of the client card's address.
    pub fn card(&self, id: u32) -> u64 {
        self.clients[id as usize].card
    }

    pub fn shared(&self, id: u32) -> &Shared {
        &self.shared[self.clients[id as usize].shared as usize]
    }

    /// The start of an input: `rollback` comes back to this point.
    pub fn begin(&mut self) {
        self.mark = Mark { text: self.text.end(), clients: self.clients.len(), deliveries: self.deliveries.len() };
    }

    /// Forgets what was added since `begin`.
    pub fn rollback(&mut self) {
        let m = self.mark;
        for i in (m.deliveries..self.deliveries.len()).rev() {
            let d = self.deliveries[i];
            if (d.client as usize) < m.clients {
                self.clients[d.client as usize].last = d.prev;
            }
        }
        self.deliveries.truncate(m.deliveries);
        for i in m.clients..self.clients.len() {
            let c = self.clients[i];
            let code = self.text.get(c.code.at, c.code.len);
            self.by_code.remove(code, i as u32);
        }
        self.clients.truncate(m.clients);
        self.text.truncate(m.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(cat: &str) -> Shared {
        (Some(cat.into()), Some("4110000".into()), (String::new(), String::new()))
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
            vec![("Marie Dupont - Brest", 13), ("Marie Dupont - Lyon", 11)]
        );
        assert_eq!(c.card(b), 8);
        assert_eq!(c.shared.len(), 1, "the same settings are kept once");
        assert_eq!(c.shared(a), &shared("1"));
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
        assert_eq!(c.deliveries_of(a).collect::<Vec<_>>(), vec![("A - Lyon", 11)]);
        let b = c.insert("WEB2", 3, shared("1"), &[]);
        assert_eq!(c.id("WEB2"), Some(b));
        assert_eq!(c.card(b), 3);
    }

    #[test]
    fn a_hash_collision_never_answers_the_wrong_client() {
        let mut c = CreatedClients::default();
        let a = c.insert("WEB1", 1, shared("1"), &[]);
        // Forge a collision: another code under WEB1's hash.
        let b = c.clients.len() as u32;
        let span = c.span("WEB9");
        c.clients.push(Client { code: span, shared: 0, last: NONE, card: 9 });
        c.by_code.force_collision("WEB9", "WEB1", b);
        assert_eq!(c.id("WEB1"), Some(a));
        assert_eq!(c.id("WEB9"), Some(b));
        assert_eq!(c.id("WEB3"), None);
    }
}
