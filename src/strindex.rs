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

/// Text appended in chunks that are never moved: growing it never copies what it holds (a
/// `String` grown by doubling holds its old and new buffers at once, half again as much at
/// the moment it grows, and a quarter unused on average after). Positions are `u32`: the
/// chunk in the high bits, the offset in it in the low `CHUNK_BITS`; a string longer than a
/// chunk gets one of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextChunks {
    chunks: Vec<String>,
}

const CHUNK_BITS: u32 = 20;
const CHUNK: usize = 1 << CHUNK_BITS;

impl TextChunks {
    /// Appends `parts` side by side (read back as one string); where they start.
    pub fn push(&mut self, parts: &[&str]) -> u32 {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        // What does not fit goes to a new chunk (a string longer than a chunk, to its own).
        let fits = self.chunks.last().is_some_and(|c| c.len() + len <= CHUNK);
        if !fits {
            self.chunks.push(String::with_capacity(CHUNK.max(len)));
        }
        let n = self.chunks.len() - 1;
        let chunk = &mut self.chunks[n];
        let at = ((n as u32) << CHUNK_BITS) | chunk.len() as u32;
        for p in parts {
            chunk.push_str(p);
        }
        at
    }

    /// The `len` bytes at `at`.
    pub fn get(&self, at: u32, len: u32) -> &str {
        let (chunk, offset) = ((at >> CHUNK_BITS) as usize, (at as usize) & (CHUNK - 1));
        &self.chunks[chunk][offset..offset + len as usize]
    }

    /// Where the next push would start if it fits: a mark to cut back to.
    pub fn end(&self) -> (usize, usize) {
        (self.chunks.len(), self.chunks.last().map_or(0, String::len))
    }

    /// Forgets what was pushed since `end` returned `mark`.
    pub fn truncate(&mut self, mark: (usize, usize)) {
        let (chunks, len) = mark;
        self.chunks.truncate(chunks);
        if let Some(c) = self.chunks.last_mut() {
            c.truncate(len);
        }
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

    #[test]
    fn text_in_chunks_reads_back_and_cuts_back() {
        let mut t = TextChunks::default();
        let a = t.push(&["shopify:id:1", "WEB1"]);
        assert_eq!(t.get(a, 16), "shopify:id:1WEB1");
        let mark = t.end();
        let big = "x".repeat(CHUNK + 10);
        let b = t.push(&[&big]);
        let c = t.push(&["après"]);
        assert_eq!(t.get(b, big.len() as u32), big);
        assert_eq!(t.get(c, 6), "après");
        // Many small ones fill chunks without moving what is written.
        let many: Vec<(u32, String)> = (0..200_000).map(|i| format!("key{i}")).map(|k| (t.push(&[&k]), k)).collect();
        assert!(many.iter().all(|(at, k)| t.get(*at, k.len() as u32) == k));
        t.truncate(mark);
        assert_eq!(t.get(a, 16), "shopify:id:1WEB1");
        assert_eq!(t.end(), mark);
    }
}
