//! The clients already listed in an input's report: a client met again by a later order of
//! the same input is not listed twice. One bit per client, by the id the client already has
//! (its place in the client list, or its created id), instead of a copy of every code: for a
//! year of orders that is a few dozen kilobytes where a set of codes took tens of megabytes.
//! A code that has no id (the single account, a client the list does not hold and this run
//! did not create) goes to a small exact set of codes.

use crate::strindex::StrSet;

/// The id of a client by which it is known in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientId {
    /// Its place in the client list.
    List(u32),
    /// Its id among the clients created in this run.
    Created(u32),
}

/// A growable set of `u32`, one bit each.
#[derive(Debug, Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    /// Sets bit `i`; whether it was clear.
    fn set(&mut self, i: u32) -> bool {
        let (word, bit) = (i as usize / 64, 1u64 << (i % 64));
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        let clear = self.0[word] & bit == 0;
        self.0[word] |= bit;
        clear
    }
}

#[derive(Debug, Clone, Default)]
pub struct Reported {
    list: Bits,
    created: Bits,
    /// Codes without an id.
    other: StrSet,
}

impl Reported {
    /// Notes client `code` (known as `id`, if it has one) as reported; whether it was not yet.
    /// The same code must always come with the same id, except that a code first met without
    /// one may get one later (a client written under a code an earlier run issued): it is then
    /// still known as reported.
    pub fn insert(&mut self, code: &str, id: Option<ClientId>) -> bool {
        let new = match id {
            Some(ClientId::List(i)) => self.list.set(i),
            Some(ClientId::Created(i)) => self.created.set(i),
            None => return self.other.insert(code),
        };
        new && (self.other.is_empty() || !self.other.contains(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_client_is_reported_once_whichever_way_it_is_known() {
        let mut r = Reported::default();
        assert!(r.insert("CL0001", Some(ClientId::List(0))));
        assert!(r.insert("WEB000001", Some(ClientId::Created(0))));
        assert!(!r.insert("CL0001", Some(ClientId::List(0))));
        assert!(!r.insert("WEB000001", Some(ClientId::Created(0))));
        assert!(r.insert("CL0200", Some(ClientId::List(199))), "ids far apart");
        assert!(r.insert("COMPTANT", None));
        assert!(!r.insert("COMPTANT", None));
        // A code met without an id, then created: already reported.
        assert!(r.insert("WEB000007", None));
        assert!(!r.insert("WEB000007", Some(ClientId::Created(3))));
        assert!(!r.insert("WEB000007", Some(ClientId::Created(3))));
    }

    #[test]
    fn answers_as_a_set_of_codes_would() {
        // Codes of three kinds, ids a function of the code, in a scrambled order.
        let id = |n: u32| match n % 3 {
            0 => Some(ClientId::List(n / 3)),
            1 => Some(ClientId::Created(n / 3)),
            _ => None,
        };
        let mut r = Reported::default();
        let mut set = HashSet::new();
        for step in 0..20_000u32 {
            let n = step.wrapping_mul(2_654_435_761) % 5_000;
            let code = format!("C{n:05}");
            assert_eq!(r.insert(&code, id(n)), set.insert(code.clone()), "{code}");
        }
    }
}
