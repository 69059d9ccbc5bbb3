//! Strings → `u32` ids through their 64-bit hash, the strings themselves kept by the caller
//! (in one text buffer): 12 bytes an entry instead of a boxed copy of every key. Two strings
//! with the same hash are possible in theory; the second one goes to a side map, so a lookup
//! never answers another string's id.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrIndex {
    by_hash: FxHashMap<u64, u32>,
    collided: HashMap<Box<str>, u32>,
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

impl StrIndex {
    /// The id of `s`; `is(id, s)` tells whether entry `id` holds `s`.
    pub fn get(&self, s: &str, is: impl Fn(u32) -> bool) -> Option<u32> {
        match self.by_hash.get(&hash(s)) {
            Some(&i) if is(i) => Some(i),
            _ if self.collided.is_empty() => None,
            _ => self.collided.get(s).copied(),
        }
    }

    /// Maps `s` to `id`, replacing what `s` mapped to.
    pub fn insert(&mut self, s: &str, id: u32, is: impl Fn(u32) -> bool) {
        use std::collections::hash_map::Entry;
        match self.by_hash.entry(hash(s)) {
            Entry::Vacant(e) => {
                if self.collided.remove(s).is_none() {
                    e.insert(id);
                } else {
                    self.collided.insert(s.into(), id);
                }
            }
            Entry::Occupied(mut e) if is(*e.get()) => {
                e.insert(id);
            }
            Entry::Occupied(_) => {
                self.collided.insert(s.into(), id);
            }
        }
    }

    /// Forgets `s` if it maps to `id`.
    pub fn remove(&mut self, s: &str, id: u32) {
        if self.collided.get(s) == Some(&id) {
            self.collided.remove(s);
        } else if self.by_hash.get(&hash(s)) == Some(&id) {
            self.by_hash.remove(&hash(s));
        }
    }

    /// Puts the collision side map in place of a real hash collision, for tests.
    #[cfg(test)]
    pub fn force_collision(&mut self, s: &str, under: &str, id: u32) {
        let h = hash(under);
        let owner = self.by_hash[&h];
        self.by_hash.insert(hash(s), owner);
        self.collided.insert(s.into(), id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_by_string_with_collisions_kept_apart() {
        let names = ["WEB1", "WEB2", "WEB9"];
        let is = |s: &'static str| move |i: u32| names[i as usize] == s;
        let mut ix = StrIndex::default();
        ix.insert("WEB1", 0, is("WEB1"));
        ix.insert("WEB2", 1, is("WEB2"));
        assert_eq!(ix.get("WEB1", is("WEB1")), Some(0));
        assert_eq!(ix.get("WEB9", is("WEB9")), None);
        // WEB9 hashing like WEB1: its lookup lands on entry 0, which does not hold it.
        ix.force_collision("WEB9", "WEB1", 2);
        assert_eq!(ix.get("WEB9", is("WEB9")), Some(2));
        assert_eq!(ix.get("WEB1", is("WEB1")), Some(0));
        ix.remove("WEB9", 2);
        assert_eq!(ix.get("WEB9", is("WEB9")), None);
        ix.remove("WEB1", 5);
        assert_eq!(ix.get("WEB1", is("WEB1")), Some(0), "another id: not removed");
        ix.remove("WEB1", 0);
        assert_eq!(ix.get("WEB1", is("WEB1")), None);
    }
}
