//! The content-hash journal: which file contents the watcher has already converted, so the
//! same export dropped twice (a sync tool re-uploading, a person dropping it again) produces
//! nothing the second time. It lives in the state folder, beside the issued codes and the
//! ledger of orders, because it says the same kind of thing: "this was converted already".
//!
//! SHA-256 rather than a fast hash: the digest is kept for years, must not change with the
//! Rust version (std's `DefaultHasher` may), and a false match would silently drop a file.
//! It is small enough to carry here rather than add a crate for it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const SEEN_FILE: &str = "watch-seen.json";
pub const SEEN_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeenEntry {
    /// Name of the file as dropped in the inbox.
    pub original: String,
    /// Name it was given when claimed (the name it has in archive/).
    pub claimed: String,
    /// Archive sub-folder (YYYY-MM-DD).
    pub day: String,
    /// When it was received (local time).
    pub received: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Seen {
    pub version: u32,
    /// SHA-256 of the content (hex) → the first file that had it.
    pub files: BTreeMap<String, SeenEntry>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen { version: SEEN_VERSION, files: BTreeMap::new() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeenError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} is damaged ({message}). It lists the files already converted: restore it from a backup, or move it away knowing that a file dropped again would then be converted again", path.display())]
    Damaged { path: PathBuf, message: String },
}

impl Seen {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(SEEN_FILE)
    }

    /// Loads the journal of `state_dir`; a missing file is an empty journal. A damaged one is an
    /// error, never a silent reset (a reset would convert duplicates again).
    pub fn load(state_dir: &Path) -> Result<Seen, SeenError> {
        let path = Seen::path(state_dir);
        let text = match crate::fsguard::read_text(&path, crate::fsguard::MAX_TEXT_BYTES) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Seen::default()),
            Err(source) => return Err(SeenError::Io { path, source }),
        };
        let seen: Seen = serde_json::from_str(&text)
            .map_err(|e| SeenError::Damaged { path: path.clone(), message: e.to_string() })?;
        if seen.version > SEEN_VERSION {
            return Err(SeenError::Damaged {
                path,
                message: format!("version {} written by a newer passerelle", seen.version),
            });
        }
        Ok(seen)
    }

    pub fn save(&self, state_dir: &Path) -> Result<(), SeenError> {
        let path = Seen::path(state_dir);
        let io = |source| SeenError::Io { path: path.clone(), source };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let text = serde_json::to_string_pretty(self).expect("journal serialises");
        crate::write::atomic::write_atomic(&path, text.as_bytes()).map_err(io)
    }
}

/// SHA-256 of a file, as lowercase hex.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.hex())
}

/// FIPS 180-4 SHA-256, streaming.
pub struct Sha256 {
    state: [u32; 8],
    block: [u8; 64],
    used: usize,
    len: u64,
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

impl Default for Sha256 {
    fn default() -> Self {
        Sha256::new()
    }
}

impl Sha256 {
    pub fn new() -> Sha256 {
        Sha256 {
            state: [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
            block: [0; 64],
            used: 0,
            len: 0,
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (64 - self.used).min(data.len());
            self.block[self.used..self.used + take].copy_from_slice(&data[..take]);
            self.used += take;
            data = &data[take..];
            if self.used == 64 {
                let block = self.block;
                self.compress(&block);
                self.used = 0;
            }
        }
    }

    pub fn finish(mut self) -> [u8; 32] {
        let bits = self.len.wrapping_mul(8);
        self.update(&[0x80]);
        while self.used != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 32];
        for (i, w) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    pub fn hex(self) -> String {
        self.finish().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn compress(&mut self, block: &[u8; 64]) {
        let mut w = [0u32; 64];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = self.state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s = s.wrapping_add(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(data);
        h.hex()
    }

    #[test]
    fn nist_vectors() {
        assert_eq!(sha(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(
            sha(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(sha(&million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    #[test]
    fn streaming_in_odd_pieces_gives_the_same_digest() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut h = Sha256::new();
        for piece in data.chunks(13) {
            h.update(piece);
        }
        assert_eq!(h.hex(), sha(&data));
    }

    #[test]
    fn journal_round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Seen::load(dir.path()).unwrap();
        s.files.insert(
            "ab".into(),
            SeenEntry {
                original: "commandes été.csv".into(),
                claimed: "20261128-143005-001_commandes été.csv".into(),
                day: "2026-11-28".into(),
                received: "2026-11-28 14:30:05".into(),
            },
        );
        s.save(dir.path()).unwrap();
        assert_eq!(Seen::load(dir.path()).unwrap(), s);
        std::fs::write(Seen::path(dir.path()), "{").unwrap();
        assert!(matches!(Seen::load(dir.path()), Err(SeenError::Damaged { .. })));
    }
}
