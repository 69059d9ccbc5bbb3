//! Strings → `u32` ids through a 32-bit hash, the strings themselves kept by the caller (in
//! one text buffer): 8 bytes an entry (9 a bucket of the map) instead of a boxed copy of every
//! key. Two strings with the same hash happen (a few among a million); the second one goes to
//! a side map, so a lookup never answers another string's id.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrIndex {
    by_hash: FxHashMap<u32, u32>,
    collided: HashMap<Box<str>, u32>,
}

fn hash(s: &str) -> u32 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    let h = h.finish();
    (h ^ (h >> 32)) as u32
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

/// A set of strings, exact, in about 20 bytes an entry plus the text (a `HashSet<String>`
/// takes some 50): the codes a run has already reported, one per client of a year of orders.
#[derive(Debug, Clone, Default)]
pub struct StrSet {
    index: StrIndex,
    text: TextChunks,
    /// Where each entry's text is, by id.
    spans: Vec<(u32, u32)>,
}

impl StrSet {
    /// Adds `s`; whether it was not there yet.
    pub fn insert(&mut self, s: &str) -> bool {
        let StrSet { index, text, spans } = self;
        if index.get(s, |id| holds(text, spans, id, s)).is_some() {
            return false;
        }
        let id = spans.len() as u32;
        spans.push((text.push(&[s]), s.len() as u32));
        index.insert(s, id, |id| holds(text, spans, id, s));
        true
    }

    pub fn contains(&self, s: &str) -> bool {
        let StrSet { index, text, spans } = self;
        index.get(s, |id| holds(text, spans, id, s)).is_some()
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Whether entry `id` of a `StrSet` holds `s`.
fn holds(text: &TextChunks, spans: &[(u32, u32)], id: u32, s: &str) -> bool {
    let (at, len) = spans[id as usize];
    text.get(at, len) == s
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

/// A list grown in chunks of a fixed number of items that never move: growing it never
/// copies what it holds nor holds two copies at once (a `Vec` grown by doubling holds its old
/// and new buffers while it copies, then keeps a quarter unused on average). For the tables a
/// run fills one item per created client or issued code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

const ITEM_BITS: u32 = 12;
const ITEMS: usize = 1 << ITEM_BITS;

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, item: T) {
        if self.len == self.chunks.len() * ITEMS {
            // The first chunk grows as a `Vec` does (a small run stays small), the others
            // are made whole at once.
            self.chunks.push(if self.chunks.is_empty() { Vec::new() } else { Vec::with_capacity(ITEMS) });
        }
        self.chunks.last_mut().expect("a chunk with room").push(item);
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self[i])
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        (i < self.len).then(|| &mut self[i])
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let chunks = len.div_ceil(ITEMS);
        self.chunks.truncate(chunks);
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(len - (chunks - 1) * ITEMS);
        }
        self.len = len;
    }

    /// Grows to `len` items, the new ones `fill`.
    pub fn resize(&mut self, len: usize, fill: T)
    where
        T: Clone,
    {
        while self.len < len {
            self.push(fill.clone());
        }
        self.truncate(len);
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i >> ITEM_BITS][i & (ITEMS - 1)]
    }
}

impl<T> std::ops::IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i >> ITEM_BITS][i & (ITEMS - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_set_answers_exactly_even_through_hash_collisions() {
        let mut set = StrSet::default();
        assert!(set.insert("WEB000530"));
        assert!(!set.insert("WEB000530"));
        assert!(set.insert("WEB000531"));
        // Two strings whose 32-bit hashes meet: each is its own entry.
        let mut seen: HashMap<u32, String> = HashMap::new();
        let pair = (0..200_000u32)
            .map(|i| format!("C{i:08}"))
            .find_map(|s| seen.insert(hash(&s), s.clone()).map(|other| (other, s)))
            .expect("a collision among 200,000 keys");
        assert!(set.insert(&pair.0));
        assert!(set.insert(&pair.1), "the second of a colliding pair is new");
        assert!(!set.insert(&pair.0) && !set.insert(&pair.1));
        assert_eq!(set.len(), 4);
    }

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
    fn real_collisions_of_the_short_hash_are_kept_apart() {
        // 32 bits: among 300,000 keys some share a hash (the side map holds the second).
        let keys: Vec<String> = (0..300_000).map(|i| format!("shopify:id:{}", 5_000_000 + i * 7)).collect();
        let is = |s: &str| {
            let s = s.to_string();
            let keys = &keys;
            move |i: u32| keys[i as usize] == s
        };
        let mut ix = StrIndex::default();
        for (i, k) in keys.iter().enumerate() {
            ix.insert(k, i as u32, is(k));
        }
        assert!(!ix.collided.is_empty(), "this set has collisions");
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(ix.get(k, is(k)), Some(i as u32), "{k}");
        }
        assert_eq!(ix.get("shopify:id:1", is("shopify:id:1")), None);
        // The second of a pair removed, then the first: each leaves the other found.
        let (second, &j) = ix.collided.iter().next().unwrap();
        let second = second.to_string();
        let first = keys.iter().position(|k| k != &second && hash(k) == hash(&second)).unwrap();
        ix.remove(&second, j);
        assert_eq!(ix.get(&second, is(&second)), None);
        assert_eq!(ix.get(&keys[first], is(&keys[first])), Some(first as u32));
        ix.insert(&second, j, is(&second));
        ix.remove(&keys[first], first as u32);
        assert_eq!(ix.get(&keys[first], is(&keys[first])), None);
        assert_eq!(ix.get(&second, is(&second)), Some(j));
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

    #[test]
    fn a_chunked_list_answers_as_a_vec_would() {
        let (mut c, mut v) = (Chunked::default(), Vec::new());
        let mut seed = 42u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for step in 0..3_000u64 {
            match next(10) {
                0 => {
                    let len = next(v.len() as u64 + 1) as usize;
                    c.truncate(len);
                    v.truncate(len);
                }
                1 => {
                    // Across chunk boundaries, up and down.
                    let len = (v.len() + next(2 * ITEMS as u64) as usize).saturating_sub(ITEMS / 2);
                    c.resize(len, step);
                    v.resize(len, step);
                }
                2 if !v.is_empty() => {
                    let i = next(v.len() as u64) as usize;
                    c[i] = step;
                    v[i] = step;
                }
                _ => {
                    for k in 0..next(ITEMS as u64) {
                        c.push(step * 10_000 + k);
                        v.push(step * 10_000 + k);
                    }
                }
            }
            assert_eq!(c.len(), v.len());
            if !v.is_empty() {
                let i = next(v.len() as u64) as usize;
                assert_eq!((c.get(i), c[v.len() - 1]), (v.get(i), v[v.len() - 1]), "step {step}");
            }
            assert_eq!(c.get(v.len()), None);
        }
        assert!((0..v.len()).all(|i| c[i] == v[i]));
        assert!(c.chunks.iter().skip(1).all(|k| k.capacity() == ITEMS), "chunks never grow past their size");
    }
}
